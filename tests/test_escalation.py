"""The escalation blueprint in Home Assistant, against the sandbox, clock moved on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
import yaml

from custom_components.pushover_plus.const import CONF_OUTBOX
from sandbox.model import MessageRecord
from sandbox.seed import DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, recipient
from tests.outbox_helpers import message_requests

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINT = "pushover_plus/emergency_escalation.yaml"
#: The recipients in the order they are alerted: a device of the demo user,
#: Alex, then the demo user's tablet.
CHAIN = ["notify.pushover_phone", "notify.alex", "notify.pushover_tablet"]
MINUTES = 5
#: What the acknowledgement actions get: who acknowledged, on which device.
BY = "{{ acknowledgement.acknowledged_by }}"
ON = "{{ acknowledgement.acknowledged_by_device }}"


@pytest.fixture
async def entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, tmp_path: Path
) -> MockConfigEntry:
    """Set up an entry for the demo user and Alex, and the blueprint's folder."""
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "pushover_plus"
    target.mkdir(parents=True)
    shutil.copy(ROOT / "blueprints" / "automation" / BLUEPRINT, target)
    return entry


async def _automate(hass: HomeAssistant, **inputs: Any) -> None:
    """Set up the blueprint, its actions firing test_acknowledged/test_nobody."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": BLUEPRINT,
                    "input": {
                        "alert_trigger": [
                            {"trigger": "event", "event_type": "water_leak"}
                        ],
                        "recipients": CHAIN,
                        "escalate_after": MINUTES,
                        "title": "Leak",
                        "message": "Water in the basement",
                        "on_acknowledged": [
                            {
                                "event": "test_acknowledged",
                                "event_data": {"by": BY, "device": ON},
                            }
                        ],
                        "on_unacknowledged": [{"event": "test_nobody"}],
                        **inputs,
                    },
                }
            }
        },
    )


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Yield to the automation until ``condition`` holds.

    The automation waits with a timeout while the clock stands still, so Home
    Assistant is never idle: the test yields instead of waiting for it.
    """
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


async def _quiet() -> None:
    """Yield long enough for anything due to have reached the sandbox."""
    for _ in range(500):
        await asyncio.sleep(0)


