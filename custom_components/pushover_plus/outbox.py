"""The outbox: messages Pushover could not take yet, kept until they are delivered.

:class:`Outbox` is what the rest of the integration uses. ``async_enqueue``
stores a message that failed for a passing reason or the used-up quota, or that
must queue behind others (``waiting_for``), or says it may not wait; ``size``
counts what waits. Messages survive restarts and go out oldest first, at least
once: never again once Pushover accepted them. Behind it, :mod:`.outbox_queue`
keeps them, :mod:`.outbox_drain` sends them again, :mod:`.outbox_drops` gives
them up and shows the repairs. What users see: the README's section "Outbox:
nothing lost when Pushover cannot be reached".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import shutil
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import Attachment, PushoverError, QuotaExceededError
from .const import CONF_OUTBOX, EVENT_QUEUED
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

        ``courier`` sends them; ``coordinator`` knows the recipients and hears
        when Pushover cannot be reached; ``repairs`` shows the entry's outbox
        repair issues.
        """
        self._entry = entry
        self._courier = courier
        self._coordinator = coordinator
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
            older = len(self._queue)
            reason = f"queued behind {older} older message{'' if older == 1 else 's'}"
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
            self._coordinator.async_unreachable(error)
        else:
            return None

        item = await self._queue.async_keep(
            now, outgoing, recipients, attachment, reason
        )
        await self._drain.async_take(
            item, now, not_before, quota=isinstance(error, QuotaExceededError)
        )
        self._queue.announce(EVENT_QUEUED, item, reason=reason)
        return {
            "id": item.id,
            "reason": reason,
            "next_attempt": self._drain.next_attempt.isoformat(),
        }

    @callback
    def async_send_now(self) -> None:
        """Send what waits now (the "Send waiting messages now" button)."""
        self._drain.async_send_now()

    async def async_stop(self) -> None:
        """Stop sending; a delivery on its way gets a moment to finish and be saved."""
        await self._drain.async_stop(STOP_TIMEOUT)
