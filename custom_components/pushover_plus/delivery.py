"""The one way a message's parts go to Pushover, for direct sends and the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import Attachment, MessageResult, PushoverClient, PushoverError
from .const import DOMAIN
from .data import Recipient
from .message import Outgoing

if TYPE_CHECKING:
    from .action_links import ActionLinks


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


class Courier:
    """Sends a message's parts to Pushover and announces each accepted one."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: PushoverClient,
        entry_id: str,
        links: ActionLinks,
    ) -> None:
        """Send with ``client``, announcing on ``entry_id``'s signal.

        ``links`` gives a message with actions the link to its action page.
        """
        self._hass = hass
        self.client = client
        self._signal = signal_sent(entry_id)
        self._links = links

    async def async_deliver(
        self,
        outgoing: Outgoing,
        recipients: Sequence[Recipient],
        attachment: Attachment | None,
        *,
        part_sent: Callable[[], Awaitable[None]] | None = None,
    ) -> Delivery:
        """Send the parts in order, the image with the first; stop at a failure.

        Each accepted part is announced on :func:`signal_sent`; ``part_sent``
        is awaited after each accepted part that has another after it. The
        failure is returned for the caller to judge: a direct send queues the
        rest, the outbox tries again later or gives up.

        An encrypted message is never batched (see :class:`.sending.Sender`):
        it has one recipient, whose key encrypts it now. Nor is one with
        actions: each attempt gives it a link of its own, for its recipient.
        """
        users = [recipient.user_key for recipient in recipients]
        key = recipients[0].encryption_key
        link = self._links.async_open(outgoing, recipients[0])
        results: list[MessageResult] = []
        last = len(outgoing.parts) - 1
        for index, part in enumerate(outgoing.parts):
            message = outgoing.message(
                users, part, attachment if index == 0 else None, key, link
            )
            try:
                result = await self.client.send_message(message)
            except PushoverError as err:
                return Delivery(results, err)
            results.append(result)
            if link is not None and index == 0:
                self._links.async_sent(link.digest, result.request_id)
            async_dispatcher_send(self._hass, self._signal, message, result)
            if part_sent is not None and index < last:
                await part_sent()
        return Delivery(results)
