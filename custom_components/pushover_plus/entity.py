"""Device registry entries shared by the Pushover Plus platforms."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN
from .data import PushoverPlusConfigEntry, Recipient


def recipient_device_info(
    entry: PushoverPlusConfigEntry, recipient: Recipient
) -> DeviceInfo:
    """Describe the service device that stands for one recipient."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{recipient.recipient_id}")},
        name=recipient.name,
        manufacturer="Pushover",
        model="Delivery group" if recipient.is_group else "User",
        entry_type=DeviceEntryType.SERVICE,
        configuration_url="https://pushover.net/",
    )
