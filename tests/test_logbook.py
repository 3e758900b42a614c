"""The logbook says who acknowledged an emergency message, or that none did."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    RecorderInstanceContextManager,
    WebSocketGenerator,
)

from custom_components.pushover_plus.const import DOMAIN
from custom_components.pushover_plus.logbook import acknowledgement_text
from sandbox.seed import DEMO_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, send_emergency


@pytest.fixture
def mock_recorder_before_hass(
    async_test_recorder: RecorderInstanceContextManager,
) -> None:
    """The logbook reads what the recorder wrote: it starts before hass."""


@pytest.mark.usefixtures("recorder_mock")
async def test_logbook_names_who_acknowledged(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    start = dt_util.utcnow()
    assert await async_setup_component(hass, "logbook", {})
    entry = demo_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    acknowledged = await send_emergency(hass, title="Leak")
    expired = await send_emergency(hass, title=None)
    await pushover_sandbox.controls.acknowledge(
        acknowledged, user=DEMO_USER, device="phone"
    )
    pushover_sandbox.controls.expire(expired)
    freezer.tick(timedelta(seconds=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": start.isoformat(),
            "end_time": (dt_util.utcnow() + timedelta(seconds=1)).isoformat(),
        }
    )
    answer = await client.receive_json()
    assert answer["success"]
    ours: list[dict[str, Any]] = [
        row for row in answer["result"] if row.get("domain") == DOMAIN
    ]
    assert [(row["name"], row["message"]) for row in ours] == [
        ("Emergency message", '"Leak" acknowledged by Pushover on phone'),
        ("Emergency message", "expired without being acknowledged"),
    ]
    # Shown with the entry's event entity, and never with a key.
    assert {row["entity_id"] for row in ours} == {"event.pushover_emergency_alerts"}
    assert DEMO_USER not in str(answer["result"])


def test_an_acknowledgement_without_a_device_names_only_who() -> None:
    # A receipt may name no device (an empty acknowledged_by_device).
    assert acknowledgement_text({"acknowledged_by": "Alex"}) == "acknowledged by Alex"
