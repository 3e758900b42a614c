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

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
import logging
import shutil
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    Attachment,
    InvalidResponseError,
    InvalidTokenError,
    PushoverError,
    QuotaExceededError,
)
from .const import (
    CONF_OUTBOX,
    DOMAIN,
)
from .data import PushoverPlusConfigEntry, Recipient
from .delivery import Courier
from .errors import reset_time
from .message import Outgoing
from .outbox_drops import DropReason, OutboxDrops
from .outbox_queue import OutboxQueue
from .outbox_repairs import OutboxRepairs
from .outbox_storage import (
    STORAGE_VERSION,
    QueuedMessage,
    paths,
)

if TYPE_CHECKING:
    from .coordinator import PushoverCoordinator

_LOGGER = logging.getLogger(__name__)

#: The first wait after a failure: Pushover asks for at least five seconds.
FIRST_RETRY: Final = timedelta(seconds=5)
#: The longest wait between two attempts.
MAX_RETRY: Final = timedelta(minutes=10)
# 5 s doubled 7 times passes MAX_RETRY; more doublings only risk an overflow.
_MAX_DOUBLINGS: Final = 7
#: Seconds unloading waits for a delivery already on its way.
STOP_TIMEOUT: float = 10.0


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the outbox of a removed entry: its store, files and repairs."""
    key, folder = paths(hass, entry_id)
    await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()
    await hass.async_add_executor_job(shutil.rmtree, folder, True)
    OutboxRepairs.async_delete_all(hass, entry_id)


# The outbox ---------------------------------------------------------------------


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
        self._hass = hass
        self._entry = entry
        self._courier = courier
        self._coordinator = coordinator
        self._queue = OutboxQueue(hass, entry, coordinator=coordinator)
        self._drops = OutboxDrops(hass, entry, self._queue, repairs=repairs)
        self._failures = 0
        self._next_attempt = dt_util.utcnow()
        #: Set when Pushover refused the token: nothing is sent until reauth.
        self._paused = False
        self._stopping = False
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._task: asyncio.Task[None] | None = None

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

    def _warn_next_attempt(
        self, article: str, item: QueuedMessage, what: str, why: object
    ) -> None:
        """Warn that ``item`` waits, why, and when it is tried next."""
        _LOGGER.warning(
            "%s Pushover message for %s %s (%s); next attempt at %s",
            article,
            self._queue.who(item.recipient_ids),
            what,
            why,
            self._next_attempt.isoformat(),
        )

    # Loading and saving -----------------------------------------------------

    async def async_load(self) -> None:
        """Read the queued messages and plan the next attempt.

        A damaged store file is moved aside and what can be read of it is kept;
        a store of the old format is turned into files (see
        :meth:`.OutboxQueue.async_load`).
        """
        self._drops.restore(*await self._queue.async_load())
        now = dt_util.utcnow()
        self._next_attempt = now + FIRST_RETRY
        if self._queue:
            _LOGGER.info(
                "%s queued Pushover messages of %s are sent again from %s",
                len(self._queue),
                self._entry.title,
                self._next_attempt.isoformat(),
            )
        await self._drops.async_left(now, saved=False)
        self._schedule()

    # Queueing ---------------------------------------------------------------

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
        if not self._queue:
            self._failures = 1
            self._next_attempt = not_before
        elif isinstance(error, QuotaExceededError):
            self._next_attempt = max(self._next_attempt, not_before)
        self._queue.add(item)
        # The one warning per queued message, whichever way it was sent.
        self._warn_next_attempt(
            "A", item, "was not sent yet: it waits in the outbox", reason
        )
        await self._drops.async_make_room(item)
        self._drops.refresh_issue(now)
        self._queue.notify()
        self._schedule()
        return {
            "id": item.id,
            "reason": reason,
            "next_attempt": self._next_attempt.isoformat(),
        }

    # Draining ---------------------------------------------------------------

    @callback
    def _schedule(self) -> None:
        """Wake up at the next attempt, expiry, or end of a drop's day."""
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        if self._stopping or self._task is not None:
            return
        moments = []
        if (first := self._queue.first_deadline()) is not None:
            moments.append(first[0])
        if self._queue and not self._paused:
            moments.append(self._next_attempt)
        moments.extend(self._drops.moments())
        if moments:
            self._unsub_timer = async_track_point_in_utc_time(
                self._hass, self._async_wake, min(moments)
            )

    @callback
    def _async_wake(self, _now: datetime) -> None:
        self._unsub_timer = None
        # Not started eagerly: the task must be known before it ends.
        self._task = self._entry.async_create_background_task(
            self._hass,
            self._async_run(),
            f"{DOMAIN} outbox {self._entry.entry_id}",
            eager_start=False,
        )

    async def _async_run(self) -> None:
        """Drop what is too old, then send the oldest messages while that works."""
        try:
            while True:
                now = dt_util.utcnow()
                while (first := self._queue.first_deadline()) is not None and first[
                    0
                ] <= now:
                    await self._drops.async_drop(
                        first[1],
                        DropReason.EXPIRED,
                        f"not delivered in time; last error: {first[1].error}",
                    )
                self._drops.refresh_issue(now)
                if (
                    self._stopping
                    or self._paused
                    or not self._queue
                    or now < self._next_attempt
                ):
                    return
                if not await self._async_deliver(next(iter(self._queue))):
                    return
        finally:
            self._task = None
            self._schedule()

    async def _async_deliver(self, item: QueuedMessage) -> bool:
        """Send what is left of ``item``; return whether the next may follow now."""
        known = self._coordinator.data.recipients
        recipients = [
            known[recipient_id]
            for recipient_id in item.recipient_ids
            if recipient_id in known
        ]
        if not recipients:
            await self._drops.async_drop(
                item, DropReason.RECIPIENT_REMOVED, "the recipient was removed"
            )
            return True
        attachment = None
        if item.attachment is not None:
            attachment = Attachment.from_path(
                self._queue.folder / item.id,
                filename=item.attachment.filename,
                content_type=item.attachment.content_type,
            )
        self._queue.sending = item
        try:
            delivery = await self._courier.async_deliver(
                item.outgoing,
                recipients,
                attachment,
                part_sent=partial(self._async_part_sent, item),
            )
        finally:
            self._queue.sending = None
        if delivery.error is not None:
            return await self._async_failed(item, delivery.error)
        self._queue.forget(item)
        self._failures = 0
        await self._queue.async_delete(item)
        _LOGGER.info(
            "Delivered a queued Pushover message for %s (queued at %s)",
            self._queue.who(item.recipient_ids),
            item.queued_at.isoformat(),
        )
        await self._drops.async_left(dt_util.utcnow(), saved=False)
        return True

    async def _async_part_sent(self, item: QueuedMessage) -> None:
        """Keep only the parts still to send: the file first, then the image goes."""
        item.outgoing = replace(item.outgoing, parts=item.outgoing.parts[1:])
        had_image = item.attachment is not None
        self._queue.forget_image(item)
        await self._queue.async_write(item)
        if had_image:
            await self._queue.async_delete(item, text=False)

    async def _async_failed(self, item: QueuedMessage, err: PushoverError) -> bool:
        """Decide what a failed attempt means; return whether the next may follow."""
        now = dt_util.utcnow()
        item.error = str(err)
        if isinstance(err, InvalidTokenError):
            self._paused = True
            self._entry.async_start_reauth(self._hass)
            _LOGGER.warning(
                "Pushover refused the application token of %s: %s queued messages "
                "wait until it is entered again",
                self._entry.title,
                len(self._queue),
            )
            return False
        if isinstance(err, QuotaExceededError):
            reset = reset_time(err, self._courier.client)
            for queued in list(self._queue):
                if reset is None or reset > self._queue.deadline(
                    queued.queued_at, queued.outgoing
                ):
                    await self._drops.async_drop(
                        queued, DropReason.QUOTA_EXCEEDED, str(err)
                    )
            self._next_attempt = max(reset or now, now + FIRST_RETRY)
            _LOGGER.warning(
                "The Pushover quota is used up: %s queued messages of %s wait until %s",
                len(self._queue),
                self._entry.title,
                self._next_attempt.isoformat(),
            )
            return False
        if err.retryable:
            self._failures += 1
            delay = FIRST_RETRY * 2 ** min(self._failures - 1, _MAX_DOUBLINGS)
            self._next_attempt = now + min(delay, MAX_RETRY)
            await self._queue.async_write(item)
            self._warn_next_attempt("A queued", item, "failed again", err)
            return False
        reason = (
            DropReason.UNCONFIRMED
            if isinstance(err, InvalidResponseError)
            else DropReason.REFUSED
        )
        await self._drops.async_drop(item, reason, str(err))
        return True

    async def async_stop(self) -> None:
        """Stop sending; a delivery on its way gets a moment to finish and be saved."""
        self._stopping = True
        self._schedule()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=STOP_TIMEOUT)
