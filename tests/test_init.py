"""Setting up and unloading Pushover Plus entries, against the sandbox."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import sensor
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigSubentry,
)
from homeassistant.const import CONF_NAME, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_plus.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_PRIORITY,
    CONF_QUOTA_WARNING,
    CONF_USER_KEY,
    DOMAIN,
)
from sandbox.seed import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    MONTHLY_LIMIT,
    NO_DEVICE_USER,
    OTHER_USER,
)
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, first_recipient_id, recipient, send_emergency
from tests.outbox_helpers import advance, texts


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_setup_learns_devices_sounds_and_recipients(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox,
        subentries=[
            recipient("Alex", OTHER_USER, priority=1),
            recipient("Family", DEMO_GROUP, priority=1),
        ],
    )
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED

    known = entry.runtime_data.coordinator.data
    assert known.sounds["doorbell"] == "Doorbell (custom)"
    assert "pianobar" in known.sounds
    by_name = {recipient.name: recipient for recipient in known.recipients.values()}
    assert by_name["Pushover"].devices == ("phone", "tablet", "desktop")
    assert by_name["Pushover"].subentry_id == first_recipient_id(entry)
    assert by_name["Alex"].devices == ("pixel",)
    assert by_name["Alex"].defaults == {CONF_PRIORITY: 1}
    assert by_name["Family"].is_group
    assert DEMO_USER not in repr(by_name["Pushover"])

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    by_model = {device.model: device for device in devices}
    [application] = [device for device in devices if device.model == "Application"]
    assert application.name == "Pushover"
    assert application.config_subentry_id is None
    recipients = [device for device in devices if device is not application]
    assert sorted((device.name or "", device.model) for device in recipients) == [
        ("Alex", "User account"),
        ("Family", "Delivery group"),
        ("Pushover", "User account"),
    ]
    # Each recipient's device is its subentry's and is reached through the app's.
    assert {device.via_device_id for device in recipients} == {application.id}
    assert {device.config_subentry_id for device in recipients} == set(entry.subentries)
    assert all(device.entry_type is dr.DeviceEntryType.SERVICE for device in devices)
    assert by_model["Delivery group"].name == "Family"

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.freeze_time(tick=True)
# The entry never unloads, so its timers outlive the test.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_a_platform_that_cannot_unload_leaves_the_entry_working(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Home Assistant could not unload the sensors: nothing else stops either."""
    entry = demo_entry(pushover_sandbox)
    await _setup(hass, entry)

    async def cannot_unload(_hass: HomeAssistant, _entry: ConfigEntry) -> bool:
        return False

    monkeypatch.setattr(sensor, "async_unload_entry", cannot_unload)
    assert not await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.FAILED_UNLOAD

    # notify.pushover is still there, and the outbox still sends again.
    pushover_sandbox.controls.add_fault("500", count=1)
    await hass.services.async_call(
        "notify", "pushover", {"message": "still here"}, blocking=True
    )
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["still here"]


async def test_removing_a_recipient_removes_its_device(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox, subentries=[recipient("Alex", OTHER_USER, priority=1)]
    )
    await _setup(hass, entry)
    subentry_id = list(entry.subentries)[1]

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert [
        recipient.name
        for recipient in entry.runtime_data.coordinator.data.recipients.values()
    ] == ["Pushover"]
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert sorted(device.model or "" for device in devices) == [
        "Application",
        "User account",
    ]


async def test_invalid_token_starts_reauth(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, api_key="z" * 30)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert entry.reason is not None
    assert "z" * 30 not in entry.reason


async def test_malformed_token_starts_reauth(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, api_key="too short")
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert pushover_sandbox.state.requests == []


