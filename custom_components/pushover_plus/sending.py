"""The one path every message takes: defaults, rules, batching, the API call.

Notify entities, the legacy ``notify.<name>`` action and
``pushover_plus.send_message`` all hand their fields to :meth:`Sender.async_send`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
import logging
from typing import TYPE_CHECKING, Any
import weakref

from homeassistant.core import HomeAssistant, callback

from .api import (
    EMERGENCY_PRIORITY,
    MAX_MESSAGE_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_USERS,
    Message,
    MessageResult,
    MessageValidationError,
    PushoverClient,
    validate_message,
)
from .attachments import async_resolve_attachment
from .const import (
    ATTR_ACTIONS,
    ATTR_ATTACHMENT,
    ATTR_CALLBACK,
    ATTR_ENCRYPT,
    ATTR_MESSAGE,
    ATTR_MONOSPACE,
    ATTR_TITLE,
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
from .delivery import Courier
from .errors import api_error, invalid_field, invalid_request
from .fields import TEMPLATE_FIELDS, coerce
from .long_text import cut_to, split_message, text_length
from .message import Outgoing

if TYPE_CHECKING:
    from .coordinator import PushoverCoordinator
    from .outbox import Outbox
    from .receipts import ReceiptTracker
    from .suppression import RepeatMemory

_LOGGER = logging.getLogger(__name__)


def _chosen_devices(
    recipient: Recipient, fields: Mapping[str, Any], devices: Sequence[str]
) -> tuple[str, ...]:
    """Return the devices a message is for: the entity's, the fields' or defaults."""
    chosen = tuple(devices) or coerce(fields, CONF_DEVICES)
    if not chosen and CONF_DEVICES not in fields:
        chosen = tuple(recipient.defaults.get(CONF_DEVICES, ()))
    return chosen


def _chosen_sound(recipient: Recipient, fields: Mapping[str, Any]) -> str | None:
    """Return the sound a message asks for, or the recipient's default."""
    sound: str | None = coerce(fields, CONF_SOUND)
    return recipient.defaults.get(CONF_SOUND) if sound is None else sound


async def _async_learn_names(
    coordinator: PushoverCoordinator,
    recipient: Recipient,
    fields: Mapping[str, Any],
    devices: Sequence[str],
) -> Recipient:
    """Ask Pushover again before a device or sound is taken for unknown.

    Devices and custom sounds are added at Pushover at any time. Returns the
    recipient as now known.
    """
    chosen = _chosen_devices(recipient, fields, devices)
    if any(name not in recipient.devices for name in chosen):
        recipient = await coordinator.async_check_devices(recipient)
    sound = _chosen_sound(recipient, fields)
    if sound and sound not in coordinator.data.sounds:
        await coordinator.async_check_sounds()
    return recipient


def _known_devices(
    recipient: Recipient, fields: Mapping[str, Any], devices: Sequence[str]
) -> tuple[str, ...]:
    """Return the devices chosen; refuse a name the recipient does not have.

    An unknown name would make Pushover deliver to every device.
    """
    chosen = _chosen_devices(recipient, fields, devices)
    if unknown := [name for name in chosen if name not in recipient.devices]:
        raise invalid_field(
            "unknown_device",
            CONF_DEVICES,
            device=", ".join(unknown),
            known=", ".join(recipient.devices) or "-",
        )
    return chosen


def _known_sound(
    sounds: Mapping[str, str], recipient: Recipient, fields: Mapping[str, Any]
) -> str | None:
    """Return the sound chosen; an unknown one only costs the sound."""
    sound = _chosen_sound(recipient, fields)
    if sound and sound not in sounds:
        _LOGGER.warning(
            "Pushover does not know the sound %s: the message goes with the "
            "device's default sound",
            sound,
        )
        return None
    return sound or None


def _apply_defaults(
    values: dict[str, Any], defaults: Mapping[str, Any], callback_url: str | None
) -> None:
    """Fill what the caller left out from the recipient's defaults."""
    if values[CONF_PRIORITY] is None:
        values[CONF_PRIORITY] = defaults.get(CONF_PRIORITY)
    if values[CONF_PRIORITY] == EMERGENCY_PRIORITY:
        for key in (CONF_RETRY, CONF_EXPIRE):
            if values[key] is None:
                values[key] = defaults.get(key)
        values[ATTR_CALLBACK] = values[ATTR_CALLBACK] or callback_url
    else:
        values[ATTR_CALLBACK] = values[ATTR_CALLBACK] or None
        if values[CONF_TTL] is None:
            values[CONF_TTL] = defaults.get(CONF_TTL)
    if values[CONF_HTML] is None:
        values[CONF_HTML] = bool(defaults.get(CONF_HTML)) and not values[ATTR_MONOSPACE]


