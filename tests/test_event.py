"""The "Emergency alerts" event entity: its shape, and what fires it."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from sandbox.seed import DEMO_USER
from sandbox.server import SandboxServer
from tests.conftest import send_emergency
from tests.outbox_helpers import advance

ALERTS = "event.pushover_emergency_alerts"


@pytest.mark.parametrize("platforms", [[Platform.EVENT]])
async def test_event_entity(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    pinned_entry: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, pinned_entry.entry_id)


async def test_an_acknowledgement_and_an_expiry_fire_the_entity(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    pinned_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    state = hass.states.get(ALERTS)
    assert state is not None
    assert state.attributes["event_types"] == ["acknowledged", "expired"]

    receipt = await send_emergency(hass, tags=["leak"])
    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER, device="phone")
    await advance(hass, freezer, 5)
    state = hass.states.get(ALERTS)
    assert state is not None
    assert state.attributes["event_type"] == "acknowledged"
    assert state.attributes["receipt"] == receipt
    assert state.attributes["tags"] == ["leak"]
    assert state.attributes["acknowledged_by"] == "Pushover"
    assert state.attributes["acknowledged_by_device"] == "phone"
    acknowledged_at = state.state

    receipt = await send_emergency(hass)
    pushover_sandbox.controls.expire(receipt)
    await advance(hass, freezer, 6)
    state = hass.states.get(ALERTS)
    assert state is not None
    assert state.attributes["event_type"] == "expired"
    assert state.state != acknowledged_at
