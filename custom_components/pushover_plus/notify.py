"""Notify entities and the legacy notify.<name> action of Pushover Plus."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any, override

from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import (
    ATTR_DATA,
    ATTR_TARGET,
    NotifyEntityFeature,
)
from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.const import CONF_NAME
from homeassistant.core import (
    CoreState,
    HomeAssistant,
    ServiceResponse,
    State,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .api import Glance
from .const import (
    ATTR_ATTACHMENT,
    ATTR_DEVICE,
    ATTR_MESSAGE,
    ATTR_TITLE,
    CONF_DEVICES,
    CONF_LEGACY_NOTIFY,
    DOMAIN,
)
from .coordinator import PushoverCoordinator
from .data import PushoverPlusConfigEntry, Recipient
from .entity import RecipientEntity
from .errors import translated_errors
from .fields import LEGACY_DATA_KEYS
from .sending import Sender

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0

#: The keys Home Assistant's Pushover page documents under `data:`, and the
#: field each one fills (declared with the fields).
LEGACY_DATA_FIELDS = LEGACY_DATA_KEYS
#: The companion app's image key: the attachment, unless one is given.
COMPANION_IMAGE = "image"
#: Unknown data keys warned about once each, at most: callers choose the keys,
#: and one making them up must not grow the set for as long as the entry runs.
MAX_WARNED_KEYS = 100


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add one entity per recipient and one per device of each recipient.

    A device Pushover reports later gets its entity then. One it stops
    reporting keeps its entity until the next start, and available: Home
    Assistant would skip an unavailable entity without telling the caller,
    while a message to it now is refused with the reason.
    """
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    added: set[str] = set()

    @callback
    def async_add_new() -> None:
        for recipient in coordinator.data.recipients.values():
            entities = [
                entity
                for entity in (
                    PushoverNotifyEntity(
                        entry,
                        recipient,
                        device,
                        application_device_id=runtime.application_device_id,
                        sender=runtime.sender,
                        coordinator=coordinator,
                    )
                    for device in (None, *recipient.devices)
                )
                if entity.unique_id not in added
            ]
            added.update(entity.unique_id for entity in entities if entity.unique_id)
            if entities:
                async_add_entities(entities, config_subentry_id=recipient.subentry_id)

    async_add_new()
    entry.async_on_unload(coordinator.async_add_listener(async_add_new))

    # A device removed at Pushover before this start leaves its entity behind.
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain == "notify" and registered.unique_id not in added:
            registry.async_remove(registered.entity_id)


