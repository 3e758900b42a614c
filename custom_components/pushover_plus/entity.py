"""Base entities of Pushover Plus: their names, devices and unique ids.

The entry is a Pushover application, a service device of its own; each
recipient (a config subentry) is a service device reached through it. The
unique-id formats live here with their one parser.
"""

from __future__ import annotations

from typing import NamedTuple

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .data import AccountData, PushoverPlusConfigEntry, Recipient

PUSHOVER_URL = "https://pushover.net/"
#: The device page shows "<model> by Pushover".
MODEL_APPLICATION = "Application"
MODEL_USER = "User account"
MODEL_GROUP = "Delivery group"
#: Between a recipient's unique id and the device name of a device's entity.
_DEVICE_SEPARATOR = "_device_"


class RecipientTarget(NamedTuple):
    """What a recipient's entity stands for: the recipient, or one device of it."""

    recipient_id: str
    device: str | None


def recipient_unique_id(entry_id: str, recipient_id: str, device: str | None) -> str:
    """Return the unique id of a recipient's notify entity (or a device's)."""
    unique_id = f"{entry_id}_{recipient_id}"
    return f"{unique_id}{_DEVICE_SEPARATOR}{device}" if device else unique_id


@callback
def recipient_entity_id(
    hass: HomeAssistant, entry_id: str, recipient_id: str
) -> str | None:
    """Return the entity ID of a recipient's own notify entity, if registered."""
    return er.async_get(hass).async_get_entity_id(
        "notify", DOMAIN, recipient_unique_id(entry_id, recipient_id, None)
    )


def parse_recipient_unique_id(
    entry_id: str, recipient_ids: list[str], unique_id: str
) -> RecipientTarget | None:
    """Return what a notify entity's unique id stands for, None if no recipient's."""
    for recipient_id in recipient_ids:
        own = recipient_unique_id(entry_id, recipient_id, None)
        if unique_id == own:
            return RecipientTarget(recipient_id, None)
        if unique_id.startswith(prefix := f"{own}{_DEVICE_SEPARATOR}"):
            return RecipientTarget(recipient_id, unique_id.removeprefix(prefix))
    return None


def _application_identifier(entry_id: str) -> tuple[str, str]:
    return (DOMAIN, f"{entry_id}_application")


def recipient_identifier(entry_id: str, recipient_id: str) -> tuple[str, str]:
    """Return the device registry identifier of a recipient's device."""
    return (DOMAIN, f"{entry_id}_{recipient_id}")


def _device_info(identifier: tuple[str, str], name: str, model: str) -> DeviceInfo:
    return DeviceInfo(
        identifiers={identifier},
        name=name,
        manufacturer="Pushover",
        model=model,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=PUSHOVER_URL,
    )


@callback
def async_register_application(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> str:
    """Register the application's device, which the recipients' are reached via.

    Returns its device id.
    """
    return (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id,
            **_device_info(
                _application_identifier(entry.entry_id), entry.title, MODEL_APPLICATION
            ),
        )
        .id
    )


@callback
def async_rename_recipient_devices(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry, known: AccountData
) -> None:
    """Give each recipient's device its recipient's current name."""
    registry = dr.async_get(hass)
    for recipient in known.recipients.values():
        device = registry.async_get_device_by_identifier(
            recipient_identifier(entry.entry_id, recipient.recipient_id),
            entry.entry_id,
        )
        if device is not None and device.name != recipient.name:
            registry.async_update_device(device.id, name=recipient.name)


def _application_unique_id(entry_id: str, key: str) -> str:
    return f"{entry_id}_{key}"


@callback
def application_entity_id(
    hass: HomeAssistant, platform: str, entry_id: str, key: str
) -> str | None:
    """Return the entity ID of the application's ``key`` entity, if registered."""
    return er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, _application_unique_id(entry_id, key)
    )


class ApplicationEntity(Entity):
    """An entity of the application's device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: PushoverPlusConfigEntry, key: str) -> None:
        """Be the application's ``key`` entity."""
        self._attr_unique_id = _application_unique_id(entry.entry_id, key)
        self._attr_device_info = _device_info(
            _application_identifier(entry.entry_id), entry.title, MODEL_APPLICATION
        )


class RecipientEntity(Entity):
    """An entity of a recipient's device: for the recipient or one device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: PushoverPlusConfigEntry,
        application_device_id: str,
        recipient: Recipient,
        device: str | None,
    ) -> None:
        """Stand for ``recipient``, or only for its ``device``.

        The recipient's device is reached via the application's device.
        """
        self.target = RecipientTarget(recipient.recipient_id, device)
        self._attr_unique_id = recipient_unique_id(
            entry.entry_id, recipient.recipient_id, device
        )
        self._attr_device_info = _device_info(
            recipient_identifier(entry.entry_id, recipient.recipient_id),
            recipient.name,
            MODEL_GROUP if recipient.is_group else MODEL_USER,
        )
        self._attr_device_info["via_device_id"] = application_device_id
        if device:
            self._attr_translation_key = "device"
            self._attr_translation_placeholders = {"device": device}
        else:
            self._attr_name = None
