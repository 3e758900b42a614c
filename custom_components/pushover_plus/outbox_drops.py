"""Giving up on the outbox's messages, and the repair issues that tell of it.

:class:`OutboxDrops` gives a message up for a :class:`DropReason`: its files
go, and the log and the ``pushover_plus_delivery_failed`` event say so. It makes
room when the queue holds more than :data:`OUTBOX_MAX_MESSAGES` messages or
:data:`OUTBOX_MAX_BYTES` of images, and keeps the three repair issues in step:
messages have waited :data:`WAITING_NOTICE`, some were given up in the last
:data:`DROP_MEMORY`, some made room since the outbox was last empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import EVENT_DELIVERY_FAILED, OUTBOX_MAX_BYTES, OUTBOX_MAX_MESSAGES
from .data import PushoverPlusConfigEntry
from .outbox_queue import LOGGER, OutboxQueue
from .outbox_repairs import OutboxRepairs
from .outbox_storage import Drop, QueuedMessage

#: How long a dropped message keeps the repair issue open.
DROP_MEMORY: Final = timedelta(days=1)
#: The most dropped messages remembered for that repair (the latest ones): a
#: long outage with short-lived messages must not grow the store without end.
DROPS_REMEMBERED: Final = 1000
#: How long the oldest message waits before a repair issue says so.
WAITING_NOTICE: Final = timedelta(minutes=5)
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


class OutboxDrops:
    """Gives up on one config entry's waiting messages and shows its repairs."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        queue: OutboxQueue,
        *,
        repairs: OutboxRepairs,
    ) -> None:
        """Drop from ``queue``; ``repairs`` shows the entry's outbox repair issues."""
        self._hass = hass
        self._entry = entry
        self._queue = queue
        self._repairs = repairs
        self._drops: list[Drop] = []
        #: Messages dropped to make room since the outbox was last empty.
        self._full_drops = 0
        #: Why messages were given up since the outbox was last empty: the log
        #: warns once per reason, the event and the repair name each message.
        self._warned: set[DropReason] = set()

    def restore(self, drops: list[Drop], full_drops: int) -> None:
        """Take up the drops the store kept (see :meth:`.OutboxQueue.async_load`)."""
        self._drops, self._full_drops = drops, full_drops

    def moments(self) -> Sequence[datetime]:
        """Return when the repairs change with time alone.

        A drop's day ends, or the oldest message has waited :data:`WAITING_NOTICE`.
        """
        moments = []
        if self._drops:
            moments.append(self._drops[0].at + DROP_MEMORY)
        if (oldest := self._queue.oldest()) is not None and (
            notice := oldest.queued_at + WAITING_NOTICE
        ) > dt_util.utcnow():
            moments.append(notice)
        return moments

    async def async_make_room(self, newest: QueuedMessage) -> None:
        """Drop the oldest messages while the outbox holds more than allowed.

        ``newest`` stays, and so does a message whose request is on its way.
        """
        while (
            len(self._queue) > OUTBOX_MAX_MESSAGES
            or self._queue.bytes > OUTBOX_MAX_BYTES
        ):
            oldest = next(
                (
                    item
                    for item in self._queue
                    if item is not newest and item is not self._queue.sending
                ),
                None,
            )
            if oldest is None:
                return
            await self.async_drop(
                oldest,
                DropReason.OUTBOX_FULL,
                f"the outbox was full ({OUTBOX_MAX_MESSAGES} messages or "
                f"{OUTBOX_MAX_BYTES // _MEGABYTE} MB of images); last error: "
                f"{oldest.error}",
            )

    async def async_drop(
        self, item: QueuedMessage, reason: DropReason, error: str
    ) -> None:
        """Give up on ``item``: say so in the log, on the bus and in a repair."""
        if not self._queue.holds(item):
            return  # dropped meanwhile, by a newer message making room
        self._queue.forget(item)
        now = dt_util.utcnow()
        title = item.outgoing.template.title
        if reason is DropReason.OUTBOX_FULL:
            self._full_drops += 1
        else:
            label = title or item.outgoing.parts[0][:_LABEL_LENGTH]
            self._drops.append(Drop(now, label))
            del self._drops[:-DROPS_REMEMBERED]
        await self._queue.async_delete(item)
        LOGGER.log(
            logging.DEBUG if reason in self._warned else logging.WARNING,
            "Gave up on a Pushover message for %s queued at %s (%s): %s",
            self._queue.who(item.recipient_ids),
            item.queued_at.isoformat(),
            reason,
            error,
        )
        self._warned.add(reason)
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
        await self.async_left(now, saved=True)

    async def async_left(self, now: datetime, *, saved: bool) -> None:
        """Save the drops and show the repairs once a message left, or on loading.

        ``saved`` says whether the store changed; the count of messages dropped
        to make room starts again once the outbox is empty.
        """
        if not self._queue:
            self._warned.clear()
        if self._full_drops and not self._queue:
            self._full_drops = 0
            saved = True
        if saved:
            await self._queue.async_save(self._drops, self._full_drops)
        self.refresh_issue(now)
        self._queue.notify()

    @callback
    def refresh_issue(self, now: datetime) -> None:
        """Show the repairs: messages wait long, were dropped, or made room."""
        oldest = self._queue.oldest()
        self._repairs.show_waiting(
            len(self._queue),
            oldest
            if oldest is not None and now - oldest.queued_at >= WAITING_NOTICE
            else None,
        )
        self._drops = [drop for drop in self._drops if drop.at + DROP_MEMORY > now]
        self._repairs.show_dropped(self._drops)
        self._repairs.show_full(
            self._full_drops, OUTBOX_MAX_MESSAGES, OUTBOX_MAX_BYTES // _MEGABYTE
        )