def _parts(
    entry: PushoverPlusConfigEntry, message: str, encrypted: bool
) -> tuple[str, ...]:
    """Return the texts a message goes as: itself, or as the entry says when long.

    Encrypted, the limit applies to the encrypted text.
    """
    if (length := text_length(message, encrypted)) <= MAX_MESSAGE_LENGTH:
        return (message,)
    policy = entry.options.get(CONF_LONG_MESSAGE, LongMessage.TRUNCATE)
    if policy == LongMessage.REJECT:
        raise invalid_field(
            "encrypted_too_long" if encrypted else "message_too_long",
            ATTR_MESSAGE,
            max=str(MAX_MESSAGE_LENGTH),
            length=str(length),
        )
    if policy == LongMessage.SPLIT:
        return split_message(message, encrypted=encrypted)
    _LOGGER.warning(
        "Message of %s characters (as sent) cut to Pushover's %s",
        length,
        MAX_MESSAGE_LENGTH,
    )
    return (cut_to(message, MAX_MESSAGE_LENGTH, encrypted),)


def _encrypting(recipient: Recipient, wanted: bool | None) -> bool:
    """Return whether a message is encrypted: as asked, else when there is a key."""
    if wanted is None:
        return recipient.encryption_key is not None
    if wanted and recipient.encryption_key is None:
        raise invalid_field(
            "encrypt_without_key", ATTR_ENCRYPT, recipient=recipient.name
        )
    return wanted


#: The entries already warned that encrypted messages go without URL title.
_WARNED_URL_TITLE: weakref.WeakSet[PushoverPlusConfigEntry] = weakref.WeakSet()


def _protect(
    entry: PushoverPlusConfigEntry, values: dict[str, Any], encrypted: bool
) -> None:
    """Fit the title as sent; an encrypted message gets one and no URL title.

    Pushover's own title would go in clear, which the phone cannot decrypt.
    An encrypted URL title never fits Pushover's 100 characters: the message
    goes without it (the link shows as itself), said once per entry.
    """
    if encrypted and values[ATTR_URL_TITLE]:
        values[ATTR_URL_TITLE] = None
        if entry not in _WARNED_URL_TITLE:
            _WARNED_URL_TITLE.add(entry)
            _LOGGER.warning(
                "Encrypted messages of %s go without their URL title: encrypted, "
                "it would be over Pushover's 100 characters. The link still shows",
                entry.title,
            )
    if encrypted and not values[ATTR_TITLE]:
        values[ATTR_TITLE] = entry.title
    if (title := values[ATTR_TITLE]) is not None:
        values[ATTR_TITLE] = cut_to(title, MAX_TITLE_LENGTH, encrypted)


