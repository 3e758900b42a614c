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
from tests.conftest import demo_entry, send_emergency
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


async def test_the_last_alert_and_send_are_shown_again_after_a_restart(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    last = "2026-12-06T21:00:00.000+00:00"
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(ALERTS, last, {"event_type": "acknowledged"}),
                {
                    "last_event_type": "acknowledged",
                    "last_event_attributes": {"title": "Leak"},
                },
            ),
            (State("notify.pushover", last), {}),
        ],
    )
    # As at Home Assistant's start, not a reload while it runs.
    hass.set_state(CoreState.starting)
    entry = demo_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    state = hass.states.get(ALERTS)
    assert state is not None
    assert state.state == last
    assert state.attributes["title"] == "Leak"
    sent = hass.states.get("notify.pushover")
    assert sent is not None
    assert sent.state == last
