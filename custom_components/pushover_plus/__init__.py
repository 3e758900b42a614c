"""The Pushover Plus integration."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

type PushoverPlusConfigEntry = ConfigEntry[None]


async def async_setup_entry(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> bool:
    """Set up Pushover Plus from a config entry."""
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> bool:
    """Unload a config entry."""
    return True
