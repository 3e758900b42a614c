"""The waiting messages of one entry's outbox, in memory and on disk.

:class:`OutboxQueue` keeps them oldest first, with how many wait for each
recipient, the bytes of their images and when each is too old. It writes and
deletes their files (in :mod:`.outbox_storage`'s format) and the store of what
is not a message, and a disk that refuses costs a warning, not the message. It
decides nothing: :class:`.outbox.Outbox` lets messages in, :mod:`.outbox_drain`
and :mod:`.outbox_drops` take them out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
import heapq
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
import uuid

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store

from .api import Attachment
from .const import CONF_OUTBOX_MAX_AGE, DEFAULT_OUTBOX_MAX_AGE_HOURS, DOMAIN
from .data import PushoverPlusConfigEntry, Recipient
from .entity import recipient_entity_id
from .errors import failed
from .message import Outgoing
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

#: The logger of every outbox module, by the name the outbox has always logged
#: under (the one a log configuration filters on).
LOGGER: Final = logging.getLogger(f"{__package__}.outbox")


def signal_outbox_changed(entry_id: str) -> str:
    """Return the signal sent when the number of waiting messages may change."""
    return f"{DOMAIN}_outbox_changed_{entry_id}"


class OutboxQueue:
    """The messages of one config entry that wait, in order, and their files."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        *,
        coordinator: PushoverCoordinator,
    ) -> None:
        """Keep ``entry``'s messages; nothing is read before :meth:`async_load`.

        ``coordinator`` knows the recipients' names, for the log.
        """
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        key, self.folder = paths(hass, entry.entry_id)
        self._store = Store[dict[str, Any]](
            hass, STORAGE_VERSION, key, private=True, atomic_writes=True
        )
        #: The waiting messages by id, oldest first.
        self._items: dict[str, QueuedMessage] = {}
        #: How many waiting messages each recipient has.
        self._waiting: Counter[str] = Counter()
        #: Bytes of the waiting messages' images.
        self.bytes = 0
        #: When each message is too old (with its place and id), soonest first;
        #: entries of messages gone are skipped when met.
        self._deadlines: list[tuple[datetime, int, str]] = []
        self._next_seq = 0
        #: The message whose request is on its way: never dropped to make room.
        self.sending: QueuedMessage | None = None

    def __len__(self) -> int:
        """Return how many messages wait."""
        return len(self._items)

    def __iter__(self) -> Iterator[QueuedMessage]:
        """Iterate over the waiting messages, oldest first."""
        return iter(self._items.values())

    def holds(self, item: QueuedMessage) -> bool:
        """Return whether ``item`` still waits (it was not dropped meanwhile)."""
        return self._items.get(item.id) is item

    @property
    def _max_age(self) -> int:
        """Return in seconds how long a message may wait."""
        hours = self._entry.options.get(
            CONF_OUTBOX_MAX_AGE, DEFAULT_OUTBOX_MAX_AGE_HOURS
        )
        return int(hours) * 3600

    def deadline(self, queued_at: datetime, outgoing: Outgoing) -> datetime:
        """Return when a message is too old to be sent."""
        seconds = self._max_age
        if (ttl := outgoing.template.ttl) is not None:
            seconds = min(seconds, ttl)
        return queued_at + timedelta(seconds=seconds)

    @callback
    def notify(self) -> None:
        """Say that the number of waiting messages may have changed."""
        async_dispatcher_send(self._hass, signal_outbox_changed(self._entry.entry_id))

    def waits_for(self, recipients: Iterable[Recipient]) -> bool:
        """Return whether any of ``recipients`` has messages waiting."""
        return any(
            self._waiting[recipient.recipient_id] > 0 for recipient in recipients
        )

    def who(self, recipient_ids: Iterable[str]) -> str:
        """Name recipients for the log: never by their keys."""
        known = self._coordinator.data.recipients
        return ", ".join(
            known[recipient_id].name if recipient_id in known else recipient_id
            for recipient_id in recipient_ids
        )

    @callback
    def announce(self, event_type: str, item: QueuedMessage, **data: Any) -> None:
        """Fire ``event_type`` about ``item``: queued or delivered, for the logbook.

        ``entity_id`` is its first recipient's notify entity (the logbook line
        is shown with it); recipients are named, never by their keys.
        """
        known = self._coordinator.data.recipients
        self._hass.bus.async_fire(
            event_type,
            {
                "entry_id": self._entry.entry_id,
                "id": item.id,
                "title": item.outgoing.template.title,
                "recipients": [
                    known[recipient_id].name
                    for recipient_id in item.recipient_ids
                    if recipient_id in known
                ],
                "entity_id": recipient_entity_id(
                    self._hass, self._entry.entry_id, item.recipient_ids[0]
                ),
                "queued_at": item.queued_at.isoformat(),
                **data,
            },
        )

    # The waiting messages ---------------------------------------------------

    def add(self, item: QueuedMessage) -> None:
        """Count ``item`` in as the newest waiting message."""
        self._items[item.id] = item
        self._waiting.update(item.recipient_ids)
        if item.attachment is not None:
            self.bytes += item.attachment.size
        heapq.heappush(
            self._deadlines,
            (self.deadline(item.queued_at, item.outgoing), item.seq, item.id),
        )
        self._next_seq = max(self._next_seq, item.seq + 1)

    def forget(self, item: QueuedMessage) -> None:
        """Count ``item`` out: it no longer waits."""
        del self._items[item.id]
        self._waiting.subtract(item.recipient_ids)
        for recipient_id in item.recipient_ids:
            if self._waiting[recipient_id] <= 0:
                del self._waiting[recipient_id]
        self.forget_image(item)

    def forget_image(self, item: QueuedMessage) -> None:
        """Count the image of ``item`` out: it went with the part sent."""
        if item.attachment is not None:
            self.bytes -= item.attachment.size
            item.attachment = None

    def oldest(self) -> QueuedMessage | None:
        """Return the message that has waited longest."""
        return next(iter(self._items.values()), None)

    def first_deadline(self) -> tuple[datetime, QueuedMessage] | None:
        """Return the soonest deadline of a waiting message, and the message."""
        while self._deadlines:
            deadline, _, item_id = self._deadlines[0]
            if (item := self._items.get(item_id)) is not None:
                return deadline, item
            heapq.heappop(self._deadlines)
        return None

    # Loading and saving -----------------------------------------------------

    async def async_load(self) -> tuple[list[Drop], int]:
        """Read the queued messages; return the drops and the count of full drops.

        A damaged store file is moved aside and what can be read of it is kept;
        a store of the old format (every message in it) is turned into files.
        """
        salvaged = await self._hass.async_add_executor_job(
            salvage, Path(self._store.path), STORE_LISTS
        )
        data = salvaged[0] if salvaged is not None else await self._store.async_load()
        data = data or {}
        legacy, unreadable = parse(data, "messages", item_from_json)
        drops, _ = parse(data, "dropped", drop_from_json)
        full = full_drops(data)
        folder = await self._hass.async_add_executor_job(
            load_folder, self.folder, legacy
        )
        for item in folder.items:
            self.add(item)
        self._log_load(salvaged, len(legacy), unreadable + folder.unreadable)
        if folder.without_image:
            LOGGER.warning(
                "The images of %s queued messages of %s were gone: they are sent "
                "without them",
                folder.without_image,
                self._entry.title,
            )
        if folder.converted and (salvaged or unreadable or "messages" in data):
            await self.async_save(drops, full)
        return drops, full

    def _log_load(
        self, salvaged: tuple[Any, Path] | None, recovered: int, unreadable: int
    ) -> None:
        if salvaged is not None:
            LOGGER.warning(
                "The outbox file of %s was damaged: %s queued messages were "
                "recovered and any after them are lost. The damaged file is "
                "kept as %s",
                self._entry.title,
                recovered,
                salvaged[1],
            )
        if unreadable:
            LOGGER.warning(
                "%s unreadable messages in the outbox of %s were dropped",
                unreadable,
                self._entry.title,
            )

    async def async_save(self, drops: Sequence[Drop], full: int) -> None:
        """Save what is not a message: the drops behind the repair issues."""
        await self._store.async_save(
            {
                "dropped": [drop_to_json(drop) for drop in drops],
                "full": full,
            }
        )

    async def async_write(self, item: QueuedMessage) -> None:
        """Write the file of ``item``; a refusing disk leaves it in memory only."""
        try:
            await self._hass.async_add_executor_job(write_message, self.folder, item)
        except HomeAssistantError as err:
            LOGGER.warning(
                "A queued Pushover message for %s could not be saved (%s): it is "
                "lost if Home Assistant stops before it is delivered",
                self.who(item.recipient_ids),
                err,
            )

    async def async_delete(self, item: QueuedMessage, *, text: bool = True) -> None:
        """Delete the files of ``item``: its image, and its message when ``text``."""
        try:
            await self._hass.async_add_executor_job(
                delete_message, self.folder, item.id, text
            )
        except OSError as err:
            LOGGER.warning(
                "The files of a Pushover message for %s could not be deleted (%s): "
                "it may be sent again after a restart",
                self.who(item.recipient_ids),
                err,
            )

    async def async_keep(
        self,
        now: datetime,
        outgoing: Outgoing,
        recipients: Sequence[Recipient],
        attachment: Attachment | None,
        reason: str,
    ) -> QueuedMessage:
        """Write a new message's files: its image first, then the message.

        The message is not counted in yet: :meth:`add` does that.
        """
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
                    write_attachment, self.folder, item.id, attachment
                )
            except OSError as err:
                raise failed("attachment_unreadable") from err
            item.attachment = StoredAttachment(
                attachment.filename, attachment.content_type, size
            )
        await self.async_write(item)
        return item
