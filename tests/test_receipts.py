"""Emergency alerts end to end: receipts, events, cancel, webhook, blueprint."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
import shutil
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_plus.const import CONF_ACK_WEBHOOK, DOMAIN
from custom_components.pushover_plus.receipts import (
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
    poll_interval,
)
from sandbox.seed import DEMO_GROUP, DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, send_emergency

ROOT = Path(__file__).resolve().parent.parent
BY_DEVICE = "{{ wait.trigger.event.data.acknowledged_by_device }}"


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def test_polls_back_off_as_an_alert_ages() -> None:
    assert poll_interval(timedelta(seconds=10)) == timedelta(seconds=5)
    assert poll_interval(timedelta(minutes=5)) == timedelta(seconds=15)
    assert poll_interval(timedelta(minutes=30)) == timedelta(seconds=30)
    assert poll_interval(timedelta(hours=2)) == timedelta(seconds=60)


async def test_acknowledgement_fires_an_event(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass, tags=["kitchen", "smoke"])
    assert receipt in loaded_entry.runtime_data.receipts.receipts

    # Nothing yet: polls go out every 5 s and find it unacknowledged.
    await _tick(hass, freezer, 6)
    assert events == []
    polls = [r for r in pushover_sandbox.state.requests if "receipts/" in r.path]
    assert len(polls) == 1

    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER, device="phone")
    await _tick(hass, freezer, 6)
    [event] = events
    assert event.data == {
        "entry_id": loaded_entry.entry_id,
        "receipt": receipt,
        "tags": ["kitchen", "smoke"],
        "title": "Smoke",
        "recipients": ["Pushover"],
        "acknowledged_by": "Pushover",
        "acknowledged_by_device": "phone",
        "acknowledged_at": event.data["acknowledged_at"],
        "entity_id": "event.pushover_emergency_alerts",
    }
    assert event.data["acknowledged_at"]
    assert receipt not in loaded_entry.runtime_data.receipts.receipts

    state = hass.states.get("event.pushover_emergency_alerts")
    assert state is not None
    assert state.attributes["event_type"] == "acknowledged"
    assert state.attributes["receipt"] == receipt

    # Settled receipts are not polled again.
    await _tick(hass, freezer, 60)
    polls = [r for r in pushover_sandbox.state.requests if "receipts/" in r.path]
    assert len(polls) == 2


async def test_expiry_fires_an_event(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = async_capture_events(hass, EVENT_EXPIRED)
    receipt = await send_emergency(hass)
    pushover_sandbox.controls.expire(receipt)
    await _tick(hass, freezer, 6)
    [event] = events
    assert event.data["receipt"] == receipt
    assert event.data["expired_at"]
    state = hass.states.get("event.pushover_emergency_alerts")
    assert state is not None
    assert state.attributes["event_type"] == "expired"


async def test_receipts_survive_a_reload(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.receipts.{loaded_entry.entry_id}"]["data"]
    assert [item["receipt"] for item in stored["receipts"]] == [receipt]
    assert DEMO_USER not in str(stored)

    await pushover_sandbox.controls.acknowledge(
        receipt, user=DEMO_USER, device="tablet"
    )
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await _tick(hass, freezer, 6)
    [event] = events
    assert event.data["acknowledged_by_device"] == "tablet"


async def test_odd_entries_of_the_receipts_store_are_left_out(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    key = f"{DOMAIN}.receipts.{loaded_entry.entry_id}"
    [kept] = hass_storage[key]["data"]["receipts"]
    hass_storage[key]["data"] = {
        "webhook_id": 7,
        "receipts": [
            kept | {"unknown": "from a later version"},
            {"receipt": 1},
            kept | {"receipt": "s" * 30, "sent_at": "yesterday"},
            "junk",
        ],
    }
    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER)

    assert await hass.config_entries.async_setup(loaded_entry.entry_id)

    assert "3 unreadable emergency receipts of Pushover" in caplog.text
    assert list(loaded_entry.runtime_data.receipts.receipts) == [receipt]
    await _tick(hass, freezer, 6)
    assert [event.data["receipt"] for event in events] == [receipt]


@pytest.mark.parametrize(
    ("truncated", "recovered"),
    [(True, 1), (False, 0)],
    ids=["truncated", "garbage"],
)
async def test_a_damaged_receipts_file_keeps_what_can_be_read(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    truncated: bool,
    recovered: int,
) -> None:
    key = f"{DOMAIN}.receipts.{config_entry.entry_id}"
    tracked = {
        "title": "Smoke",
        "tags": [],
        "recipients": ["Pushover"],
        "sent_at": "2026-01-01T00:00:00+00:00",
        "expires_at": "2026-01-01T00:10:00+00:00",
        # Not polled (at the sandbox, which does not know it) during the test.
        "next_poll": "2999-01-01T00:00:00+00:00",
    }
    whole = json.dumps(
        {
            "version": 1,
            "minor_version": 1,
            "key": key,
            "data": {
                "webhook_id": "w" * 64,
                "receipts": [
                    tracked | {"receipt": "k" * 30},
                    tracked | {"receipt": "c" * 30, "title": "cut off"},
                ],
            },
        },
        indent=4,
    )
    damaged = whole[: whole.index("cut off")] if truncated else "\x00" * 64
    path = Path(hass.config.path(".storage", key))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(damaged)

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)

    receipts = config_entry.runtime_data.receipts.receipts
    assert list(receipts) == ["k" * 30][:recovered]
    assert f"was damaged: {recovered} receipts were recovered" in caplog.text
    [aside] = path.parent.glob(f"{path.name}.corrupt.*")
    assert aside.read_text() == damaged


async def test_polling_survives_failures_and_gives_up_on_unknown_receipts(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracker = loaded_entry.runtime_data.receipts
    receipt = await send_emergency(hass)
    pushover_sandbox.controls.add_fault("500", count=1, path="receipts/")
    await _tick(hass, freezer, 6)
    assert receipt in tracker.receipts

    # Pushover forgets receipts after a week; here it forgets it at once.
    pushover_sandbox.state.receipts.clear()
    await _tick(hass, freezer, 6)
    assert receipt not in tracker.receipts
    assert "no longer following it" in caplog.text


async def test_an_unanswered_receipt_is_given_up_after_it_expired(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracker = loaded_entry.runtime_data.receipts
    receipt = await send_emergency(hass)
    pushover_sandbox.controls.add_fault("500", count=1000, path="receipts/")
    for _ in range(70):
        await _tick(hass, freezer, 120)
    assert receipt not in tracker.receipts
    assert "Giving up on the receipt of Smoke" in caplog.text


@pytest.fixture
async def webhook_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> MockConfigEntry:
    """Return the demo entry with instant acknowledgements, set up for them."""
    assert await async_setup_component(hass, "http", {})
    entry = demo_entry(pushover_sandbox, options={CONF_ACK_WEBHOOK: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.fixture
async def webhook_client(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    webhook_entry: MockConfigEntry,
) -> TestClient:
    """Return a client of Home Assistant's HTTP server, made its external URL.

    The entry is reloaded to open its webhook there: the sandbox then calls
    back Home Assistant itself, as Pushover would. (The server's routes are
    fixed once it runs, so the entry is first set up without the URL.)
    """
    client = await hass_client_no_auth()
    await hass.config.async_update(external_url=f"http://localhost:{client.port}")
    assert await hass.config_entries.async_reload(webhook_entry.entry_id)
    return client


async def _run_due(hass: HomeAssistant, seconds: float = 0) -> None:
    """Run what is due ``seconds`` from now, and what it started.

    The webhook tests leave the clock alone: Home Assistant's HTTP server
    logs each request's duration, which a frozen clock breaks.
    """
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()


#: The sandbox calls back http://localhost: the resolver offers ::1 first, which
#: the tests' sockets refuse, then 127.0.0.1, which answers.
CALLS_BACK_LOCALHOST = pytest.mark.filterwarnings(
    # (A colon would end the message in the filter: "::1" is written \W\W1.)
    r'ignore:A test tried to use socket\.socket\.connect\(\) with host "\W\W1"'
)


def _receipt_polls(sandbox: SandboxServer) -> int:
    return sum(1 for request in sandbox.state.requests if "receipts/" in request.path)


def _webhook_path(sandbox: SandboxServer) -> str:
    """Return the path of the callback URL the first message carried."""
    callback = sandbox.state.messages[0].fields["callback"]
    assert callback.startswith("http://localhost:")
    return "/" + callback.split("/", 3)[3]


async def _post(client: TestClient, path: str, form: dict[str, str]) -> None:
    """POST a form to the webhook; it always answers 200, with nothing to learn."""
    response = await client.post(path, data=form)
    assert response.status == 200
    assert await response.text() == ""


@CALLS_BACK_LOCALHOST
async def test_webhook_acknowledges_at_once_what_pushover_confirms(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    webhook_entry: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)

    # Pushover calls back; the event stands on what the poll then answers.
    await pushover_sandbox.controls.acknowledge(
        receipt, user=DEMO_USER, device="desktop"
    )
    await _run_due(hass)
    [attempt] = pushover_sandbox.state.callbacks
    assert attempt.status == 200
    assert _receipt_polls(pushover_sandbox) == 1
    [event] = events
    settled = pushover_sandbox.state.receipts[receipt]
    assert event.data["acknowledged_by"] == "Pushover"
    assert event.data["acknowledged_by_device"] == "desktop"
    assert event.data["acknowledged_at"] == (
        dt_util.utc_from_timestamp(settled.acknowledged_at or 0).isoformat()
    )
    assert receipt not in webhook_entry.runtime_data.receipts.receipts

    # The same report again changes nothing: the receipt is settled.
    await _post(webhook_client, _webhook_path(pushover_sandbox), attempt.form)
    await _run_due(hass)
    assert len(events) == 1
    assert _receipt_polls(pushover_sandbox) == 1


@CALLS_BACK_LOCALHOST
async def test_a_forged_acknowledgement_fires_nothing(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    webhook_entry: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    path = _webhook_path(pushover_sandbox)
    forged = {
        "receipt": receipt,
        "acknowledged": "1",
        "acknowledged_at": "1795514400",
        "acknowledged_by": DEMO_USER,
        "acknowledged_by_device": "desktop",
    }

    # Someone who learnt the URL and the receipt: Pushover says otherwise. A
    # second report so soon waits for the 5 seconds between two polls.
    await _post(webhook_client, path, forged)
    await _run_due(hass)
    await _post(webhook_client, path, forged)
    await _run_due(hass)
    assert _receipt_polls(pushover_sandbox) == 1
    assert events == []
    assert receipt in webhook_entry.runtime_data.receipts.receipts

    # Neither a receipt this entry did not send, nor a report that it was not
    # acknowledged, nor a GET, asks Pushover anything.
    await _post(webhook_client, path, forged | {"receipt": "x" * 30})
    await _post(webhook_client, path, forged | {"acknowledged": "0"})
    response = await webhook_client.get(path, params=forged)
    assert response.status == 405
    await _run_due(hass)
    assert _receipt_polls(pushover_sandbox) == 1
    assert events == []

    # The receipt is still followed: a real acknowledgement is found later.
    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER)
    await _run_due(hass, 6)
    [event] = events
    assert event.data["acknowledged_by_device"] == "phone"

    assert await hass.config_entries.async_unload(webhook_entry.entry_id)
    await _post(webhook_client, path, forged)
    await _run_due(hass)
    assert len(events) == 1


@CALLS_BACK_LOCALHOST
async def test_a_failed_confirmation_leaves_the_receipt_to_polling(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    webhook_entry: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    pushover_sandbox.controls.add_fault("500", count=1, path="receipts/")

    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER)
    await _run_due(hass)
    assert pushover_sandbox.state.callbacks[0].status == 200
    assert _receipt_polls(pushover_sandbox) == 1
    assert events == []
    assert receipt in webhook_entry.runtime_data.receipts.receipts

    await _run_due(hass, 6)
    [event] = events
    assert event.data["receipt"] == receipt


@CALLS_BACK_LOCALHOST
async def test_a_report_during_a_poll_fires_once(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    webhook_entry: MockConfigEntry,
    webhook_client: TestClient,
) -> None:
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    pushover_sandbox.controls.add_fault("slow", count=1, path="receipts/", delay=0.3)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))
    await asyncio.sleep(0.1)  # the scheduled poll is on its way, and slow

    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER)
    await _run_due(hass)
    # One poll at a time: the report waited for the slow poll, which answered
    # after the acknowledgement; a second poll beside it would fire twice.
    assert _receipt_polls(pushover_sandbox) == 1
    [event] = events
    assert event.data["receipt"] == receipt


async def test_webhook_needs_an_external_url(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = demo_entry(pushover_sandbox, options={CONF_ACK_WEBHOOK: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await send_emergency(hass)
    [record] = pushover_sandbox.state.messages
    assert "callback" not in record.fields
    assert "external URL" in caplog.text


async def test_blueprint_runs_the_acknowledged_branch(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "pushover_plus"
    target.mkdir(parents=True)
    shutil.copy(
        ROOT / "blueprints/automation/pushover_plus/emergency_alert.yaml", target
    )
    acknowledged = async_capture_events(hass, "test_acknowledged")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "pushover_plus/emergency_alert.yaml",
                    "input": {
                        "alert_trigger": [
                            {"trigger": "event", "event_type": "smoke_detected"}
                        ],
                        "notify_entity": "notify.pushover_phone",
                        "message": "Smoke!",
                        "on_acknowledged": [
                            {
                                "event": "test_acknowledged",
                                "event_data": {"by": BY_DEVICE},
                            }
                        ],
                        "on_expired": [{"event": "test_expired"}],
                    },
                }
            }
        },
    )
    hass.bus.async_fire("smoke_detected")
    # The automation now waits for the receipt's fate: wait until the receipt
    # is followed (time stands still here, so yield instead of sleeping).
    tracker = loaded_entry.runtime_data.receipts
    for _ in range(200_000):
        if tracker.receipts:
            break
        await asyncio.sleep(0)
    assert tracker.receipts, "the automation's message never got its receipt"
    [record] = pushover_sandbox.state.messages
    assert record.fields["priority"] == "2"
    assert record.fields["device"] == "phone"
    assert record.receipt is not None

    await pushover_sandbox.controls.acknowledge(
        record.receipt, user=DEMO_USER, device="phone"
    )
    await _tick(hass, freezer, 6)
    [event] = acknowledged
    assert event.data == {"by": "phone"}


async def test_each_receipt_is_polled_on_its_own_schedule(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await send_emergency(hass)
    await _tick(hass, freezer, 3)
    await send_emergency(hass)
    await _tick(hass, freezer, 3)
    # Only the first was due.
    polls = [r for r in pushover_sandbox.state.requests if "receipts/" in r.path]
    assert len(polls) == 1


async def test_acknowledged_by_someone_else_in_a_group(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = demo_entry(pushover_sandbox, user_key=DEMO_GROUP)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    await pushover_sandbox.controls.acknowledge(
        receipt, user=OTHER_USER, device="pixel"
    )
    await _tick(hass, freezer, 6)
    [event] = events
    # A member's key is never put on the bus.
    assert event.data["acknowledged_by"] == "unknown"
    assert event.data["recipients"] == ["Pushover"]
