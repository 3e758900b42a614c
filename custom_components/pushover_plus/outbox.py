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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
import heapq
import logging
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any, Final
import uuid

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
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
    CONF_OUTBOX_MAX_AGE,
    DEFAULT_OUTBOX_MAX_AGE_HOURS,
    DOMAIN,
    EVENT_DELIVERY_FAILED,
    OUTBOX_MAX_BYTES,
    OUTBOX_MAX_MESSAGES,
)
from .data import PushoverPlusConfigEntry, Recipient
from .delivery import Courier
from .errors import failed, reset_time
from .message import Outgoing
from .outbox_repairs import OutboxRepairs
from .outbox_storage import (
    STORAGE_VERSION,
    STORE_LISTS,
    Drop,
    QueuedMessage,
    StoredAttachment,
    delete_message,
    drop_from_json,
    drop_to_json,
    full_drops,
    item_from_json,
    load_folder,
    paths,
    write_attachment,
    write_message,
)
from .storage import parse, salvage

if TYPE_CHECKING:
    from .coordinator import PushoverCoordinator

_LOGGER = logging.getLogger(__name__)

#: The first wait after a failure: Pushover asks for at least five seconds.
FIRST_RETRY: Final = timedelta(seconds=5)
#: The longest wait between two attempts.
MAX_RETRY: Final = timedelta(minutes=10)
# 5 s doubled 7 times passes MAX_RETRY; more doublings only risk an overflow.
_MAX_DOUBLINGS: Final = 7
#: How long a dropped message keeps the repair issue open.
DROP_MEMORY: Final = timedelta(days=1)
#: How long the oldest message waits before a repair issue says so.
WAITING_NOTICE: Final = timedelta(minutes=5)
#: Seconds unloading waits for a delivery already on its way.
STOP_TIMEOUT: float = 10.0
#: Characters of the message text that name a dropped message without a title.
_LABEL_LENGTH: Final = 60
_MEGABYTE: Final = 1_000_000


class DropReason(StrEnum):
    """Why the outbox gave up on a message (the event's ``reason``)."""

    EXPIRED = "expired"
    QUOTA_EXCEEDED = "quota_exceeded"
    REFUSED = "refused"
    #: Pushover's reply was unreadable: the message may have been delivered.
    UNCONFIRMED = "unconfirmed"
    RECIPIENT_REMOVED = "recipient_removed"
    #: Meant to be encrypted, and the recipient's key was removed meanwhile.
    ENCRYPTION_KEY_REMOVED = "encryption_key_removed"
    #: Older messages made room for a new one.
    OUTBOX_FULL = "outbox_full"


