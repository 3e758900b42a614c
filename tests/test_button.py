"""The "Send waiting messages now" button: its shape (what it does is in
test_outbox_calm.py, with the outage it is for)."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion


@pytest.mark.parametrize("platforms", [[Platform.BUTTON]])
async def test_button_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    pinned_entry: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, pinned_entry.entry_id)
