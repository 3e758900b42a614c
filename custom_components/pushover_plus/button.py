"""The "Send waiting messages now" button of Pushover Plus."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import PushoverPlusConfigEntry
from .entity import ApplicationEntity
from .outbox import Outbox

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button to the application's device."""
    async_add_entities([SendNowButton(entry, entry.runtime_data.outbox)])


class SendNowButton(ApplicationEntity, ButtonEntity):
    """Tries the messages waiting in the outbox now, not at the next attempt."""

    _attr_translation_key = "send_now"

    def __init__(self, entry: PushoverPlusConfigEntry, outbox: Outbox) -> None:
        """Press to send what waits in ``outbox``."""
        super().__init__(entry, "send_now")
        self._outbox = outbox

    async def async_press(self) -> None:
        """Send what waits now."""
        self._outbox.async_send_now()
