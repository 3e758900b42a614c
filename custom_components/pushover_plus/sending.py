"""The one path every message takes: defaults, rules, batching, the API call.

Notify entities, the legacy ``notify.<name>`` action and
``pushover_plus.send_message`` all hand their fields to :func:`async_send`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
import logging
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .api import (
    EMERGENCY_PRIORITY,
    MAX_MESSAGE_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_USERS,
    Attachment,
    Message,
    MessageResult,
    MessageValidationError,
    PushoverError,
    validate_message,
)
from .attachments import async_resolve_attachment
from .const import (
    ATTR_ATTACHMENT,
    ATTR_CALLBACK,
    ATTR_MESSAGE,
    ATTR_MONOSPACE,
    ATTR_TAGS,
    ATTR_TIMESTAMP,
    ATTR_TITLE,
    ATTR_URL,
    ATTR_URL_TITLE,
    CONF_ATTACHMENT_HOSTS,
    CONF_DEVICES,
    CONF_EXPIRE,
    CONF_HTML,
    CONF_LONG_MESSAGE,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_TTL,
    LongMessage,
)
from .data import PushoverPlusConfigEntry, Recipient
from .errors import api_error, invalid_field, invalid_request

_LOGGER = logging.getLogger(__name__)

ELLIPSIS = "…"
#: How far back a cut looks for the end of a word before cutting through one.
WORD_SEARCH = 40


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message ready to go to one or more recipients, minus their keys.

    Frozen and hashable, so that identical messages from one action call can
    share one API request.
    """

    parts: tuple[str, ...]
    title: str | None = None
    devices: tuple[str, ...] = ()
    priority: int | None = None
    retry: int | None = None
    expire: int | None = None
    callback: str | None = field(default=None, repr=False)
    tags: tuple[str, ...] = ()
    sound: str | None = None
    timestamp: int | None = None
    ttl: int | None = None
    url: str | None = None
    url_title: str | None = None
    html: bool = False
    monospace: bool = False
    #: Where the image comes from: a path, URL, media id, or camera/image entity.
    attachment: str | None = None

    def message(self, users: Sequence[str], part: str) -> Message:
        """Return the API message for one part, for the given recipients."""
        return Message(
            user=tuple(users),
            message=part,
            title=self.title,
            devices=self.devices,
            priority=self.priority,
            retry=self.retry,
            expire=self.expire,
            callback=self.callback,
            tags=self.tags,
            sound=self.sound,
            timestamp=self.timestamp,
            ttl=self.ttl,
            url=self.url,
            url_title=self.url_title,
            html=self.html,
            monospace=self.monospace,
        )


def _integer(fields: Mapping[str, Any], key: str) -> int | None:
    value = fields.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise invalid_field("value_not_integer", key)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise invalid_field("value_not_integer", key)


def _flag(fields: Mapping[str, Any], key: str) -> bool | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise invalid_field("value_not_boolean", key)


