"""Sending the outbox's messages again: one at a time, oldest first, with back-off.

:class:`OutboxDrain` wakes when something is due: the next attempt
(:data:`FIRST_RETRY` after a failure, then twice as long each time up to
:data:`MAX_RETRY`, or when the quota resets), a message's deadline, or a change
of the repair issues. It gives up what is too old, then sends the oldest
message until one fails, and decides what the failure means: retry, wait for
the quota, pause until reauthentication, or give up (see :mod:`.outbox_drops`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api import (
    Attachment,
    InvalidResponseError,
    InvalidTokenError,
    PushoverConnectionError,
    PushoverError,
    PushoverTimeoutError,
    QuotaExceededError,
)
from .const import DOMAIN, EVENT_DELIVERED
from .data import PushoverPlusConfigEntry
from .delivery import Courier
from .errors import reset_time
from .outbox_drops import DropReason, OutboxDrops
from .outbox_queue import LOGGER, OutboxQueue
from .outbox_storage import QueuedMessage

if TYPE_CHECKING:
    from .coordinator import PushoverCoordinator

#: The first wait after a failure: Pushover asks for at least five seconds.
FIRST_RETRY: Final = timedelta(seconds=5)
#: How often, while messages wait after a passing failure, a request that costs
#: no message asks whether Pushover answers again (not sooner than it allows).
PROBE_INTERVAL: Final = timedelta(seconds=5)
#: The longest wait between two attempts.
MAX_RETRY: Final = timedelta(minutes=10)
# 5 s doubled 7 times passes MAX_RETRY; more doublings only risk an overflow.
_MAX_DOUBLINGS: Final = 7


class OutboxDrain:
    """Sends one config entry's waiting messages again, and plans when."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        queue: OutboxQueue,
        drops: OutboxDrops,
        *,
        courier: Courier,
        coordinator: PushoverCoordinator,
    ) -> None:
        """Send from ``queue`` and give up through ``drops``.

        ``courier`` sends; ``coordinator`` knows the recipients.
        """
        self._hass = hass
        self._entry = entry
        self._queue = queue
        self._drops = drops
        self._courier = courier
        self._coordinator = coordinator
        self._failures = 0
        self._next_attempt = dt_util.utcnow()
        #: Set when Pushover refused the token: nothing is sent until reauth.
        self._paused = False
        self._stopping = False
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._task: asyncio.Task[None] | None = None
        #: Since when messages wait for Pushover (the outage the log reports).
        self._waiting_since: datetime | None = None
        #: When Pushover is next asked whether it answers; None: not asked.
        self._next_probe: datetime | None = None
        #: Messages delivered since they started to wait.
        self._delivered = 0
        #: Whether a probe found Pushover away since the last attempt.
        self._probe_missed = False

    @property
    def next_attempt(self) -> datetime:
        """Return when the oldest message is tried next."""
        return self._next_attempt

    async def async_start(self) -> None:
        """Plan the first attempt for the messages just loaded, and show the repairs."""
        now = dt_util.utcnow()
        self._next_attempt = now + FIRST_RETRY
        if self._queue:
            LOGGER.info(
                "%s queued Pushover messages of %s are sent again from %s",
                len(self._queue),
                self._entry.title,
                self._next_attempt.isoformat(),
            )
        await self._drops.async_left(now, saved=False)
        self._schedule()

    async def async_take(
        self, item: QueuedMessage, now: datetime, not_before: datetime, *, quota: bool
    ) -> None:
        """Count in ``item``, queued at ``now``, and plan its attempt.

        Into an empty queue it is tried at ``not_before``; behind others it puts
        the next attempt back to ``not_before`` only when ``quota`` says the
        quota is used up.
        """
        if not self._queue:
            self._failures = 1
            self._next_attempt = not_before
        elif quota:
            self._next_attempt = max(self._next_attempt, not_before)
        self._queue.add(item)
        self._log_waiting(item, now)
        await self._drops.async_make_room(item)
        self._drops.refresh_issue(now)
        self._queue.notify()
        self._schedule()

    def _log_waiting(self, item: QueuedMessage, now: datetime) -> None:
        """Warn once when messages start to wait; each one only at debug level."""
        if self._waiting_since is None:
            self._waiting_since = now
            LOGGER.warning(
                "Pushover messages of %s wait in the outbox (%s); they are sent "
                "as soon as Pushover takes them",
                self._entry.title,
                item.error,
            )
        self._debug_next_attempt(item, "waits in the outbox", item.error)

    def _debug_next_attempt(self, item: QueuedMessage, what: str, why: object) -> None:
        """Log at debug level that ``item`` waits, why, and when it is tried next."""
        LOGGER.debug(
            "A Pushover message for %s %s (%s); next attempt at %s",
            self._queue.who(item.recipient_ids),
            what,
            why,
            self._next_attempt.isoformat(),
        )

    def _log_all_sent(self, now: datetime) -> None:
        """Once nothing waits any more, say how many went and after how long."""
        if self._waiting_since is None or self._queue:
            return
        LOGGER.info(
            "Pushover takes messages of %s again: %s waiting message(s) delivered "
            "after %s",
            self._entry.title,
            self._delivered,
            str(now - self._waiting_since).split(".", maxsplit=1)[0],
        )
        self._waiting_since = None
        self._delivered = 0

    @callback
    def _cancel_timer(self) -> None:
        """Forget the planned wake-up, if there is one."""
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None

    @callback
    def _schedule(self) -> None:
        """Wake up at the next attempt, expiry, or end of a drop's day."""
        self._cancel_timer()
        if self._stopping or self._task is not None:
            return
        moments = []
        if (first := self._queue.first_deadline()) is not None:
            moments.append(first[0])
        if self._queue and not self._paused:
            moments.append(self._next_attempt)
            if self._next_probe is not None:
                moments.append(self._next_probe)
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
                while (first := self._queue.first_deadline()) is not None and (
                    first[0] <= now
                ):
                    await self._drops.async_drop(
                        first[1],
                        DropReason.EXPIRED,
                        f"not delivered in time; last error: {first[1].error}",
                    )
                self._drops.refresh_issue(now)
                if self._stopping or self._paused or not self._queue:
                    return
                if now < self._next_attempt and not await self._async_probe(now):
                    return
                if not await self._async_deliver(next(iter(self._queue))):
                    return
        finally:
            self._task = None
            self._log_all_sent(dt_util.utcnow())
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
        self._next_probe = None
        self._delivered += 1
        await self._queue.async_delete(item)
        self._queue.announce(EVENT_DELIVERED, item)
        LOGGER.debug(
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
            LOGGER.warning(
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
            self._next_probe = None
            LOGGER.warning(
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
            self._next_probe = now + PROBE_INTERVAL
            # Not reached at all: any answer to a probe is news.
            self._probe_missed |= isinstance(
                err, (PushoverConnectionError, PushoverTimeoutError)
            )
            self._coordinator.async_unreachable(err)
            await self._queue.async_write(item)
            self._debug_next_attempt(item, "failed again", err)
            return False
        reason = (
            DropReason.UNCONFIRMED
            if isinstance(err, InvalidResponseError)
            else DropReason.REFUSED
        )
        await self._drops.async_drop(item, reason, str(err))
        return True

    async def _async_probe(self, now: datetime) -> bool:
        """Ask whether Pushover answers again when that is due; True if it does.

        Asking costs no message; an answer brings the next attempt forward.
        """
        if self._next_probe is None or now < self._next_probe:
            return False
        self._next_probe = now + PROBE_INTERVAL
        try:
            quota = await self._courier.client.get_limits()
        except PushoverError as err:
            LOGGER.debug("Pushover does not answer yet: %s", err)
            self._probe_missed = True
            return False
        # Answering all along while sends fail: the back-off decides.
        self._next_probe = None
        if not self._probe_missed:
            return False
        self._probe_missed = False
        self._next_attempt = now
        self._coordinator.async_quota_seen(quota)
        return True

    @callback
    def async_send_now(self) -> None:
        """Try the waiting messages now, rather than at the next planned attempt.

        Not while the token is refused: reauthentication resumes it.
        """
        if self._queue and not self._paused:
            self._next_attempt = dt_util.utcnow()
            if self._task is None:  # else the run under way sends it next
                self._cancel_timer()
                self._async_wake(self._next_attempt)

    async def async_stop(self, grace: float) -> None:
        """Stop sending; a delivery on its way gets ``grace`` seconds to finish."""
        self._stopping = True
        self._schedule()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=grace)
