"""An outage, calmly: one warning, one line when it is over, and no waiting longer
than needed once Pushover answers again (a probe, and a button)."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.pushover_plus as integration
from sandbox.server import SandboxServer
from tests.outbox_helpers import TEST_TIMEOUT, advance, send, setup_entry, texts

pytestmark = pytest.mark.freeze_time(tick=True)
OURS = "custom_components.pushover_plus"


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a hanging request time out quickly."""
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)


def _lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == level and record.name.startswith(OURS)
    ]


async def test_an_outage_of_a_thousand_messages_takes_two_lines(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    caplog.set_level(logging.INFO, logger=OURS)
    caplog.clear()
    pushover_sandbox.controls.add_fault("500", count=100_000)
    for index in range(1000):
        assert (await send(hass, f"m{index}"))["status"] == "queued"
    # A minute and a half, as the clock goes: attempts back off, probes go on.
    for _ in range(18):
        await advance(hass, freezer, 5)
    assert entry.runtime_data.outbox.size == 1000

    pushover_sandbox.controls.clear_faults()
    for _ in range(2):
        await advance(hass, freezer, 5)
    assert entry.runtime_data.outbox.size == 0
    assert len(texts(pushover_sandbox)) == 1000

    [warning] = _lines(caplog, logging.WARNING)
    assert "wait in the outbox" in warning
    assert "HTTP 500" in warning
    [info] = _lines(caplog, logging.INFO)
    assert "1000 waiting message(s) delivered after" in info
    assert _lines(caplog, logging.ERROR) == []


async def test_waiting_messages_go_within_seconds_of_pushover_answering(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    await send(hass, "while down")
    # Five failed attempts in 75 s, as the clock goes: the next is 80 s away.
    for _ in range(15):
        await advance(hass, freezer, 5)
    assert texts(pushover_sandbox) == []

    pushover_sandbox.controls.clear_faults()
    pushover_sandbox.controls.clear_requests()
    await advance(hass, freezer, 5)
    await advance(hass, freezer, 5)
    assert texts(pushover_sandbox) == ["while down"]
    assert entry.runtime_data.outbox.size == 0
    # Asked with a request that costs no message, then sent once.
    paths = [request.path for request in pushover_sandbox.state.requests]
    assert paths.index("/1/apps/limits.json") < paths.index("/1/messages.json")
    assert paths.count("/1/messages.json") == 1


async def test_while_pushover_answers_but_refuses_sends_the_back_off_holds(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=100, path="messages.json")
    await send(hass, "refused")
    pushover_sandbox.controls.clear_requests()
    for _ in range(12):
        await advance(hass, freezer, 5)
    # Attempts at 5, 10 and 20 s after the last: no attempt every 5 s.
    sends = [
        request.path
        for request in pushover_sandbox.state.requests
        if request.path.endswith("messages.json")
    ]
    assert len(sends) == 3


async def _one_waiting(
    hass: HomeAssistant, sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Queue "waiting" while Pushover fails, a few tries; then it answers again."""
    entry = await setup_entry(hass, sandbox)
    sandbox.controls.add_fault("500", count=100, path="messages.json")
    await send(hass, "waiting")
    for seconds in (5, 10, 20):
        await advance(hass, freezer, seconds)
    sandbox.controls.clear_faults()
    return entry


async def test_the_button_sends_what_waits_now(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await _one_waiting(hass, pushover_sandbox, freezer)
    await _press_send_now(hass)
    assert texts(pushover_sandbox) == ["waiting"]
    assert entry.runtime_data.outbox.size == 0
    # Nothing waiting: pressing does nothing.
    await _press_send_now(hass)
    assert texts(pushover_sandbox) == ["waiting"]


async def test_pressed_again_while_it_sends_it_sends_once(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await _one_waiting(hass, pushover_sandbox, freezer)
    pushover_sandbox.controls.add_fault(
        "slow", count=1, delay=0.5, path="messages.json"
    )
    await _press_send_now(hass, wait=False)
    # The run under way sends it: the second press starts no other.
    await _press_send_now(hass)
    assert texts(pushover_sandbox) == ["waiting"]
    assert entry.runtime_data.outbox.size == 0


async def _press_send_now(hass: HomeAssistant, *, wait: bool = True) -> None:
    """Press the button; with ``wait``, until what it started is done."""
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.pushover_send_waiting_messages_now"},
        blocking=True,
    )
    if wait:
        await hass.async_block_till_done(wait_background_tasks=True)
