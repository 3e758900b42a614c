"""A recipient named like the application is asked for its person's name.

Entries made before the first recipient was named after its person (and every
entry moved from version 1) gave it the application's name, so the activity
log said "acknowledged by Pushover". A repair asks for the name; fixing it
renames the recipient and its device, never an entity ID or the legacy action.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.pushover_plus.const import DOMAIN
from custom_components.pushover_plus.receipts import EVENT_ACKNOWLEDGED
from sandbox.seed import DEMO_USER, OTHER_TOKEN, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, first_recipient_id, recipient, send_emergency
from tests.outbox_helpers import advance


def _issue_id(entry: MockConfigEntry) -> str:
    return f"recipient_name_{entry.entry_id}_{first_recipient_id(entry)}"


def _name_issues(hass: HomeAssistant) -> list[str]:
    return [
        issue_id
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith("recipient_name_")
    ]


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _start_fix(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return dict(await manager.async_init(DOMAIN, data={"issue_id": issue_id}))


async def _fix(hass: HomeAssistant, flow_id: str, name: str) -> dict[str, Any]:
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = dict(await manager.async_configure(flow_id, {CONF_NAME: name}))
    await hass.async_block_till_done()
    return result


async def test_the_repair_names_the_recipient_without_renaming_entities(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_owner_user: MockUser,
) -> None:
    entry = await _setup(
        hass,
        demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)]),
    )
    # Only the recipient named like the application ("Pushover") is asked about.
    assert _name_issues(hass) == [_issue_id(entry)]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, _issue_id(entry))
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"recipient": "Pushover"}
    went: list[str] = []
    async_track_state_change_event(
        hass, ["notify.pushover"], lambda event: went.append(event.data["new_state"])
    )

    result = await _start_fix(hass, _issue_id(entry))
    assert result["step_id"] == "name"
    assert result["description_placeholders"] == {
        "recipient": "Pushover",
        "entry": "Pushover",
    }
    [field] = result["data_schema"].schema
    assert field.description == {"suggested_value": hass_owner_user.name}
    result = await _fix(hass, result["flow_id"], " pushover ")
    assert result["errors"] == {CONF_NAME: "name_is_application"}
    result = await _fix(hass, result["flow_id"], " Sam ")
    assert result["type"] is FlowResultType.CREATE_ENTRY

    assert entry.subentries[first_recipient_id(entry)].title == "Sam"
    assert _name_issues(hass) == []
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_{first_recipient_id(entry)}"), entry.entry_id
    )
    assert device is not None
    assert device.name == "Sam"
    # Same entity IDs and legacy action; shown with the new name; no reload.
    state = hass.states.get("notify.pushover")
    assert state is not None
    assert state.attributes["friendly_name"] == "Sam"
    assert hass.states.get("notify.pushover_phone") is not None
    assert hass.services.has_service("notify", "pushover")
    assert STATE_UNAVAILABLE not in [new.state for new in went if new]
    assert entry.state is ConfigEntryState.LOADED

    # The activity log now says who acknowledged.
    acknowledged = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass)
    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER)
    await advance(hass, freezer, 6)
    assert [event.data["acknowledged_by"] for event in acknowledged] == ["Sam"]


async def test_a_rename_elsewhere_or_a_removed_entry_takes_the_repair_away(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    home = await _setup(hass, demo_entry(pushover_sandbox, name="Home"))
    cabin = await _setup(
        hass,
        demo_entry(
            pushover_sandbox, name="Cabin", api_key=OTHER_TOKEN, user_key=OTHER_USER
        ),
    )
    assert sorted(_name_issues(hass)) == sorted([_issue_id(home), _issue_id(cabin)])

    # The recipient's own Reconfigure renames it without a reload.
    first = home.subentries[first_recipient_id(home)]
    hass.config_entries.async_update_subentry(home, first, title="Alex")
    await hass.async_block_till_done()
    assert _name_issues(hass) == [_issue_id(cabin)]

    # A renamed entry (a reload) no longer shares its recipient's name.
    hass.config_entries.async_update_entry(cabin, title="Cabin application")
    await hass.async_block_till_done()
    assert _name_issues(hass) == []
    hass.config_entries.async_update_entry(cabin, title="Cabin")
    await hass.async_block_till_done()
    assert _name_issues(hass) == [_issue_id(cabin)]

    await hass.config_entries.async_remove(cabin.entry_id)
    await hass.async_block_till_done()
    assert _name_issues(hass) == []


async def test_the_repair_of_a_removed_recipient_stops(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = await _setup(
        hass,
        demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)]),
    )
    issue_id = _issue_id(entry)
    first = first_recipient_id(entry)
    result = await _start_fix(hass, issue_id)
    hass.config_entries.async_remove_subentry(entry, first)
    await hass.async_block_till_done()
    result = await _fix(hass, result["flow_id"], "Sam")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "recipient_gone"
