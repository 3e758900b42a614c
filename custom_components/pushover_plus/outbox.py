"""The outbox: messages Pushover could not take yet, kept until they are delivered.

A message that fails for a passing reason (a 5xx reply, a timeout, a dropped
connection, a name that does not resolve) or because the monthly quota is used
up waits here, in a store that survives restarts, and is sent again: five
seconds later first (Pushover asks for at least that), then twice as long each
time up to ten minutes, or when the quota resets. Queued messages go out one at
a time, oldest first, and a new message for a recipient with queued messages
queues behind them. One still queued after the entry's maximum age (or its own
ttl, when shorter) is dropped: the ``pushover_plus_delivery_failed`` event says
so, and a repair issue stays while any message was dropped in the last day.

Delivery is at least once: a request that got no reply may have been delivered
and is sent again. A request that Pushover accepted is never sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
import json
import logging
from pathlib import Path
import re
import shutil
from typing import Any, Final
import uuid

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import STORAGE_DIR, Store
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
)
from .data import PushoverPlusConfigEntry, Recipient
from .errors import failed, quota_reset
from .sending import Outgoing

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
#: The first wait after a failure: Pushover asks for at least five seconds.
FIRST_RETRY: Final = timedelta(seconds=5)
#: The longest wait between two attempts.
MAX_RETRY: Final = timedelta(minutes=10)
# 5 s doubled 7 times passes MAX_RETRY; more doublings only risk an overflow.
_MAX_DOUBLINGS: Final = 7
#: How long a dropped message keeps the repair issue open.
DROP_MEMORY: Final = timedelta(days=1)
#: Seconds unloading waits for a delivery already on its way.
STOP_TIMEOUT: float = 10.0
#: Characters of the message text that name a dropped message without a title.
_LABEL_LENGTH: Final = 60

_ID: Final = re.compile(r"[0-9a-f]{32}")
_SEPARATORS: Final = frozenset(" \t\r\n,")
_DECODER: Final = json.JSONDecoder()


class DropReason(StrEnum):
    """Why the outbox gave up on a message (the event's ``reason``)."""

    EXPIRED = "expired"
    QUOTA_EXCEEDED = "quota_exceeded"
    REFUSED = "refused"
    #: Pushover's reply was unreadable: the message may have been delivered.
    UNCONFIRMED = "unconfirmed"
    RECIPIENT_REMOVED = "recipient_removed"


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """The image of a queued message; its bytes wait in a file of the outbox."""

    filename: str
    content_type: str


@dataclass(slots=True)
class QueuedMessage:
    """A message in the outbox; ``outgoing.parts`` holds the parts not yet sent."""

    id: str
    queued_at: datetime
    recipient_ids: tuple[str, ...]
    outgoing: Outgoing
    #: Goes with the first part still to send.
    attachment: StoredAttachment | None
    #: Why it is queued: the last failure, in English, without any key.
    error: str


@dataclass(frozen=True, slots=True)
class _Drop:
    at: datetime
    label: str


# Persistence ------------------------------------------------------------------


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("not a list of text")
    return tuple(value)


def _optional_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError("not text")


def _optional_int(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError("not a whole number")


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError("not true or false")


def _time(value: object) -> datetime:
    parsed = dt_util.parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise TypeError("not a time")
    return parsed


def _outgoing_to_json(outgoing: Outgoing) -> dict[str, Any]:
    return {
        "parts": list(outgoing.parts),
        "title": outgoing.title,
        "devices": list(outgoing.devices),
        "priority": outgoing.priority,
        "retry": outgoing.retry,
        "expire": outgoing.expire,
        "callback": outgoing.callback,
        "tags": list(outgoing.tags),
        "sound": outgoing.sound,
        "timestamp": outgoing.timestamp,
        "ttl": outgoing.ttl,
        "url": outgoing.url,
        "url_title": outgoing.url_title,
        "html": outgoing.html,
        "monospace": outgoing.monospace,
    }


def _outgoing_from_json(data: Mapping[str, Any]) -> Outgoing:
    if not (parts := _strings(data.get("parts"))):
        raise TypeError("no part left to send")
    return Outgoing(
        parts=parts,
        title=_optional_str(data.get("title")),
        devices=_strings(data.get("devices", [])),
        priority=_optional_int(data.get("priority")),
        retry=_optional_int(data.get("retry")),
        expire=_optional_int(data.get("expire")),
        callback=_optional_str(data.get("callback")),
        tags=_strings(data.get("tags", [])),
        sound=_optional_str(data.get("sound")),
        timestamp=_optional_int(data.get("timestamp")),
        ttl=_optional_int(data.get("ttl")),
        url=_optional_str(data.get("url")),
        url_title=_optional_str(data.get("url_title")),
        html=_flag(data.get("html", False)),
        monospace=_flag(data.get("monospace", False)),
    )


def _item_to_json(item: QueuedMessage) -> dict[str, Any]:
    return {
        "id": item.id,
        "queued_at": item.queued_at.isoformat(),
        "recipients": list(item.recipient_ids),
        "message": _outgoing_to_json(item.outgoing),
        "attachment": None
        if item.attachment is None
        else {
            "filename": item.attachment.filename,
            "content_type": item.attachment.content_type,
        },
        "error": item.error,
    }


def _item_from_json(data: object) -> QueuedMessage:
    if not isinstance(data, Mapping) or not isinstance(data.get("message"), Mapping):
        raise TypeError("not a queued message")
    item_id = data.get("id")
    # The id names the attachment's file: nothing but hex digits may reach a path.
    if not isinstance(item_id, str) or not _ID.fullmatch(item_id):
        raise TypeError("no valid id")
    attachment = data.get("attachment")
    stored = None
    if attachment is not None:
        if not isinstance(attachment, Mapping):
            raise TypeError("not an attachment")
        filename = _optional_str(attachment.get("filename"))
        content_type = _optional_str(attachment.get("content_type"))
        if not filename or not content_type:
            raise TypeError("an attachment without name or type")
        stored = StoredAttachment(filename, content_type)
    if not (recipient_ids := _strings(data.get("recipients"))):
        raise TypeError("no recipient")
    return QueuedMessage(
        id=item_id,
        queued_at=_time(data.get("queued_at")),
        recipient_ids=recipient_ids,
        outgoing=_outgoing_from_json(data["message"]),
        attachment=stored,
        error=_optional_str(data.get("error")) or "",
    )


def _drop_from_json(data: object) -> _Drop:
    if not isinstance(data, Mapping):
        raise TypeError("not a dropped message")
    return _Drop(_time(data.get("at")), _optional_str(data.get("label")) or "")


def _parse[T](
    data: object, key: str, parse: Callable[[object], T]
) -> tuple[list[T], int]:
    """Return the readable entries of the list under ``key``, and how many were not.

    Data not shaped the way this module writes it counts as one unreadable entry.
    """
    entries = data.get(key, []) if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        return [], 1
    parsed: list[T] = []
    for entry in entries:
        try:
            parsed.append(parse(entry))
        except TypeError:
            continue
    return parsed, len(entries) - len(parsed)


def _whole_objects(text: str, key: str) -> list[Any]:
    """Return the complete values at the start of the list under ``key``.

    For a damaged file: reading stops at the first value that is cut off.
    """
    match = re.search(rf'"{key}"\s*:\s*\[', text)
    if match is None:
        return []
    values: list[Any] = []
    position = match.end()
    while True:
        while position < len(text) and text[position] in _SEPARATORS:
            position += 1
        try:
            value, position = _DECODER.raw_decode(text, position)
        except ValueError:
            return values
        values.append(value)


def _salvage(path: Path) -> tuple[dict[str, list[Any]], Path] | None:
    """Read what can be read of a damaged store file and move it aside (blocking).

    Returns None when there is no file or it is whole JSON.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    try:
        json.loads(text)
    except ValueError:
        pass
    else:
        return None
    found = {key: _whole_objects(text, key) for key in ("messages", "dropped")}
    aside = path.with_name(f"{path.name}.corrupt.{dt_util.utcnow():%Y%m%dT%H%M%S}")
    path.rename(aside)
    return found, aside


def _write_attachment(folder: Path, name: str, attachment: Attachment) -> None:
    """Keep the image's bytes as they are now, in the outbox's folder (blocking)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    if attachment.path is not None:
        shutil.copyfile(attachment.path, target)
    else:
        target.write_bytes(attachment.data or b"")


def _remove_strays(folder: Path, keep: set[str]) -> None:
    """Delete attachment files no queued message refers to (blocking)."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)


def _paths(hass: HomeAssistant, entry_id: str) -> tuple[str, Path]:
    """Return the store key and the attachment folder of an entry's outbox."""
    key = f"{DOMAIN}.outbox.{entry_id}"
    return key, Path(hass.config.path(STORAGE_DIR, f"{key}.files"))


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the outbox of a removed entry, attachments included."""
    key, folder = _paths(hass, entry_id)
    await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()
    await hass.async_add_executor_job(shutil.rmtree, folder, True)


# The outbox ---------------------------------------------------------------------


class Outbox:
    """The messages of one config entry that wait to be sent again."""

    def __init__(self, hass: HomeAssistant, entry: PushoverPlusConfigEntry) -> None:
        """Keep ``entry``'s messages; nothing is read before :meth:`async_load`."""
        self._hass = hass
        self._entry = entry
        key, self._folder = _paths(hass, entry.entry_id)
        self._store = Store[dict[str, Any]](
            hass, STORAGE_VERSION, key, private=True, atomic_writes=True
        )
        self._items: list[QueuedMessage] = []
        self._drops: list[_Drop] = []
        self._listeners: list[Callable[[], None]] = []
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
        if outgoing.ttl is not None:
            seconds = min(seconds, outgoing.ttl)
        return queued_at + timedelta(seconds=seconds)

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``listener`` whenever the number of waiting messages changes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @callback
    def waiting_for(self, recipients: Iterable[Recipient]) -> bool:
        """Return whether a new message to ``recipients`` must queue behind others."""
        wanted = {recipient.recipient_id for recipient in recipients}
        return self.enabled and any(
            wanted.intersection(item.recipient_ids) for item in self._items
        )

    def _who(self, recipient_ids: Iterable[str]) -> str:
        """Name recipients for the log: never by their keys."""
        known = self._entry.runtime_data.recipients
        return ", ".join(
            known[recipient_id].name if recipient_id in known else recipient_id
            for recipient_id in recipient_ids
        )

    # Loading and saving -----------------------------------------------------

    async def async_load(self) -> None:
        """Read the queued messages and plan the next attempt.

        A damaged file is moved aside and what can be read of it is kept.
        """
        salvaged = await self._hass.async_add_executor_job(
            _salvage, Path(self._store.path)
        )
        data = salvaged[0] if salvaged is not None else await self._store.async_load()
        data = data or {}
        self._items, unreadable = _parse(data, "messages", _item_from_json)
        self._drops, _ = _parse(data, "dropped", _drop_from_json)
        if salvaged is not None:
            _LOGGER.warning(
                "The outbox file of %s was damaged: %s queued messages were "
                "recovered and any after them are lost. The damaged file is "
                "kept as %s",
                self._entry.title,
                len(self._items),
                salvaged[1],
            )
        if unreadable:
            _LOGGER.warning(
                "%s unreadable messages in the outbox of %s were dropped",
                unreadable,
                self._entry.title,
            )
        await self._hass.async_add_executor_job(
            _remove_strays,
            self._folder,
            {item.id for item in self._items if item.attachment is not None},
        )
        if salvaged is not None or unreadable:
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
        self._refresh_issue(now)
        self._notify()
        self._schedule()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                "messages": [_item_to_json(item) for item in self._items],
                "dropped": [
                    {"at": drop.at.isoformat(), "label": drop.label}
                    for drop in self._drops
                ],
            }
        )

    async def _async_delete_attachment(self, item: QueuedMessage) -> None:
        if item.attachment is not None:
            item.attachment = None
            await self._hass.async_add_executor_job(
                (self._folder / item.id).unlink, True
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
            reset = quota_reset(self._entry, error)
            if reset is None or reset > self._deadline(now, outgoing):
                return None
            not_before = max(reset, not_before)
            reason = str(error)
        elif error.retryable:
            reason = str(error)
        else:
            return None

        item = QueuedMessage(
            id=uuid.uuid4().hex,
            queued_at=now,
            recipient_ids=tuple(recipient.recipient_id for recipient in recipients),
            # Without a time of its own, a late message shows when it was sent.
            outgoing=replace(
                outgoing,
                attachment=None,
                timestamp=outgoing.timestamp or int(now.timestamp()),
            ),
            attachment=None,
            error=reason,
        )
        if attachment is not None:
            try:
                await self._hass.async_add_executor_job(
                    _write_attachment, self._folder, item.id, attachment
                )
            except OSError as err:
                raise failed("attachment_unreadable") from err
            item.attachment = StoredAttachment(
                attachment.filename, attachment.content_type
            )
        if not self._items:
            self._failures = 1
            self._next_attempt = not_before
        elif isinstance(error, QuotaExceededError):
            self._next_attempt = max(self._next_attempt, not_before)
        self._items.append(item)
        await self._async_save()
        _LOGGER.warning(
            "A Pushover message for %s waits in the outbox (%s); next attempt at %s",
            self._who(item.recipient_ids),
            reason,
            self._next_attempt.isoformat(),
        )
        self._notify()
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
        moments = [
            self._deadline(item.queued_at, item.outgoing) for item in self._items
        ]
        if self._items and not self._paused:
            moments.append(self._next_attempt)
        if self._drops:
            moments.append(self._drops[0].at + DROP_MEMORY)
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
                for item in list(self._items):
                    if self._deadline(item.queued_at, item.outgoing) <= now:
                        await self._async_drop(
                            item,
                            DropReason.EXPIRED,
                            f"not delivered in time; last error: {item.error}",
                        )
                self._refresh_issue(now)
                if (
                    self._stopping
                    or self._paused
                    or not self._items
                    or now < self._next_attempt
                ):
                    return
                if not await self._async_deliver(self._items[0]):
                    return
        finally:
            self._task = None
            self._schedule()

    async def _async_deliver(self, item: QueuedMessage) -> bool:
        """Send what is left of ``item``; return whether the next may follow now."""
        runtime = self._entry.runtime_data
        recipients = [
            runtime.recipients[recipient_id]
            for recipient_id in item.recipient_ids
            if recipient_id in runtime.recipients
        ]
        if not recipients:
            await self._async_drop(
                item, DropReason.RECIPIENT_REMOVED, "the recipient was removed"
            )
            return True
        users = [recipient.user_key for recipient in recipients]
        while True:
            attachment = None
            if item.attachment is not None:
                attachment = Attachment.from_path(
                    self._folder / item.id,
                    filename=item.attachment.filename,
                    content_type=item.attachment.content_type,
                )
            try:
                await runtime.sender.async_send_part(
                    item.outgoing, users, item.outgoing.parts[0], attachment
                )
            except PushoverError as err:
                return await self._async_failed(item, err)
            item.outgoing = replace(item.outgoing, parts=item.outgoing.parts[1:])
            await self._async_delete_attachment(item)
            if not item.outgoing.parts:
                break
            await self._async_save()
        self._items.remove(item)
        self._failures = 0
        await self._async_save()
        _LOGGER.info(
            "Delivered a queued Pushover message for %s (queued at %s)",
            self._who(item.recipient_ids),
            item.queued_at.isoformat(),
        )
        self._notify()
        return True

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
            reset = quota_reset(self._entry, err)
            for queued in list(self._items):
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
            await self._async_save()
            _LOGGER.warning(
                "A queued Pushover message for %s failed again (%s); next attempt "
                "at %s",
                self._who(item.recipient_ids),
                err,
                self._next_attempt.isoformat(),
            )
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
        self._items.remove(item)
        await self._async_delete_attachment(item)
        now = dt_util.utcnow()
        title = item.outgoing.title
        self._drops.append(_Drop(now, title or item.outgoing.parts[0][:_LABEL_LENGTH]))
        await self._async_save()
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
        self._refresh_issue(now)
        self._notify()

    @callback
    def _refresh_issue(self, now: datetime) -> None:
        """Show the repair issue while a message was dropped in the last day."""
        self._drops = [drop for drop in self._drops if drop.at + DROP_MEMORY > now]
        issue_id = f"delivery_failed_{self._entry.entry_id}"
        if not self._drops:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="delivery_failed",
            translation_placeholders={
                "entry": self._entry.title,
                "count": str(len(self._drops)),
                "title": self._drops[-1].label,
            },
        )

    async def async_stop(self) -> None:
        """Stop sending; a delivery on its way gets a moment to finish and be saved."""
        self._stopping = True
        self._schedule()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=STOP_TIMEOUT)