def signal_outbox_changed(entry_id: str) -> str:
    """Return the signal sent when the number of waiting messages may change."""
    return f"{DOMAIN}_outbox_changed_{entry_id}"


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
        self._repairs = repairs
        key, self._folder = paths(hass, entry.entry_id)
        self._store = Store[dict[str, Any]](
            hass, STORAGE_VERSION, key, private=True, atomic_writes=True
        )
        #: The waiting messages by id, oldest first.
        self._items: dict[str, QueuedMessage] = {}
        #: How many waiting messages each recipient has.
        self._waiting: Counter[str] = Counter()
        #: Bytes of the waiting messages' images.
        self._bytes = 0
        #: When each message is too old (with its place and id), soonest first;
        #: entries of messages gone are skipped when met.
        self._deadlines: list[tuple[datetime, int, str]] = []
        self._next_seq = 0
        self._drops: list[Drop] = []
        #: Messages dropped to make room since the outbox was last empty.
        self._full_drops = 0
        #: The message whose request is on its way: never dropped to make room.
        self._sending: QueuedMessage | None = None
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
        return len(self._items)

    @property
    def enabled(self) -> bool:
        """Return whether new messages may wait here (the entry's option)."""
        return bool(self._entry.options.get(CONF_OUTBOX, True))

    @property
    def _max_age(self) -> int:
        """Return in seconds how long a message may wait."""
        hours = self._entry.options.get(
            CONF_OUTBOX_MAX_AGE, DEFAULT_OUTBOX_MAX_AGE_HOURS
        )
        return int(hours) * 3600

    def _deadline(self, queued_at: datetime, outgoing: Outgoing) -> datetime:
        """Return when a message is too old to be sent."""
        seconds = self._max_age
        if (ttl := outgoing.template.ttl) is not None:
            seconds = min(seconds, ttl)
        return queued_at + timedelta(seconds=seconds)

    @callback
    def _notify(self) -> None:
        """Say that the number of waiting messages may have changed."""
        async_dispatcher_send(self._hass, signal_outbox_changed(self._entry.entry_id))

    @callback
    def waiting_for(self, recipients: Iterable[Recipient]) -> bool:
        """Return whether a new message to ``recipients`` must queue behind others."""
        return self.enabled and any(
            self._waiting[recipient.recipient_id] > 0 for recipient in recipients
        )

    def _who(self, recipient_ids: Iterable[str]) -> str:
        """Name recipients for the log: never by their keys."""
        known = self._coordinator.data.recipients
        return ", ".join(
            known[recipient_id].name if recipient_id in known else recipient_id
            for recipient_id in recipient_ids
        )

    def _warn_next_attempt(
        self, article: str, item: QueuedMessage, what: str, why: object
    ) -> None:
        """Warn that ``item`` waits, why, and when it is tried next."""
        _LOGGER.warning(
            "%s Pushover message for %s %s (%s); next attempt at %s",
            article,
            self._who(item.recipient_ids),
            what,
            why,
            self._next_attempt.isoformat(),
        )

    # The waiting messages ---------------------------------------------------

    def _add(self, item: QueuedMessage) -> None:
        """Count ``item`` in as the newest waiting message."""
        self._items[item.id] = item
        self._waiting.update(item.recipient_ids)
        if item.attachment is not None:
            self._bytes += item.attachment.size
        heapq.heappush(
            self._deadlines,
            (self._deadline(item.queued_at, item.outgoing), item.seq, item.id),
        )
        self._next_seq = max(self._next_seq, item.seq + 1)

    def _forget(self, item: QueuedMessage) -> None:
        """Count ``item`` out: it no longer waits."""
        del self._items[item.id]
        self._waiting.subtract(item.recipient_ids)
        for recipient_id in item.recipient_ids:
            if self._waiting[recipient_id] <= 0:
                del self._waiting[recipient_id]
        self._forget_image(item)

    def _forget_image(self, item: QueuedMessage) -> None:
        if item.attachment is not None:
            self._bytes -= item.attachment.size
            item.attachment = None

    def _oldest(self) -> QueuedMessage | None:
        """Return the message that has waited longest."""
        return next(iter(self._items.values()), None)

    def _first_deadline(self) -> tuple[datetime, QueuedMessage] | None:
        """Return the soonest deadline of a waiting message, and the message."""
        while self._deadlines:
            deadline, _, item_id = self._deadlines[0]
            if (item := self._items.get(item_id)) is not None:
                return deadline, item
            heapq.heappop(self._deadlines)
        return None

    # Loading and saving -----------------------------------------------------

    async def async_load(self) -> None:
        """Read the queued messages and plan the next attempt.

        A damaged store file is moved aside and what can be read of it is kept;
        a store of the old format (every message in it) is turned into files.
        """
        salvaged = await self._hass.async_add_executor_job(
            salvage, Path(self._store.path), STORE_LISTS
        )
        data = salvaged[0] if salvaged is not None else await self._store.async_load()
        data = data or {}
        legacy, unreadable = parse(data, "messages", item_from_json)
        self._drops, _ = parse(data, "dropped", drop_from_json)
        self._full_drops = full_drops(data)
        folder = await self._hass.async_add_executor_job(
            load_folder, self._folder, legacy
        )
        for item in folder.items:
            self._add(item)
        self._log_load(salvaged, len(legacy), unreadable + folder.unreadable)
        if folder.without_image:
            _LOGGER.warning(
                "The images of %s queued messages of %s were gone: they are sent "
                "without them",
                folder.without_image,
                self._entry.title,
            )
        if folder.converted and (salvaged or unreadable or "messages" in data):
            await self._async_save()
        now = dt_util.utcnow()
        self._next_attempt = now + FIRST_RETRY
        if self._items:
            _LOGGER.info(
                "%s queued Pushover messages of %s are sent again from %s",
                len(self._items),
                self._entry.title,
                self._next_attempt.isoformat(),
            )
        elif self._full_drops:
            self._full_drops = 0
            await self._async_save()
        self._refresh_issue(now)
        self._notify()
        self._schedule()

    def _log_load(
        self, salvaged: tuple[Any, Path] | None, recovered: int, unreadable: int
    ) -> None:
        if salvaged is not None:
            _LOGGER.warning(
                "The outbox file of %s was damaged: %s queued messages were "
                "recovered and any after them are lost. The damaged file is "
                "kept as %s",
                self._entry.title,
                recovered,
                salvaged[1],
            )
        if unreadable:
            _LOGGER.warning(
                "%s unreadable messages in the outbox of %s were dropped",
                unreadable,
                self._entry.title,
            )

    async def _async_save(self) -> None:
        """Save what is not a message: the drops behind the repair issues."""
        await self._store.async_save(
            {
                "dropped": [drop_to_json(drop) for drop in self._drops],
                "full": self._full_drops,
            }
        )

    async def _async_write(self, item: QueuedMessage) -> None:
        """Write the file of ``item``; a refusing disk leaves it in memory only."""
        try:
            await self._hass.async_add_executor_job(write_message, self._folder, item)
        except HomeAssistantError as err:
            _LOGGER.warning(
                "A queued Pushover message for %s could not be saved (%s): it is "
                "lost if Home Assistant stops before it is delivered",
                self._who(item.recipient_ids),
                err,
            )

    async def _async_delete(self, item: QueuedMessage, *, text: bool = True) -> None:
        """Delete the files of ``item``: its image, and its message when ``text``."""
        try:
            await self._hass.async_add_executor_job(
                delete_message, self._folder, item.id, text
            )
        except OSError as err:
            _LOGGER.warning(
                "The files of a Pushover message for %s could not be deleted (%s): "
                "it may be sent again after a restart",
                self._who(item.recipient_ids),
                err,
            )

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
            reason = f"queued behind {len(self._items)} older messages"
        elif not self.enabled:
            return None
        elif isinstance(error, QuotaExceededError):
            reset = reset_time(error, self._courier.client)
            if reset is None or reset > self._deadline(now, outgoing):
                return None
            not_before = max(reset, not_before)
            reason = str(error)
        elif error.retryable:
            reason = str(error)
        else:
            return None

        item = await self._async_keep(now, outgoing, recipients, attachment, reason)
        if not self._items:
            self._failures = 1
            self._next_attempt = not_before
        elif isinstance(error, QuotaExceededError):
            self._next_attempt = max(self._next_attempt, not_before)
        self._add(item)
        # The one warning per queued message, whichever way it was sent.
        self._warn_next_attempt(
            "A", item, "was not sent yet: it waits in the outbox", reason
        )
        await self._async_make_room(item)
        self._refresh_issue(now)
        self._notify()
        self._schedule()
        return {
            "id": item.id,
            "reason": reason,
            "next_attempt": self._next_attempt.isoformat(),
        }

    async def _async_keep(
        self,
        now: datetime,
        outgoing: Outgoing,
        recipients: Sequence[Recipient],
        attachment: Attachment | None,
        reason: str,
    ) -> QueuedMessage:
        """Write a new message's files: its image first, then the message."""
        item = QueuedMessage(
            id=uuid.uuid4().hex,
            seq=self._next_seq,
            queued_at=now,
            recipient_ids=tuple(recipient.recipient_id for recipient in recipients),
            # Without a time of its own, a late message shows when it was sent.
            outgoing=replace(
                outgoing,
                template=replace(
                    outgoing.template,
                    timestamp=outgoing.template.timestamp or int(now.timestamp()),
                ),
                attachment=None,
            ),
            attachment=None,
            error=reason,
        )
        self._next_seq += 1
        if attachment is not None:
            try:
                size = await self._hass.async_add_executor_job(
                    write_attachment, self._folder, item.id, attachment
                )
            except OSError as err:
                raise failed("attachment_unreadable") from err
            item.attachment = StoredAttachment(
                attachment.filename, attachment.content_type, size
            )
        await self._async_write(item)
        return item

    async def _async_make_room(self, newest: QueuedMessage) -> None:
        """Drop the oldest messages while the outbox holds more than allowed.

        ``newest`` stays, and so does a message whose request is on its way.
        """
        while len(self._items) > OUTBOX_MAX_MESSAGES or self._bytes > OUTBOX_MAX_BYTES:
            oldest = next(
                (
                    item
                    for item in self._items.values()
                    if item is not newest and item is not self._sending
                ),
                None,
            )
            if oldest is None:
                return
            await self._async_drop(
                oldest,
                DropReason.OUTBOX_FULL,
                f"the outbox was full ({OUTBOX_MAX_MESSAGES} messages or "
                f"{OUTBOX_MAX_BYTES // _MEGABYTE} MB of images); last error: "
                f"{oldest.error}",
            )

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
        if (first := self._first_deadline()) is not None:
            moments.append(first[0])
        if self._items and not self._paused:
            moments.append(self._next_attempt)
        if self._drops:
            moments.append(self._drops[0].at + DROP_MEMORY)
        if (oldest := self._oldest()) is not None and (
            notice := oldest.queued_at + WAITING_NOTICE
        ) > dt_util.utcnow():
            moments.append(notice)
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
                while (first := self._first_deadline()) is not None and first[0] <= now:
                    await self._async_drop(
                        first[1],
                        DropReason.EXPIRED,
                        f"not delivered in time; last error: {first[1].error}",
                    )
                self._refresh_issue(now)
                if (
                    self._stopping
                    or self._paused
                    or not self._items
                    or now < self._next_attempt
                ):
                    return
                if not await self._async_deliver(next(iter(self._items.values()))):
                    return
        finally:
            self._task = None
            self._schedule()

    async def _async_recipients(self, item: QueuedMessage) -> list[Recipient] | None:
        """Return whom ``item`` goes to as they are now; None when it was given up.

        A message meant to be encrypted is never sent in clear: when the
        recipient's key was removed while it waited, it is given up instead.
        A changed key encrypts it as the key is now, the one the recipient's
        devices hold.
        """
        known = self._coordinator.data.recipients
        recipients = [
            known[recipient_id]
            for recipient_id in item.recipient_ids
            if recipient_id in known
        ]
        if not recipients:
            await self._async_drop(
                item, DropReason.RECIPIENT_REMOVED, "the recipient was removed"
            )
            return None
        if item.outgoing.encrypted and any(
            recipient.encryption_key is None for recipient in recipients
        ):
            await self._async_drop(
                item,
                DropReason.ENCRYPTION_KEY_REMOVED,
                "the recipient's end-to-end encryption key was removed, and it "
                "was to be sent encrypted: it is not sent in clear",
            )
            return None
        return recipients

    async def _async_deliver(self, item: QueuedMessage) -> bool:
        """Send what is left of ``item``; return whether the next may follow now."""
        if (recipients := await self._async_recipients(item)) is None:
            return True
        attachment = None
        if item.attachment is not None:
            attachment = Attachment.from_path(
                self._folder / item.id,
                filename=item.attachment.filename,
                content_type=item.attachment.content_type,
            )
        self._sending = item
        try:
            delivery = await self._courier.async_deliver(
                item.outgoing,
                recipients,
                attachment,
                part_sent=partial(self._async_part_sent, item),
            )
        finally:
            self._sending = None
        if delivery.error is not None:
            return await self._async_failed(item, delivery.error)
        self._forget(item)
        self._failures = 0
        await self._async_delete(item)
        _LOGGER.info(
            "Delivered a queued Pushover message for %s (queued at %s)",
            self._who(item.recipient_ids),
            item.queued_at.isoformat(),
        )
        await self._async_left(dt_util.utcnow(), saved=False)
        return True

    async def _async_part_sent(self, item: QueuedMessage) -> None:
        """Keep only the parts still to send: the file first, then the image goes."""
        item.outgoing = replace(item.outgoing, parts=item.outgoing.parts[1:])
        had_image = item.attachment is not None
        self._forget_image(item)
        await self._async_write(item)
        if had_image:
            await self._async_delete(item, text=False)

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
                len(self._items),
            )
            return False
        if isinstance(err, QuotaExceededError):
            reset = reset_time(err, self._courier.client)
            for queued in list(self._items.values()):
                if reset is None or reset > self._deadline(
                    queued.queued_at, queued.outgoing
                ):
                    await self._async_drop(queued, DropReason.QUOTA_EXCEEDED, str(err))
            self._next_attempt = max(reset or now, now + FIRST_RETRY)
            _LOGGER.warning(
                "The Pushover quota is used up: %s queued messages of %s wait until %s",
                len(self._items),
                self._entry.title,
                self._next_attempt.isoformat(),
            )
            return False
        if err.retryable:
            self._failures += 1
            delay = FIRST_RETRY * 2 ** min(self._failures - 1, _MAX_DOUBLINGS)
            self._next_attempt = now + min(delay, MAX_RETRY)
            await self._async_write(item)
            self._warn_next_attempt("A queued", item, "failed again", err)
            return False
        reason = (
            DropReason.UNCONFIRMED
            if isinstance(err, InvalidResponseError)
            else DropReason.REFUSED
        )
        await self._async_drop(item, reason, str(err))
        return True

    async def _async_drop(
        self, item: QueuedMessage, reason: DropReason, error: str
    ) -> None:
        """Give up on ``item``: say so in the log, on the bus and in a repair."""
        if self._items.get(item.id) is not item:
            return  # dropped meanwhile, by a newer message making room
        self._forget(item)
        now = dt_util.utcnow()
        title = item.outgoing.template.title
        if reason is DropReason.OUTBOX_FULL:
            self._full_drops += 1
        else:
            label = title or item.outgoing.parts[0][:_LABEL_LENGTH]
            self._drops.append(Drop(now, label))
        await self._async_delete(item)
        _LOGGER.warning(
            "Gave up on a Pushover message for %s queued at %s (%s): %s",
            self._who(item.recipient_ids),
            item.queued_at.isoformat(),
            reason,
            error,
        )
        self._hass.bus.async_fire(
            EVENT_DELIVERY_FAILED,
            {
                "entry_id": self._entry.entry_id,
                "title": title,
                "reason": reason.value,
                "error": error,
                "queued_at": item.queued_at.isoformat(),
            },
        )
        await self._async_left(now, saved=True)

    async def _async_left(self, now: datetime, *, saved: bool) -> None:
        """Save the drops and show the repairs right after a message left.

        ``saved`` says whether the store changed; the count of messages dropped
        to make room starts again once the outbox is empty.
        """
        if self._full_drops and not self._items:
            self._full_drops = 0
            saved = True
        if saved:
            await self._async_save()
        self._refresh_issue(now)
        self._notify()

    @callback
    def _refresh_issue(self, now: datetime) -> None:
        """Show the repairs: messages wait long, were dropped, or made room."""
        oldest = self._oldest()
        self._repairs.show_waiting(
            len(self._items),
            oldest.queued_at
            if oldest is not None and now - oldest.queued_at >= WAITING_NOTICE
            else None,
        )
        self._drops = [drop for drop in self._drops if drop.at + DROP_MEMORY > now]
        self._repairs.show_dropped(self._drops)
        self._repairs.show_full(
            self._full_drops, OUTBOX_MAX_MESSAGES, OUTBOX_MAX_BYTES // _MEGABYTE
        )

    async def async_stop(self) -> None:
        """Stop sending; a delivery on its way gets a moment to finish and be saved."""
        self._stopping = True
        self._schedule()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=STOP_TIMEOUT)
