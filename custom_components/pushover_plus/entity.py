"""Device registry entries shared by the Pushover Plus platforms.

The entry is a Pushover application: its service device holds the quota,
outbox and emergency-alert entities. Each recipient (a user or delivery group
key, one config subentry each) is a service device of its own, reached through
the application's.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN
from .data import PushoverPlusConfigEntry, Recipient

PUSHOVER_URL = "https://pushover.net/"
#: The device page shows "<model> by Pushover".
MODEL_APPLICATION = "Application"
MODEL_USER = "User account"
MODEL_GROUP = "Delivery group"


def _application_identifier(entry: PushoverPlusConfigEntry) -> tuple[str, str]:
    return (DOMAIN, f"{entry.entry_id}_application")


def application_device_info(entry: PushoverPlusConfigEntry) -> DeviceInfo:
    """Describe the service device that stands for the entry's application."""
    return DeviceInfo(
        identifiers={_application_identifier(entry)},
        name=entry.title,
        manufacturer="Pushover",
        model=MODEL_APPLICATION,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=PUSHOVER_URL,
    )


def recipient_device_info(
    entry: PushoverPlusConfigEntry, recipient: Recipient
) -> DeviceInfo:
    """Describe the service device that stands for one recipient."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{recipient.recipient_id}")},
        name=recipient.name,
        manufacturer="Pushover",
        model=MODEL_GROUP if recipient.is_group else MODEL_USER,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=PUSHOVER_URL,
    )


@callback
def async_register_devices(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    recipients: Iterable[Recipient],
) -> None:
    """Register the application's device and, through it, the recipients'."""
    registry = dr.async_get(hass)
    application = registry.async_get_or_create(
        config_entry_id=entry.entry_id, **application_device_info(entry)
    )
    for recipient in recipients:
        info = recipient_device_info(entry, recipient)
        info["via_device_id"] = application.id
        registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            config_subentry_id=recipient.subentry_id,
            **info,
        )
