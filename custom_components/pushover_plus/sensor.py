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
from .coordinator import PushoverCoordinator
from .data import PushoverPlusConfigEntry
from .entity import ApplicationEntity
from .outbox import Outbox
from .outbox_queue import signal_outbox_changed

PARALLEL_UPDATES = 0

OUTBOX_OBJECT_ID = "Messages waiting"


@dataclass(frozen=True, kw_only=True)
class QuotaSensorDescription(SensorEntityDescription):
    """A figure of the Pushover account's monthly quota.

    ``object_id`` is the name entity IDs were made from before the names were
    shortened; it keeps the IDs of new installations the same as before.
    """

    object_id: str
    value_fn: Callable[[Quota], int | datetime]


QUOTA_SENSORS = (
    QuotaSensorDescription(
        key="monthly_limit",
        translation_key="monthly_limit",
        object_id="Monthly message limit",
        entity_category=EntityCategory.DIAGNOSTIC,
        native_unit_of_measurement="messages",
        value_fn=lambda quota: quota.limit,
    ),
    QuotaSensorDescription(
        key="messages_remaining",
        translation_key="messages_remaining",
        object_id="Messages remaining",
        native_unit_of_measurement="messages",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda quota: quota.remaining,
    ),
    QuotaSensorDescription(
        key="quota_reset",
        translation_key="quota_reset",
        object_id="Quota reset",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda quota: quota.reset,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the quota sensors and the outbox length to the application's device."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            *(
                QuotaSensor(entry, runtime.coordinator, description)
                for description in QUOTA_SENSORS
            ),
            OutboxSensor(entry, runtime.outbox),
        ]
    )


class OutboxSensor(ApplicationEntity, SensorEntity):
    """How many messages wait in the outbox for Pushover to be reachable."""

    _attr_translation_key = "outbox"
    _attr_native_unit_of_measurement = "messages"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, entry: PushoverPlusConfigEntry, outbox: Outbox) -> None:
        """Count ``outbox``, the outbox of ``entry``."""
        super().__init__(entry, "outbox")
        self._outbox = outbox
        self._entry_id = entry.entry_id

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


class QuotaSensor(
    CoordinatorEntity[PushoverCoordinator], ApplicationEntity, SensorEntity
):
    """One figure of the quota."""

    entity_description: QuotaSensorDescription

    def __init__(
        self,
        entry: PushoverPlusConfigEntry,
        coordinator: PushoverCoordinator,
        description: QuotaSensorDescription,
    ) -> None:
        """Show ``description``'s figure of the quota ``coordinator`` holds."""
        CoordinatorEntity.__init__(self, coordinator)
        ApplicationEntity.__init__(self, entry, description.key)
        self.entity_description = description

    @property
    def suggested_object_id(self) -> str:
        """Keep the entity ID the earlier, longer name gave."""
        return self.entity_description.object_id

    @property
    def available(self) -> bool:
        """Return whether the quota is known: not while Pushover was never asked."""
        return super().available and self.coordinator.data.quota is not None

    @property
    def native_value(self) -> int | datetime | None:
        """Return the figure."""
        quota = self.coordinator.data.quota
        return None if quota is None else self.entity_description.value_fn(quota)
