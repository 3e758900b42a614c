"""Quota and outbox sensors of Pushover Plus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Quota
from .coordinator import QuotaCoordinator
from .data import PushoverPlusConfigEntry
from .entity import application_device_info
from .outbox import signal_outbox_changed

PARALLEL_UPDATES = 0

OUTBOX_OBJECT_ID = "Messages waiting"


@dataclass(frozen=True, kw_only=True)
class QuotaSensorDescription(SensorEntityDescription):
    """A figure of the Pushover account's monthly quota.

    ``object_id`` is the name entity IDs were made from before the names were
    shortened; it keeps the IDs of new installations the same as before.
    """

    object_id: str
    value: Callable[[Quota], int | datetime]


QUOTA_SENSORS = (
    QuotaSensorDescription(
        key="monthly_limit",
        translation_key="monthly_limit",
        object_id="Monthly message limit",
        entity_category=EntityCategory.DIAGNOSTIC,
        native_unit_of_measurement="messages",
        value=lambda quota: quota.limit,
    ),
    QuotaSensorDescription(
        key="messages_remaining",
        translation_key="messages_remaining",
        object_id="Messages remaining",
        native_unit_of_measurement="messages",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda quota: quota.remaining,
    ),
    QuotaSensorDescription(
        key="quota_reset",
        translation_key="quota_reset",
        object_id="Quota reset",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value=lambda quota: quota.reset,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the quota sensors and the outbox length to the application's device."""
    async_add_entities(
        [
            *(QuotaSensor(entry, description) for description in QUOTA_SENSORS),
            OutboxSensor(entry),
        ]
    )


class OutboxSensor(SensorEntity):
    """How many messages wait in the outbox for Pushover to be reachable."""

    _attr_has_entity_name = True
    _attr_translation_key = "outbox"
    _attr_should_poll = False
    _attr_native_unit_of_measurement = "messages"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, entry: PushoverPlusConfigEntry) -> None:
        """Count the outbox of ``entry``."""
        self._outbox = entry.runtime_data.outbox
        self._entry_id = entry.entry_id
        self._attr_unique_id = f"{entry.entry_id}_outbox"
        self._attr_device_info = application_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the outbox's size."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_outbox_changed(self._entry_id),
                self.async_write_ha_state,
            )
        )

    @property
    def suggested_object_id(self) -> str:
        """Keep the entity ID the earlier, longer name gave."""
        return OUTBOX_OBJECT_ID

    @property
    def native_value(self) -> int:
        """Return the number of waiting messages."""
        return self._outbox.size


class QuotaSensor(CoordinatorEntity[QuotaCoordinator], SensorEntity):
    """One figure of the quota."""

    _attr_has_entity_name = True
    entity_description: QuotaSensorDescription

    def __init__(
        self, entry: PushoverPlusConfigEntry, description: QuotaSensorDescription
    ) -> None:
        """Show ``description``'s figure of the entry's quota."""
        super().__init__(entry.runtime_data.quota)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = application_device_info(entry)

    @property
    def suggested_object_id(self) -> str:
        """Keep the entity ID the earlier, longer name gave."""
        return self.entity_description.object_id

    @property
    def native_value(self) -> int | datetime:
        """Return the figure."""
        return self.entity_description.value(self.coordinator.data)