async def test_invalid_user_key_is_an_error(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, user_key="uNobodyHasThisKey0000000000009")
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_server_trouble_retries_later(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    pushover_sandbox.controls.add_fault("503_html", count=1)
    entry = demo_entry(pushover_sandbox)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "Could not reach Pushover" in entry.reason


@pytest.mark.parametrize(
    "fault",
    [
        # The API URL without /1/, where the server answers 404...
        None,
        # ...or a reply that is not JSON, as a login page in Pushover's place.
        "malformed_json",
    ],
)
async def test_an_api_url_that_is_not_pushover_is_named(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    fault: str | None,
) -> None:
    api_url = pushover_sandbox.api_url
    if fault is None:
        api_url = pushover_sandbox.base_url
    else:
        pushover_sandbox.controls.add_fault(fault, count=1)
    entry = demo_entry(pushover_sandbox, options={CONF_API_URL: api_url})
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "is not a Pushover API" in entry.reason
    assert "ends in /1/" in entry.reason
    # Nothing alarming in the log: no error, and a traceback only when debugging.
    shown = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert not [
        record for record in shown if record.exc_info or record.levelno >= logging.ERROR
    ]


async def test_no_active_devices_is_a_repair_not_a_retry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, user_key=NO_DEVICE_USER)
    await _setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert (
        entry.runtime_data.coordinator.data.recipients[
            first_recipient_id(entry)
        ].devices
        == ()
    )

    issue_id = f"no_active_devices_{entry.entry_id}_{first_recipient_id(entry)}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "no_active_devices"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["recipient"] == "Pushover"

    # The user adds a device at Pushover (here: the key changes to one with
    # devices) and the entry reloads: the issue goes away once Pushover is
    # asked again, in the background.
    subentry = entry.subentries[first_recipient_id(entry)]
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, CONF_USER_KEY: DEMO_USER}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_removed_recipient_or_entry_takes_its_repairs_along(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    # Warned of the quota from the start: fewer remain than the whole month.
    entry = demo_entry(
        pushover_sandbox, options={CONF_QUOTA_WARNING: MONTHLY_LIMIT + 1}
    )
    await _setup(hass, entry)
    silent = ConfigSubentry(**recipient("Silent", NO_DEVICE_USER))
    hass.config_entries.async_add_subentry(entry, silent)
    await hass.async_block_till_done(wait_background_tasks=True)
    issues = ir.async_get(hass)
    device_issue = f"no_active_devices_{entry.entry_id}_{silent.subentry_id}"
    assert issues.async_get_issue(DOMAIN, device_issue) is not None

    assert hass.config_entries.async_remove_subentry(entry, silent.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert issues.async_get_issue(DOMAIN, device_issue) is None

    hass.config_entries.async_add_subentry(
        entry, ConfigSubentry(**recipient("Silent", NO_DEVICE_USER))
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _issues_of(hass, entry.entry_id) == {
        "no_active_devices",
        "quota_low",
        # The first recipient has the application's name, as entries made
        # before names were asked for.
        "recipient_named_like_application",
    }
    await hass.config_entries.async_remove(entry.entry_id)
    assert _issues_of(hass, entry.entry_id) == set()


def _issues_of(hass: HomeAssistant, entry_id: str) -> set[str | None]:
    """Return the translation keys of the repairs that name the entry."""
    return {
        issue.translation_key
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and entry_id in issue_id
    }


async def test_duplicate_builtin_entry_can_be_removed_by_a_repair(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    builtin = MockConfigEntry(
        domain="pushover",
        title="Phone",
        data={CONF_NAME: "Phone", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
    )
    builtin.add_to_hass(hass)
    unrelated = MockConfigEntry(
        domain="pushover",
        title="Elsewhere",
        data={CONF_NAME: "Elsewhere", CONF_API_KEY: "o" * 30, CONF_USER_KEY: "p" * 30},
    )
    unrelated.add_to_hass(hass)
    entry = demo_entry(pushover_sandbox)
    await _setup(hass, entry)

    issue_id = f"builtin_pushover_{builtin.entry_id}"
    issues = ir.async_get(hass).issues
    assert (DOMAIN, issue_id) in issues
    assert (DOMAIN, f"builtin_pushover_{unrelated.entry_id}") not in issues
    assert issues[(DOMAIN, issue_id)].is_fixable

    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"] == {"title": "Phone"}
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.config_entries.async_get_entry(builtin.entry_id) is None
    assert (DOMAIN, issue_id) not in ir.async_get(hass).issues


async def test_builtin_entry_with_the_same_name_is_reported_until_removed(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    builtin = MockConfigEntry(
        domain="pushover",
        title="Pushover",
        data={CONF_NAME: "Pushover", CONF_API_KEY: "o" * 30, CONF_USER_KEY: "p" * 30},
    )
    builtin.add_to_hass(hass)
    entry = demo_entry(pushover_sandbox)
    await _setup(hass, entry)
    issue_key = (DOMAIN, f"builtin_pushover_{builtin.entry_id}")
    assert issue_key in ir.async_get(hass).issues

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_key in ir.async_get(hass).issues

    await hass.config_entries.async_remove(builtin.entry_id)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_key not in ir.async_get(hass).issues


async def test_repair_of_an_already_removed_builtin_entry_does_nothing(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    builtin = MockConfigEntry(domain="pushover", title="Pushover", data={})
    builtin.add_to_hass(hass)
    await _setup(hass, demo_entry(pushover_sandbox))
    issue_id = f"builtin_pushover_{builtin.entry_id}"

    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    await hass.config_entries.async_remove(builtin.entry_id)
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_recipients_added_renamed_or_given_defaults_need_no_reload(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    went: list[str] = []
    async_track_state_change_event(
        hass,
        ["notify.pushover", "event.pushover_emergency_alerts"],
        lambda event: went.append(event.data["new_state"].state),
    )
    subentry = ConfigSubentry(**recipient("Alex", OTHER_USER))
    hass.config_entries.async_add_subentry(loaded_entry, subentry)
    await hass.async_block_till_done()
    # The new recipient and its devices, at once.
    assert hass.states.get("notify.alex") is not None
    assert hass.states.get("notify.alex_pixel") is not None

    first = loaded_entry.subentries[first_recipient_id(loaded_entry)]
    hass.config_entries.async_update_subentry(
        loaded_entry,
        first,
        title="Sam",
        data={**first.data, CONF_PRIORITY: 1},
    )
    await hass.async_block_till_done()
    await hass.services.async_call(
        "notify", "pushover", {"message": "defaults"}, blocking=True
    )
    [record] = pushover_sandbox.state.messages
    assert record.fields["priority"] == "1"
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{loaded_entry.entry_id}_{first.subentry_id}"),
        loaded_entry.entry_id,
    )
    assert device is not None
    assert device.name == "Sam"
    # Nothing was reloaded: no entity became unavailable.
    assert STATE_UNAVAILABLE not in went
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_a_new_key_reloads_without_replaying_the_last_alert(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    receipt = await send_emergency(hass)
    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER)
    await advance(hass, freezer, 6)
    alerts = hass.states.get("event.pushover_emergency_alerts")
    assert alerts is not None
    assert alerts.attributes["event_type"] == "acknowledged"

    sent = hass.states.get("notify.pushover")
    assert sent is not None
    assert sent.state != STATE_UNKNOWN

    went: list[str] = []
    async_track_state_change_event(
        hass,
        ["event.pushover_emergency_alerts", "notify.pushover"],
        lambda event: went.append(event.data["new_state"].state),
    )
    first = loaded_entry.subentries[first_recipient_id(loaded_entry)]
    hass.config_entries.async_update_subentry(
        loaded_entry, first, data={**first.data, CONF_USER_KEY: OTHER_USER}
    )
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    # Reloaded: unavailable for a moment, then no acknowledgement and no
    # message shown again as new.
    assert sorted(went) == sorted([STATE_UNAVAILABLE, STATE_UNKNOWN] * 2)
