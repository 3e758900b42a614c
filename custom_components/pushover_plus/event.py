"""The event entities of Pushover Plus: emergency alerts, and actions pressed."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventExtraStoredData
from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .action_links import ActionLinks, signal_action, signal_event_types
from .data import PushoverPlusConfigEntry
from .entity import ApplicationEntity
from .receipts import (
    ALERTS_KEY,
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
    signal_receipt_settled,
)

PARALLEL_UPDATES = 0

EVENT_TYPES = {EVENT_ACKNOWLEDGED: "acknowledged", EVENT_EXPIRED: "expired"}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's emergency alerts and actions entities."""
    async_add_entities(
        [
            EmergencyAlertsEvent(entry),
            ActionsEvent(entry, entry.runtime_data.action_links),
        ]
    )


class EmergencyAlertsEvent(ApplicationEntity, EventEntity):
    """Fires when an emergency message is acknowledged or expires."""

    _attr_translation_key = "emergency_alerts"

    def __init__(self, entry: PushoverPlusConfigEntry) -> None:
        """Report the receipts of ``entry``."""
        super().__init__(entry, ALERTS_KEY)
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


class ActionsEvent(ApplicationEntity, EventEntity):
    """Fires when a button of a message's action page is pressed.

    Its event types are the action ids of the messages sent (the newest
    hundred), so that the automation editor's "Event received" trigger offers
    them to pick from; the attributes say who pressed what, with the reply.
    """

    _attr_translation_key = "actions"

    def __init__(self, entry: PushoverPlusConfigEntry, links: ActionLinks) -> None:
        """Report the presses on ``links``."""
        super().__init__(entry, "actions")
        self._entry = entry
        self._links = links
        self._attr_event_types = links.event_types

    async def async_added_to_hass(self) -> None:
        """Listen to the entry's action links."""
        entry_id = self._entry.entry_id
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_event_types(entry_id), self._async_new_types
            )
        )
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_action(entry_id), self._async_event
            )
        )

    @callback
    def _async_new_types(self) -> None:
        self._attr_event_types = self._links.event_types
        self.async_write_ha_state()

    @callback
    def _async_event(self, action: str, data: dict[str, Any]) -> None:
        self._attr_event_types = self._links.event_types
        self._trigger_event(action, data)
        self.async_write_ha_state()