def _text(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise invalid_field("value_not_text", key)


def _names(fields: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """Read a list of names given as a list or a comma-separated string."""
    value = fields.get(key)
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(
        isinstance(item, str) for item in items
    ):
        raise invalid_field("value_not_text", key)
    return tuple(name for item in items if (name := item.strip()))


def _timestamp(fields: Mapping[str, Any]) -> int | None:
    value = fields.get(ATTR_TIMESTAMP)
    if isinstance(value, datetime):
        return int(dt_util.as_timestamp(value))
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        if (parsed := dt_util.parse_datetime(value.strip())) is None:
            raise invalid_field("timestamp_invalid", ATTR_TIMESTAMP)
        return int(dt_util.as_timestamp(parsed))
    return _integer(fields, ATTR_TIMESTAMP)


def _attachment_source(fields: Mapping[str, Any]) -> str | None:
    value = fields.get(ATTR_ATTACHMENT)
    if isinstance(value, Mapping):
        value = value.get("media_content_id")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_field("value_not_text", ATTR_ATTACHMENT)
    return value.strip()


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> tuple[str, ...]:
    """Split text into numbered parts that fit, at word boundaries where possible.

    A word longer than a part (a long URL, say) is the only thing ever cut.
    """
    count = 1
    while True:
        room = limit - len(f"({count}/{count}) ")
        chunks = _chunks(text, room)
        if len(chunks) <= count:
            break
        count = len(chunks)
    total = len(chunks)
    return tuple(f"({index}/{total}) {chunk}" for index, chunk in enumerate(chunks, 1))


def _chunks(text: str, room: int) -> list[str]:
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > room:
        cut = max(rest.rfind(" ", 0, room + 1), rest.rfind("\n", 0, room + 1))
        if cut <= 0:
            cut = room
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    chunks.append(rest)
    return chunks


def _shorten(text: str, limit: int) -> str:
    """Cut text to limit with an ellipsis, after a whole word where one is near."""
    room = limit - len(ELLIPSIS)
    cut = text.rfind(" ", room - WORD_SEARCH, room + 1)
    return text[: cut if cut > 0 else room].rstrip() + ELLIPSIS


def _chosen_devices(
    recipient: Recipient, fields: Mapping[str, Any], devices: Sequence[str]
) -> tuple[str, ...]:
    """Return the devices a message is for: the entity's, the fields' or defaults."""
    chosen = tuple(devices) or _names(fields, CONF_DEVICES)
    if not chosen and CONF_DEVICES not in fields:
        chosen = tuple(recipient.defaults.get(CONF_DEVICES, ()))
    return chosen


def _chosen_sound(recipient: Recipient, fields: Mapping[str, Any]) -> str | None:
    """Return the sound a message asks for, or the recipient's default."""
    sound = _text(fields, CONF_SOUND)
    return recipient.defaults.get(CONF_SOUND) if sound is None else sound


async def _async_learn_names(
    entry: PushoverPlusConfigEntry,
    recipient: Recipient,
    fields: Mapping[str, Any],
    devices: Sequence[str],
) -> Recipient:
    """Ask Pushover again before a device or sound is taken for unknown.

    Devices and custom sounds are added at Pushover at any time. Returns the
    recipient as now known.
    """
    runtime = entry.runtime_data
    chosen = _chosen_devices(recipient, fields, devices)
    if any(name not in recipient.devices for name in chosen):
        recipient = await runtime.account.async_check_devices(recipient)
    if (sound := _chosen_sound(recipient, fields)) and sound not in runtime.sounds:
        await runtime.account.async_check_sounds()
    return recipient


def prepare(
    entry: PushoverPlusConfigEntry,
    recipient: Recipient,
    fields: Mapping[str, Any],
    *,
    devices: Sequence[str] = (),
) -> Outgoing:
    """Apply the defaults and the rules to an action's fields.

    ``devices`` are those the entity itself stands for; the fields may name
    others. Raises :class:`ServiceValidationError` naming the field at fault.
    Nothing is sent here.
    """
    runtime = entry.runtime_data
    defaults = recipient.defaults

    message = _text(fields, ATTR_MESSAGE) or ""
    if not message.strip():
        raise invalid_field("message_empty", ATTR_MESSAGE)
    title = _text(fields, ATTR_TITLE)
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        title = _shorten(title, MAX_TITLE_LENGTH)

    # An unknown name would make Pushover deliver to every device: refused.
    chosen = _chosen_devices(recipient, fields, devices)
    if unknown := [name for name in chosen if name not in recipient.devices]:
        raise invalid_field(
            "unknown_device",
            CONF_DEVICES,
            device=", ".join(unknown),
            known=", ".join(recipient.devices) or "-",
        )

    # An unknown sound only costs the sound: the message goes without it.
    sound = _chosen_sound(recipient, fields)
    if sound and sound not in runtime.sounds:
        _LOGGER.warning(
            "Pushover does not know the sound %s: the message goes with the "
            "device's default sound",
            sound,
        )
        sound = None

    priority = _integer(fields, CONF_PRIORITY)
    if priority is None:
        priority = defaults.get(CONF_PRIORITY)
    emergency = priority == EMERGENCY_PRIORITY
    retry = _integer(fields, CONF_RETRY)
    expire = _integer(fields, CONF_EXPIRE)
    ttl = _integer(fields, CONF_TTL)
    if emergency:
        retry = defaults.get(CONF_RETRY) if retry is None else retry
        expire = defaults.get(CONF_EXPIRE) if expire is None else expire
    elif ttl is None:
        ttl = defaults.get(CONF_TTL)

    monospace = bool(_flag(fields, ATTR_MONOSPACE))
    html = _flag(fields, CONF_HTML)
    if html is None:
        html = bool(defaults.get(CONF_HTML)) and not monospace

    parts: tuple[str, ...] = (message,)
    if len(message) > MAX_MESSAGE_LENGTH:
        policy = entry.options.get(CONF_LONG_MESSAGE, LongMessage.TRUNCATE)
        if policy == LongMessage.REJECT:
            raise invalid_field(
                "message_too_long",
                ATTR_MESSAGE,
                max=str(MAX_MESSAGE_LENGTH),
                length=str(len(message)),
            )
        if policy == LongMessage.SPLIT:
            parts = split_message(message)
        else:
            _LOGGER.warning(
                "Message of %s characters cut to Pushover's %s",
                len(message),
                MAX_MESSAGE_LENGTH,
            )
            parts = (_shorten(message, MAX_MESSAGE_LENGTH),)

    outgoing = Outgoing(
        parts=parts,
        title=title,
        devices=chosen,
        priority=priority,
        retry=retry,
        expire=expire,
        callback=_text(fields, ATTR_CALLBACK)
        or (runtime.receipts.callback_url if emergency else None),
        tags=_names(fields, ATTR_TAGS),
        sound=sound or None,
        timestamp=_timestamp(fields),
        ttl=ttl,
        url=_text(fields, ATTR_URL),
        url_title=_text(fields, ATTR_URL_TITLE),
        html=html,
        monospace=monospace,
        attachment=_attachment_source(fields),
    )
    for part in outgoing.parts:
        try:
            validate_message(outgoing.message((recipient.user_key,), part))
        except MessageValidationError as err:
            raise invalid_request(err) from None
    return outgoing


#: Told about every message Pushover accepted: what it was, to whom, the reply.
type SentListener = Callable[[Outgoing, Sequence[str], MessageResult], None]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What became of a message: the parts Pushover accepted, and the rest."""

    results: list[MessageResult]
    #: What the outbox says when (the rest of) the message waits there.
    queued: dict[str, Any] | None = None


@dataclass
class _Batch:
    outgoing: Outgoing
    recipients: list[Recipient] = field(default_factory=list)
    waiters: list[asyncio.Future[SendOutcome]] = field(default_factory=list)


class Sender:
    """Sends prepared messages for one config entry.

    Identical messages for several recipients, made by one action call in the
    same turn of the event loop and naming no device, go out as one request
    with the keys comma-separated (as Pushover recommends), up to 50 a request.
    A message that fails for a passing reason, or that would overtake queued
    ones, goes to the entry's outbox.
    """

    def __init__(self, hass: HomeAssistant, entry: PushoverPlusConfigEntry) -> None:
        """Send for ``entry``."""
        self._hass = hass
        self._entry = entry
        self._pending: dict[tuple[object, Outgoing], _Batch] = {}
        self._sent_listeners: list[SentListener] = []

    @callback
    def async_add_sent_listener(self, listener: SentListener) -> CALLBACK_TYPE:
        """Call ``listener`` for every message Pushover accepts."""
        self._sent_listeners.append(listener)
        return lambda: self._sent_listeners.remove(listener)

    async def async_send(
        self, outgoing: Outgoing, recipient: Recipient, batch_key: object | None
    ) -> SendOutcome:
        """Send to one recipient; wait for the request that carries it."""
        key = (batch_key if batch_key is not None else object(), outgoing)
        batch = self._pending.get(key)
        if (
            batch is None
            or outgoing.devices
            or len(batch.recipients) >= MAX_USERS
            or any(joined.user_key == recipient.user_key for joined in batch.recipients)
        ):
            batch = _Batch(outgoing)
            self._pending[key] = batch
            self._hass.loop.call_soon(self._flush, key, batch)
        batch.recipients.append(recipient)
        waiter: asyncio.Future[SendOutcome] = self._hass.loop.create_future()
        batch.waiters.append(waiter)
        return await waiter

    @callback
    def _flush(self, key: tuple[object, Outgoing], batch: _Batch) -> None:
        # A later batch under the same key has its own flush scheduled; this
        # only stops new senders from joining.
        self._pending.pop(key, None)
        self._entry.async_create_task(
            self._hass, self._async_deliver(batch), "pushover_plus send"
        )

    async def _async_deliver(self, batch: _Batch) -> None:
        error: Exception | None = None
        outcome = SendOutcome([])
        try:
            outcome = await self._async_request(batch.outgoing, batch.recipients)
        except Exception as err:  # noqa: BLE001 - handed to every caller
            error = err
        for waiter in batch.waiters:
            if waiter.done():  # its caller stopped waiting
                continue
            if error is None:
                waiter.set_result(outcome)
            else:
                waiter.set_exception(error)

    async def async_send_part(
        self,
        outgoing: Outgoing,
        users: Sequence[str],
        part: str,
        attachment: Attachment | None,
    ) -> MessageResult:
        """Send one part to ``users``; tell the sent listeners once it is accepted.

        Raises the client's :class:`PushoverError` as it is.
        """
        message = outgoing.message(users, part)
        if attachment is not None:
            message = replace(message, attachment=attachment)
        result = await self._entry.runtime_data.client.send_message(message)
        for listener in self._sent_listeners:
            listener(outgoing, users, result)
        return result

    async def _async_request(
        self, outgoing: Outgoing, recipients: Sequence[Recipient]
    ) -> SendOutcome:
        attachment = None
        if outgoing.attachment:
            # Resolved now even when the message has to wait: a camera's
            # snapshot must show the moment of the action.
            attachment = await async_resolve_attachment(
                self._hass,
                outgoing.attachment,
                allowed_hosts=self._entry.options.get(CONF_ATTACHMENT_HOSTS, []),
            )
        outbox = self._entry.runtime_data.outbox
        if outbox.waiting_for(recipients):
            return SendOutcome(
                [], await outbox.async_enqueue(outgoing, recipients, attachment, None)
            )
        users = [recipient.user_key for recipient in recipients]
        results: list[MessageResult] = []
        for index, part in enumerate(outgoing.parts):
            image = attachment if index == 0 else None
            try:
                results.append(await self.async_send_part(outgoing, users, part, image))
            except MessageValidationError as err:
                # The attachment changed or vanished since it was checked.
                raise invalid_request(err) from err
            except PushoverError as err:
                rest = replace(outgoing, parts=outgoing.parts[index:])
                queued = await outbox.async_enqueue(rest, recipients, image, err)
                if queued is None:
                    raise api_error(self._hass, self._entry, err) from err
                return SendOutcome(results, queued)
        return SendOutcome(results)


async def async_send(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    recipient: Recipient,
    fields: Mapping[str, Any],
    *,
    devices: Sequence[str] = (),
    batch_key: object | None = None,
) -> dict[str, Any]:
    """Prepare and send one action's message; return the response data.

    ``status`` is ``sent``, or ``queued`` when (part of) the message waits in
    the outbox; ``messages`` lists the parts Pushover accepted.
    """
    recipient = await _async_learn_names(entry, recipient, fields, devices)
    outgoing = prepare(entry, recipient, fields, devices=devices)
    outcome = await entry.runtime_data.sender.async_send(outgoing, recipient, batch_key)
    response: dict[str, Any] = {
        "status": "sent" if outcome.queued is None else "queued",
        "messages": [
            {"request": result.request_id, "receipt": result.receipt}
            for result in outcome.results
        ],
    }
    if outcome.queued is not None:
        response.update(outcome.queued)
    return response
