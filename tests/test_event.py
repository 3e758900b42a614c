"""The "Emergency alerts" event entity: its shape, and what fires it."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import CoreState, HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
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


async def test_after_a_restart_the_last_alert_is_shown_again(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """A restart restores it (a reload does not: test_init.py)."""
    when = "2026-12-07T12:00:00.000+00:00"
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(ALERTS, when),
                {
                    "last_event_type": "acknowledged",
                    "last_event_attributes": {"title": "Leak"},
                },
            )
        ],
    )
    hass.set_state(CoreState.starting)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(ALERTS)
    assert state is not None
    assert state.state == when
    assert (state.attributes["event_type"], state.attributes["title"]) == (
        "acknowledged",
        "Leak",
    )