async def _later(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Move the clock on and fire what falls due: escalations, receipt polls."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await _quiet()


async def _alerts(
    sandbox: SandboxServer, entry: MockConfigEntry, count: int
) -> list[MessageRecord]:
    """Return the alerts sent, once there are ``count`` and the last is followed.

    Followed, its request is over: moving the clock on while it is on its way
    would time it out.
    """
    tracked = entry.runtime_data.receipts.receipts
    await _until(
        lambda: (
            len(sandbox.state.messages) >= count
            and sandbox.state.messages[-1].receipt in tracked
        ),
        f"{count} alerts",
    )
    messages = sandbox.state.messages
    assert len(messages) == count, [message.user for message in messages]
    return messages


async def _escalate_once(
    hass: HomeAssistant,
    sandbox: SandboxServer,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> tuple[MessageRecord, MessageRecord]:
    """Raise the alert and let the first recipient's minutes pass: two alerts."""
    hass.bus.async_fire("water_leak")
    await _alerts(sandbox, entry, 1)
    await _later(hass, freezer, MINUTES * 60)
    first, second = await _alerts(sandbox, entry, 2)
    return first, second


async def _acknowledge(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sandbox: SandboxServer,
    record: MessageRecord,
    acknowledged: list[Event],
    **who: str,
) -> Event:
    """Acknowledge an alert at the sandbox; return the actions' event once fired."""
    assert record.receipt is not None
    await sandbox.controls.acknowledge(record.receipt, **who)
    await _later(hass, freezer, 30)  # the receipt is polled
    await _until(lambda: len(acknowledged) == 1, "the acknowledgement actions")
    return acknowledged[0]


def _active(sandbox: SandboxServer, record: MessageRecord) -> bool:
    """Return whether the sandbox still repeats an alert."""
    assert record.receipt is not None
    return sandbox.state.receipts[record.receipt].active(sandbox.clock())


async def test_nobody_acknowledges_so_each_recipient_is_alerted_in_turn(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    nobody = async_capture_events(hass, "test_nobody")
    await _automate(hass)
    hass.bus.async_fire("water_leak")

    [first] = await _alerts(pushover_sandbox, entry, 1)
    assert (first.user, first.devices, first.priority) == (DEMO_USER, ["phone"], 2)
    await _later(hass, freezer, MINUTES * 60 - 30)
    assert len(pushover_sandbox.state.messages) == 1

    await _later(hass, freezer, 30)
    first, second = await _alerts(pushover_sandbox, entry, 2)
    assert second.user == OTHER_USER
    assert not _active(pushover_sandbox, first)  # cancelled before the next
    assert _active(pushover_sandbox, second)

    await _later(hass, freezer, MINUTES * 60)
    _, second, third = await _alerts(pushover_sandbox, entry, 3)
    assert (third.user, third.devices) == (DEMO_USER, ["tablet"])
    assert not _active(pushover_sandbox, second)
    assert nobody == []

    await _later(hass, freezer, MINUTES * 60)
    await _until(lambda: len(nobody) == 1, "the actions for nobody")
    assert not _active(pushover_sandbox, third)  # the last one too
    await _later(hass, freezer, 3 * MINUTES * 60)
    assert len(pushover_sandbox.state.messages) == 3
    assert len(nobody) == 1


async def test_an_acknowledgement_ends_the_chain(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    acknowledged = async_capture_events(hass, "test_acknowledged")
    nobody = async_capture_events(hass, "test_nobody")
    await _automate(hass)
    _, second = await _escalate_once(hass, pushover_sandbox, entry, freezer)

    event = await _acknowledge(
        hass, freezer, pushover_sandbox, second, acknowledged, user=OTHER_USER
    )
    assert event.data == {"by": "Alex", "device": "pixel"}

    # Nothing more is sent, and the chain does not end twice.
    await _later(hass, freezer, 3 * MINUTES * 60)
    assert len(pushover_sandbox.state.messages) == 2
    assert len(acknowledged) == 1
    assert nobody == []


async def test_an_earlier_alert_still_repeating_can_end_the_chain(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    acknowledged = async_capture_events(hass, "test_acknowledged")
    await _automate(hass, cancel_unacknowledged=False)
    first, second = await _escalate_once(hass, pushover_sandbox, entry, freezer)
    assert _active(pushover_sandbox, first)  # not cancelled
    assert _active(pushover_sandbox, second)

    event = await _acknowledge(
        hass, freezer, pushover_sandbox, first, acknowledged, user=DEMO_USER
    )
    assert event.data == {"by": "Pushover", "device": "phone"}
    await _later(hass, freezer, 3 * MINUTES * 60)
    assert len(pushover_sandbox.state.messages) == 2
    assert _active(pushover_sandbox, second)  # left alone, as asked


async def test_a_recipient_that_cannot_be_alerted_does_not_stop_the_chain(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    # Pushover cannot be reached for the first alert, and with the outbox off
    # the action fails: Alex is alerted when the phone's minutes are up.
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_OUTBOX: False}
    )
    await hass.async_block_till_done()
    pushover_sandbox.controls.add_fault("500", count=1, path="messages")
    acknowledged = async_capture_events(hass, "test_acknowledged")
    await _automate(hass)
    hass.bus.async_fire("water_leak")
    await _until(
        lambda: any(
            r.response_status == 500 for r in message_requests(pushover_sandbox)
        ),
        "the first alert's failed request",
    )
    await _quiet()  # its answer is read before the clock moves
    await _later(hass, freezer, MINUTES * 60 - 30)
    assert pushover_sandbox.state.messages == []
    await _later(hass, freezer, 30)
    [second] = await _alerts(pushover_sandbox, entry, 1)
    assert second.user == OTHER_USER

    await _acknowledge(
        hass, freezer, pushover_sandbox, second, acknowledged, user=OTHER_USER
    )


async def test_the_readme_example_sets_up(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Escalation blueprint.**") :]
    start = section.index("```yaml\n") + len("```yaml\n")
    example = section[start : section.index("```", start)]
    assert await async_setup_component(hass, "automation", yaml.safe_load(example))
    state = hass.states.get("automation.water_leak_escalating")
    assert state is not None
    assert state.state == "on"
