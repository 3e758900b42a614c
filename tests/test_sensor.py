"""Quota sensors and the low-quota repair, following the sandbox's counters."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_plus.const import CONF_QUOTA_WARNING, DOMAIN
from custom_components.pushover_plus.coordinator import (
    QUOTA_SHOW_DELAY,
    REFRESH_INTERVAL,
)
from sandbox.seed import DEMO_TOKEN, OTHER_TOKEN, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.outbox_helpers import advance

REMAINING = "sensor.pushover_messages_remaining"
LIMIT = "sensor.pushover_monthly_message_limit"
RESET = "sensor.pushover_quota_reset"
WAITING = "sensor.pushover_messages_waiting"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def _send(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.pushover", "message": "Hi"},
        blocking=True,
    )


async def _show(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the figures of the last replies reach the sensors."""
    freezer.tick(timedelta(seconds=QUOTA_SHOW_DELAY))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def _refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(REFRESH_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    # Coordinators refresh in background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_sensors_follow_every_send(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    assert _state(hass, LIMIT) == "10000"
    assert _state(hass, REMAINING) == "10000"
    reset = dt_util.parse_datetime(_state(hass, RESET))
    assert reset is not None
    assert reset > dt_util.utcnow()

    await _send(hass)
    await _send(hass)
    # Shown together a little later, not written once per message.
    assert _state(hass, REMAINING) == "10000"
    await _show(hass, freezer)
    assert _state(hass, REMAINING) == "9998"
    await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_sensors_refresh_from_apps_limits(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    # Another sender used the same application.
    pushover_sandbox.controls.set_quota(4321, token=DEMO_TOKEN)
    await _refresh(hass, freezer)
    assert _state(hass, REMAINING) == "4321"

    pushover_sandbox.controls.add_fault("500", count=1)
    await _refresh(hass, freezer)
    assert _state(hass, REMAINING) == STATE_UNAVAILABLE


@pytest.mark.parametrize(
    ("fault", "asked_again_soon"),
    [
        # Pushover had trouble: asked again after the outbox's first wait (5 s).
        ("500", True),
        # Over the quota: asking again soon would not help; the next hour.
        ("429", False),
    ],
)
async def test_a_failed_refresh_is_retried_soon_only_when_that_can_help(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    fault: str,
    asked_again_soon: bool,
) -> None:
    pushover_sandbox.controls.add_fault(fault, count=1, path="apps/limits")
    await _refresh(hass, freezer)
    assert _state(hass, REMAINING) == STATE_UNAVAILABLE
    await advance(hass, freezer, 60)
    assert (_state(hass, REMAINING) == "10000") is asked_again_soon
    await _refresh(hass, freezer)
    assert _state(hass, REMAINING) == "10000"


async def test_refused_token_on_refresh_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    pushover_sandbox.state.seed.apps.clear()
    await _refresh(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_low_quota_raises_a_repair_until_the_reset(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
) -> None:
    entry = demo_entry(pushover_sandbox, options={CONF_QUOTA_WARNING: 100})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    issue_id = f"quota_low_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    pushover_sandbox.controls.set_quota(100, token=DEMO_TOKEN)
    await _send(hass)
    await _show(hass, freezer)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["remaining"] == "99"
    assert issue.translation_placeholders["limit"] == "10000"

    pushover_sandbox.controls.reset_quota(DEMO_TOKEN)
    await _refresh(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_outbox_sensor_counts_waiting_messages(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    waiting = WAITING
    assert _state(hass, waiting) == "0"
    pushover_sandbox.controls.add_fault("503_html", count=1)
    await _send(hass)
    assert _state(hass, waiting) == "1"
    assert pushover_sandbox.state.messages == []

    await advance(hass, freezer, 6)  # the first retry comes after 5 s
    assert _state(hass, waiting) == "0"
    assert len(pushover_sandbox.state.messages) == 1


def _friendly_names(hass: HomeAssistant) -> dict[str, str]:
    names = {}
    for entity_id in (LIMIT, REMAINING, RESET, WAITING):
        state = hass.states.get(entity_id)
        assert state is not None
        names[entity_id] = state.attributes["friendly_name"]
    return names


async def test_short_names_keep_the_entity_ids(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    # Short enough for the device page; the IDs are those of the longer names.
    assert _friendly_names(hass) == {
        LIMIT: "Pushover Monthly quota",
        REMAINING: "Pushover Quota left",
        RESET: "Pushover Quota resets",
        WAITING: "Pushover Waiting",
    }


async def test_names_in_german_keep_the_entity_ids(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    hass.config.language = "de"
    entry = demo_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert _friendly_names(hass) == {
        LIMIT: "Pushover Monatslimit",
        REMAINING: "Pushover Noch übrig",
        RESET: "Pushover Erneuerung",
        WAITING: "Pushover Wartend",
    }


async def test_two_tokens_of_one_account_show_the_same_quota(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    # The demo tokens are two applications of one Pushover account.
    other = demo_entry(
        pushover_sandbox, api_key=OTHER_TOKEN, user_key=OTHER_USER, name="Other"
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await _send(hass)
    await _send(hass)
    await _show(hass, freezer)
    assert _state(hass, REMAINING) == "9998"
    await _refresh(hass, freezer)
    assert _state(hass, "sensor.other_messages_remaining") == "9998"
    assert _state(hass, "sensor.other_monthly_message_limit") == "10000"


@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_sensor_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    pinned_entry: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, pinned_entry.entry_id)
