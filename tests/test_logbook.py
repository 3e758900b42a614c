"""The logbook says who acknowledged an emergency message, or that none did."""

from __future__ import annotations

from datetime import datetime, timedelta
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

ALERTS_ENTITY = "event.pushover_emergency_alerts"


@pytest.fixture
def mock_recorder_before_hass(
    async_test_recorder: RecorderInstanceContextManager,
) -> None:
    """The logbook reads what the recorder wrote: it starts before hass."""


async def _setup_with_logbook(hass: HomeAssistant, sandbox: SandboxServer) -> datetime:
    """Set up the logbook and the demo entry; return a time just before."""
    start = dt_util.utcnow() - timedelta(seconds=1)
    assert await async_setup_component(hass, "logbook", {})
    entry = demo_entry(sandbox)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return start


async def _rows_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    start: datetime,
    entity_ids: list[str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Let 6 s pass; return the logbook's answer since ``start``, and our rows.

    With ``entity_ids``, the answer is those entities' activity only (as their
    more-info dialog shows it).
    """
    freezer.tick(timedelta(seconds=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": start.isoformat(),
            "end_time": (dt_util.utcnow() + timedelta(seconds=1)).isoformat(),
            **({"entity_ids": entity_ids} if entity_ids else {}),
        }
    )
    answer: dict[str, Any] = await client.receive_json()
    assert answer["success"]
    return answer, [row for row in answer["result"] if row.get("domain") == DOMAIN]


@pytest.mark.usefixtures("recorder_mock")
async def test_logbook_names_who_acknowledged(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    start = await _setup_with_logbook(hass, pushover_sandbox)

    acknowledged = await send_emergency(hass, title="Leak")
    expired = await send_emergency(hass, title=None)
    await pushover_sandbox.controls.acknowledge(
        acknowledged, user=DEMO_USER, device="phone"
    )
    pushover_sandbox.controls.expire(expired)
    # The Emergency alerts entity's own activity has them.
    answer, ours = await _rows_after(
        hass, freezer, hass_ws_client, start, [ALERTS_ENTITY]
    )
    assert [(row["name"], row["message"]) for row in ours] == [
        ("Emergency message", '"Leak" acknowledged by Pushover on phone'),
        ("Emergency message", "expired without being acknowledged"),
    ]
    # Shown with the entry's event entity, and never with a key.
    assert {row["entity_id"] for row in ours} == {ALERTS_ENTITY}
    assert DEMO_USER not in str(answer["result"])


def test_an_acknowledgement_without_a_device_names_only_who() -> None:
    # A receipt may name no device (an empty acknowledged_by_device).
    assert acknowledgement_text({"acknowledged_by": "Alex"}) == "acknowledged by Alex"


@pytest.mark.usefixtures("recorder_mock")
async def test_logbook_says_queued_then_delivered(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    start = await _setup_with_logbook(hass, pushover_sandbox)

    pushover_sandbox.controls.add_fault("500", count=1, path="messages.json")
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.pushover", "message": "Open", "title": "Door"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["notify.pushover"]["status"] == "queued"  # type: ignore[index]
    # Not recorded as sent while it waits.
    state = hass.states.get("notify.pushover")
    assert state is not None
    assert state.state == "unknown"
    _, ours = await _rows_after(hass, freezer, hass_ws_client, start)
    assert [(row["message"], row["entity_id"]) for row in ours] == [
        (
            '"Door" queued (Pushover failed with HTTP 500; try again later.)',
            "notify.pushover",
        ),
        ('"Door" delivered from the outbox', "notify.pushover"),
    ]


@pytest.mark.usefixtures("recorder_mock")
async def test_logbook_says_a_repeat_was_not_sent(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    start = await _setup_with_logbook(hass, pushover_sandbox)
    for _ in range(2):
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "Open", "title": "Door", "data": {"suppress_repeats": 60}},
            blocking=True,
        )
    _, ours = await _rows_after(hass, freezer, hass_ws_client, start)
    first = dt_util.as_local(start + timedelta(seconds=1)).strftime("%H:%M")
    assert [(row["message"], row["entity_id"]) for row in ours] == [
        (f'"Door" not sent again: the same went out at {first}', "notify.pushover")
    ]
