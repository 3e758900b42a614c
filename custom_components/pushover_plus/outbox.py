"""The outbox: messages Pushover could not take yet, kept until they are delivered.

A message that fails for a passing reason (a 5xx reply, a timeout, a dropped
connection, a name that does not resolve) or because the monthly quota is used
up waits here, on disk so that it survives restarts, and is sent again: five
seconds later first (Pushover asks for at least that), then twice as long each
time up to ten minutes, or when the quota resets. Queued messages go out one at
a time, oldest first, and a new message for a recipient with queued messages
queues behind them. One still queued after the entry's maximum age (or its own
ttl, when shorter) is dropped: the ``pushover_plus_delivery_failed`` event says
so, and a repair issue stays while any message was dropped in the last day.
While a message has waited longer than :data:`WAITING_NOTICE`, a repair issue
says how many wait and since when, so that a queued message does not pass for
a sent one.

The outbox holds at most :data:`OUTBOX_MAX_MESSAGES` messages and
:data:`OUTBOX_MAX_BYTES` of images: a message that would pass either limit
still gets in, and the oldest waiting messages make room for it (each with the
event, reason ``outbox_full``, and a repair issue until the outbox is empty).
Queueing a message costs the same however many wait (see
:mod:`.outbox_storage`).

Delivery is at least once: a request that got no reply may have been delivered
and is sent again. A request that Pushover accepted is never sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import shutil
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import Attachment, PushoverError, QuotaExceededError
from .const import CONF_OUTBOX
from .data import PushoverPlusConfigEntry, Recipient
from .delivery import Courier
from .errors import reset_time
from .message import Outgoing
from .outbox_drain import FIRST_RETRY, OutboxDrain
from .outbox_drops import OutboxDrops
from .outbox_queue import OutboxQueue
from .outbox_repairs import OutboxRepairs
from .outbox_storage import STORAGE_VERSION, paths

if TYPE_CHECKING:
    from .coordinator import PushoverCoordinator

#: Seconds unloading waits for a delivery already on its way.
STOP_TIMEOUT: float = 10.0


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the outbox of a removed entry: its store, files and repairs."""
    key, folder = paths(hass, entry_id)
    await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()
    await hass.async_add_executor_job(shutil.rmtree, folder, True)
    OutboxRepairs.async_delete_all(hass, entry_id)


class Outbox:
    """The messages of one config entry that wait to be sent again."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        *,
        courier: Courier,
        coordinator: PushoverCoordinator,
        repairs: OutboxRepairs,
    ) -> None:
        """Keep ``entry``'s messages; nothing is read before :meth:`async_load`.

        ``courier`` sends them; ``coordinator`` knows the recipients;
        ``repairs`` shows the entry's outbox repair issues.
        """
        self._entry = entry
        self._courier = courier
        self._queue = OutboxQueue(hass, entry, coordinator=coordinator)
        self._drops = OutboxDrops(hass, entry, self._queue, repairs=repairs)
        self._drain = OutboxDrain(
            hass,
            entry,
            self._queue,
            self._drops,
            courier=courier,
            coordinator=coordinator,
        )

    @property
    def size(self) -> int:
        """Return how many messages wait."""
        return len(self._queue)

    @property
    def enabled(self) -> bool:
        """Return whether new messages may wait here (the entry's option)."""
        return bool(self._entry.options.get(CONF_OUTBOX, True))

    @callback
    def waiting_for(self, recipients: Iterable[Recipient]) -> bool:
        """Return whether a new message to ``recipients`` must queue behind others."""
        return self.enabled and self._queue.waits_for(recipients)

    async def async_load(self) -> None:
        """Read the queued messages and plan the next attempt.

        A damaged store file is moved aside and what can be read of it is kept;
        a store of the old format is turned into files (see
        :meth:`.OutboxQueue.async_load`).
        """
        self._drops.restore(*await self._queue.async_load())
        await self._drain.async_start()

    async def async_enqueue(
        self,
        outgoing: Outgoing,
        recipients: Sequence[Recipient],
        attachment: Attachment | None,
        error: PushoverError | None,
    ) -> dict[str, Any] | None:
        """Keep a message that cannot go now, stored before this returns.

        ``error`` is why sending it failed; None means it queues behind older
        messages. Returns what the action's caller is told, or None when the
        message may not wait: the outbox is off, the error is final, or the
        quota resets after the message is too old.
        """
        now = dt_util.utcnow()
        not_before = now + FIRST_RETRY
        if error is None:
            reason = f"queued behind {len(self._queue)} older messages"
        elif not self.enabled:
            return None
        elif isinstance(error, QuotaExceededError):
            reset = reset_time(error, self._courier.client)
            if reset is None or reset > self._queue.deadline(now, outgoing):
                return None
            not_before = max(reset, not_before)
            reason = str(error)
        elif error.retryable:
            reason = str(error)
        else:
            return None

        item = await self._queue.async_keep(
            now, outgoing, recipients, attachment, reason
        )
        await self._drain.async_take(
            item, now, not_before, quota=isinstance(error, QuotaExceededError)
        )
        return {
            "id": item.id,
            "reason": reason,
            "next_attempt": self._drain.next_attempt.isoformat(),
        }

    async def async_stop(self) -> None:
        """Stop sending; a delivery on its way gets a moment to finish and be saved."""
        await self._drain.async_stop(STOP_TIMEOUT)