class PushoverNotifyEntity(RecipientEntity, NotifyEntity):
    """Sends to a recipient: all its devices, or the one it stands for.

    Not a coordinator entity: it stays available while Pushover cannot be
    reached, since its messages then wait in the outbox.
    """

    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(
        self,
        entry: PushoverPlusConfigEntry,
        recipient: Recipient,
        device: str | None,
        *,
        application_device_id: str,
        sender: Sender,
        coordinator: PushoverCoordinator,
    ) -> None:
        """Stand for ``recipient``, or only for its ``device``."""
        super().__init__(entry, application_device_id, recipient, device)
        self._entry = entry
        self._sender = sender
        self._coordinator = coordinator
        self._devices = (device,) if device else ()

    async def async_get_last_state(self) -> State | None:
        """Show the last send again after a restart, not after a reload.

        A reload while Home Assistant runs would record the restored time as a
        new state, and the activity log would show it as a new message.
        """
        if self.hass.state is CoreState.running:
            return None
        return await super().async_get_last_state()

    @property
    def _recipient(self) -> Recipient:
        """Return the recipient as last reported by Pushover."""
        return self._coordinator.data.recipients[self.target.recipient_id]

    @override
    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send through notify.send_message."""
        await self._async_send({ATTR_MESSAGE: message, ATTR_TITLE: title})

    async def async_send_pushover_message(self, **fields: Any) -> ServiceResponse:
        """Send through pushover_plus.send_message, with every API field.

        A message that waits in the outbox is not recorded as sent: the logbook
        says it was queued, and later that it was delivered.
        """
        response = await self._async_send(fields)
        if response["status"] == "sent":
            self._async_record_notification()
        return response

    async def async_update_glance(self, **fields: Any) -> None:
        """Update the Apple Watch glance of the recipient (or of its device)."""
        device = fields.pop(ATTR_DEVICE, None) or self.target.device
        glance = Glance(user=self._recipient.user_key, device=device, **fields)
        client = self._sender.client
        with translated_errors(self.hass, self._entry, client):
            await client.update_glance(glance)

    async def _async_send(self, fields: dict[str, Any]) -> dict[str, Any]:
        return await self._sender.async_send(
            self._recipient,
            fields,
            devices=self._devices,
            batch_key=self._context.id if self._context else None,
        )


class PushoverLegacyNotifyService(BaseNotificationService):
    """notify.<name>: `target` names devices, `data` carries the API fields.

    Registered by the entry itself rather than through a discovered legacy
    platform, so that unloading the entry removes it again.
    """

    def __init__(
        self,
        entry: PushoverPlusConfigEntry,
        sender: Sender,
        coordinator: PushoverCoordinator,
    ) -> None:
        """Send through ``sender`` to the recipient :func:`legacy_recipient` picks."""
        self._entry = entry
        self._sender = sender
        self._coordinator = coordinator
        self._warned_keys: set[str] = set()

    async def async_start(self, hass: HomeAssistant) -> None:
        """Register notify.<slug of the entry name>."""
        name = self._entry.data[CONF_NAME]
        await self.async_setup(hass, slugify(name), name)
        await self.async_register_services()

    @override
    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send a message as Home Assistant's Pushover page describes.

        As forgiving as the built-in integration: a notify group passes the
        companion app's keys to every member, and refusing them would lose the
        message without the automation noticing.
        """
        data = kwargs.get(ATTR_DATA) or {}
        fields: dict[str, Any] = {}
        devices = [kwargs.get(ATTR_TARGET)]
        for key, value in data.items():
            if (field := LEGACY_DATA_FIELDS.get(key)) == CONF_DEVICES:
                devices.append(value)
            elif field is not None:
                fields[field] = value
            elif key != COMPANION_IMAGE:
                self._warn_unknown_key(str(key))
        if ATTR_ATTACHMENT not in fields and data.get(COMPANION_IMAGE):
            fields[ATTR_ATTACHMENT] = data[COMPANION_IMAGE]
        if names := _device_names(devices):
            fields[CONF_DEVICES] = names
        fields[ATTR_MESSAGE] = message
        fields[ATTR_TITLE] = kwargs.get(ATTR_TITLE)
        recipient = legacy_recipient(self._entry, self._coordinator.data.recipients)
        await self._sender.async_send(recipient, fields)

    def _warn_unknown_key(self, key: str) -> None:
        """Say once per key that it is ignored, so that a typo shows in the log.

        After :data:`MAX_WARNED_KEYS` keys, further ones are ignored silently.
        """
        if key in self._warned_keys or len(self._warned_keys) >= MAX_WARNED_KEYS:
            return
        self._warned_keys.add(key)
        _LOGGER.warning(
            "notify.%s ignores the data key %r; Pushover Plus reads %s%s",
            slugify(self._entry.data[CONF_NAME]),
            key,
            ", ".join([*LEGACY_DATA_FIELDS, COMPANION_IMAGE]),
            "; further unknown keys are not reported"
            if len(self._warned_keys) == MAX_WARNED_KEYS
            else "",
        )


def legacy_recipient(
    entry: PushoverPlusConfigEntry, known: Mapping[str, Recipient]
) -> Recipient:
    """Return which of the ``known`` recipients notify.<name> sends to.

    The one whose subentry carries the legacy flag (set on the recipient made
    with the entry); once that one is removed, the first remaining one.
    """
    recipients = {recipient.subentry_id: recipient for recipient in known.values()}
    subentry_ids = [sub_id for sub_id in entry.subentries if sub_id in recipients]
    chosen = [
        sub_id
        for sub_id in subentry_ids
        if entry.subentries[sub_id].data.get(CONF_LEGACY_NOTIFY)
    ] or subentry_ids
    if not chosen:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_recipients",
            translation_placeholders={"entry": entry.title},
        )
    return recipients[chosen[0]]


def _device_names(values: list[Any]) -> list[str]:
    """Join device names given as lists, single names or comma-separated text."""
    names: list[str] = []
    for value in values:
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if item is None:
                continue
            names.extend(
                name
                for part in str(item).split(",")
                if (name := part.strip()) and name not in names
            )
    return names