def prepare(
    entry: PushoverPlusConfigEntry,
    recipient: Recipient,
    fields: Mapping[str, Any],
    *,
    devices: Sequence[str] = (),
    sounds: Mapping[str, str],
    callback_url: str | None,
) -> Outgoing:
    """Apply the defaults and the rules to an action's fields.

    ``devices`` are those the entity itself stands for; the fields may name
    others. ``sounds`` are those Pushover knows; ``callback_url`` is where
    emergency acknowledgements go. Raises :class:`ServiceValidationError`
    naming the field at fault. Nothing is sent here.
    """
    message: str = coerce(fields, ATTR_MESSAGE) or ""
    if not message.strip():
        raise invalid_field("message_empty", ATTR_MESSAGE)
    encrypted = _encrypting(recipient, coerce(fields, ATTR_ENCRYPT))
    values = {field.name: coerce(fields, field.name) for field in TEMPLATE_FIELDS}
    _protect(entry, values, encrypted)
    values[CONF_DEVICES] = _known_devices(recipient, fields, devices)
    values[CONF_SOUND] = _known_sound(sounds, recipient, fields)
    _apply_defaults(values, recipient.defaults, callback_url)
    template = Message(
        user=(),
        message="",
        **{name: value for name, value in values.items() if value is not None},
    )
    outgoing = Outgoing(
        _parts(entry, message, encrypted),
        template,
        coerce(fields, ATTR_ATTACHMENT),
        encrypted,
        coerce(fields, ATTR_ACTIONS),
    )
    for part in outgoing.parts:
        try:
            validate_message(
                outgoing.message(
                    (recipient.user_key,), part, key=recipient.encryption_key
                )
            )
        except MessageValidationError as err:
            raise invalid_request(err) from None
    return outgoing


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
    An encrypted message goes to its one recipient only: it is encrypted for
    that account's key. So does a message with actions: its link tells who
    pressed a button.
    A message that fails for a passing reason, or that would overtake queued
    ones, goes to the entry's outbox.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        *,
        coordinator: PushoverCoordinator,
        receipts: ReceiptTracker,
        outbox: Outbox,
        courier: Courier,
        repeats: RepeatMemory,
    ) -> None:
        """Send for ``entry`` through ``courier``, or queue in ``outbox``.

        ``coordinator`` knows the recipients' devices and the sounds;
        ``receipts`` gives emergency messages their acknowledgement URL.
        """
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        self._receipts = receipts
        self._outbox = outbox
        self._courier = courier
        self._repeats = repeats
        self._pending: dict[tuple[object, Outgoing], _Batch] = {}

    @property
    def client(self) -> PushoverClient:
        """Return the client messages go through."""
        return self._courier.client

    async def async_send(
        self,
        recipient: Recipient,
        fields: Mapping[str, Any],
        *,
        devices: Sequence[str] = (),
        batch_key: object | None = None,
    ) -> dict[str, Any]:
        """Prepare and send one action's message; return the response data.

        ``status`` is ``sent``, ``queued`` when (part of) the message waits in
        the outbox (``messages`` lists the parts Pushover accepted), or
        ``suppressed`` when the same went out at ``first_sent``, within the
        message's ``suppress_repeats``.
        """
        recipient = await _async_learn_names(
            self._coordinator, recipient, fields, devices
        )
        outgoing = prepare(
            self._entry,
            recipient,
            fields,
            devices=devices,
            sounds=self._coordinator.data.sounds,
            callback_url=self._receipts.callback_url,
        )
        claim = self._repeats.claim(fields, recipient, outgoing)
        if claim is not None and claim.first_sent is not None:
            return {"status": "suppressed", "first_sent": claim.first_sent.isoformat()}
        try:
            outcome = await self.async_send_prepared(outgoing, recipient, batch_key)
        except BaseException:
            if claim is not None:
                self._repeats.forget(claim.key)
            raise
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

    async def async_send_prepared(
        self, outgoing: Outgoing, recipient: Recipient, batch_key: object | None
    ) -> SendOutcome:
        """Send to one recipient; wait for the request that carries it.

        The request runs in a task of its own, so that a caller who stops
        waiting does not cut it off halfway.
        """
        waiter: asyncio.Future[SendOutcome] = self._hass.loop.create_future()
        if (
            batch_key is None
            or outgoing.template.devices
            or outgoing.encrypted
            or outgoing.actions
        ):
            # Nothing can join it: on its way at once.
            self._start(_Batch(outgoing, [recipient], [waiter]))
            return await waiter
        key = (batch_key, outgoing)
        batch = self._pending.get(key)
        if (
            batch is None
            or len(batch.recipients) >= MAX_USERS
            or any(joined.user_key == recipient.user_key for joined in batch.recipients)
        ):
            batch = _Batch(outgoing)
            self._pending[key] = batch
            self._hass.loop.call_soon(self._flush, key, batch)
        batch.recipients.append(recipient)
        batch.waiters.append(waiter)
        return await waiter

    @callback
    def _flush(self, key: tuple[object, Outgoing], batch: _Batch) -> None:
        # A later batch under the same key has its own flush scheduled; this
        # only stops new senders from joining.
        self._pending.pop(key, None)
        self._start(batch)

    def _start(self, batch: _Batch) -> None:
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
        outbox = self._outbox
        if outbox.waiting_for(recipients):
            return SendOutcome(
                [], await outbox.async_enqueue(outgoing, recipients, attachment, None)
            )
        delivery = await self._courier.async_deliver(outgoing, recipients, attachment)
        if (err := delivery.error) is None:
            return SendOutcome(delivery.results)
        if isinstance(err, MessageValidationError):
            # The attachment changed or vanished since it was checked.
            raise invalid_request(err) from err
        sent = len(delivery.results)
        queued = await outbox.async_enqueue(
            replace(outgoing, parts=outgoing.parts[sent:]),
            recipients,
            attachment if sent == 0 else None,
            err,
        )
        if queued is None:
            raise api_error(self._hass, self._entry, self._courier.client, err) from err
        return SendOutcome(delivery.results, queued)
