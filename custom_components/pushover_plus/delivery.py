"""The one way a message's parts go to Pushover, for direct sends and the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import Attachment, MessageResult, PushoverError
from .const import DOMAIN
from .data import PushoverPlusConfigEntry, Recipient
from .message import Outgoing


def signal_sent(entry_id: str) -> str:
    """Return the signal sent with (Message, MessageResult) per accepted part."""
    return f"{DOMAIN}_sent_{entry_id}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of a message's parts."""

    #: Pushover's replies to the parts it accepted, in order.
    results: list[MessageResult]
    #: Why the next part failed; None when every part was accepted.
    error: PushoverError | None = None


async def async_deliver(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    outgoing: Outgoing,
    recipients: Sequence[Recipient],
    attachment: Attachment | None,
    *,
    part_sent: Callable[[], Awaitable[None]] | None = None,
) -> Delivery:
    """Send the parts in order, the image with the first; stop at a failure.

    Each accepted part is announced on :func:`signal_sent`; ``part_sent`` is
    awaited after each accepted part that has another after it. The failure
    is returned for the caller to judge: a direct send queues the rest, the
    outbox tries again later or gives up.

    An encrypted message is never batched (see :class:`.sending.Sender`): it
    has one recipient, whose key encrypts it now.
    """
    client = entry.runtime_data.client
    users = [recipient.user_key for recipient in recipients]
    key = recipients[0].encryption_key
    signal = signal_sent(entry.entry_id)
    results: list[MessageResult] = []
    last = len(outgoing.parts) - 1
    for index, part in enumerate(outgoing.parts):
        message = outgoing.message(users, part, attachment if index == 0 else None, key)
        try:
            result = await client.send_message(message)
        except PushoverError as err:
            return Delivery(results, err)
        results.append(result)
        async_dispatcher_send(hass, signal, message, result)
        if part_sent is not None and index < last:
            await part_sent()
    return Delivery(results)
