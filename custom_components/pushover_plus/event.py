"""The "Emergency alerts" event entity of Pushover Plus."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventExtraStoredData
from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import PushoverPlusConfigEntry
from .entity import ApplicationEntity
from .receipts import EVENT_ACKNOWLEDGED, EVENT_EXPIRED, signal_receipt_settled

PARALLEL_UPDATES = 0

EVENT_TYPES = {EVENT_ACKNOWLEDGED: "acknowledged", EVENT_EXPIRED: "expired"}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's emergency alerts entity."""
    async_add_entities([EmergencyAlertsEvent(entry)])


class EmergencyAlertsEvent(ApplicationEntity, EventEntity):
    """Fires when an emergency message is acknowledged or expires."""

    _attr_translation_key = "emergency_alerts"

    def __init__(self, entry: PushoverPlusConfigEntry) -> None:
        """Report the receipts of ``entry``."""
        super().__init__(entry, "emergency_alerts")
        self._entry = entry
        self._attr_event_types = list(EVENT_TYPES.values())

    async def async_added_to_hass(self) -> None:
        """Listen to the entry's receipt tracker."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_receipt_settled(self._entry.entry_id),
                self._async_event,
            )
        )

    async def async_get_last_event_data(self) -> EventExtraStoredData | None:
        """Show the last alert again after a restart, not after a reload.

        A reload while Home Assistant runs would record the restored alert as
        a new state, and the activity log would show it as new.
        """
        if self.hass.state is CoreState.running:
            return None
        return await super().async_get_last_event_data()

    @callback
    def _async_event(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(EVENT_TYPES[event_type], data)
        self.async_write_ha_state()
