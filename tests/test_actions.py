"""Actions on any message: every way in, the link in the message, reachability."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_fire_time_changed_exact,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from custom_components.pushover_plus.action_links import (
    SAVE_DELAY,
    store_key,
    unreachable_issue,
)
from custom_components.pushover_plus.actions import Action
from custom_components.pushover_plus.api import decrypt_field
from custom_components.pushover_plus.const import (
    CONF_ACTION_LINK_INTERNAL,
    CONF_ENCRYPTION_KEY,
    DOMAIN,
    EVENT_ACTION,
)
from custom_components.pushover_plus.message import Outgoing
from sandbox.seed import DEMO_USER_ENCRYPTION_KEY, OTHER_USER
from sandbox.server import SandboxServer
from tests.action_helpers import (
    EXTERNAL_URL,
    GARAGE_ACTIONS,
    link_path,
    open_page,
    press,
    reachable,
)
from tests.conftest import COMPANION_CALL, demo_entry, recipient


async def _send(
    hass: HomeAssistant, entity: str = "notify.pushover", **fields: Any
) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": entity, "message": "The garage is open", **fields},
        blocking=True,
        return_response=True,
    )


async def test_send_message_links_the_action_page(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    await reachable(hass)
    response = await _send(
        hass,
        title="Garage",
        actions=GARAGE_ACTIONS,
        url="https://cam.example.com/garage",
        url_title="Live view",
    )
    [record] = pushover_sandbox.state.messages
    request = response["notify.pushover"]["messages"][0]["request"]
    assert record.request_id == request
    # The actions name the link; the message's own link moves to the page.
    assert record.fields["url_title"] == "Close it · Ignore · Reply · Camera"
    path = link_path(record)
    client = await hass_client_no_auth()
    page, html = await open_page(client, path)
    assert page.status == 200
    assert "<h1>Garage</h1>" in html
    assert "The garage is open" not in html
    for title in ("Close it", "Ignore", "Reply"):
        assert f">{title}</button>" in html
    assert '<textarea name="reply"' in html
    assert f'href="{EXTERNAL_URL}/lovelace/garage"' in html
    assert 'href="https://cam.example.com/garage"' in html
    assert ">Live view</a>" in html


async def test_legacy_action_takes_the_companion_app_s_actions(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await reachable(hass)
    events = async_capture_events(hass, EVENT_ACTION)
    await hass.services.async_call(
        "notify",
        "pushover",
        {"message": "Garage open", "data": {"actions": GARAGE_ACTIONS, "tags": ["g"]}},
        blocking=True,
    )
    assert "ignores the data key" not in caplog.text
    [record] = pushover_sandbox.state.messages
    client = await hass_client_no_auth()
    response, html = await press(client, link_path(record), 0)
    assert response.status == 200
    assert "“Close it” was sent to Home Assistant." in html
    await hass.async_block_till_done()
    [event] = events
    assert event.data == {
        "entry_id": loaded_entry.entry_id,
        "entity_id": "notify.pushover",
        "action": "CLOSE_GARAGE",
        "title": "Close it",
        "reply_text": None,
        "recipient": "Pushover",
        "request": record.request_id,
        "tags": ["g"],
        "message_title": None,
    }


@pytest.mark.usefixtures("cameras")
async def test_a_notify_group_with_the_companion_app_delivers_its_actions(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    config_entry: MockConfigEntry,
    notify_group: list[ServiceCall],
) -> None:
    await reachable(hass)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    events = async_capture_events(hass, EVENT_ACTION)
    await hass.services.async_call("notify", "family", COMPANION_CALL, blocking=True)
    await hass.async_block_till_done()
    assert len(notify_group) == 1
    [record] = pushover_sandbox.state.messages
    assert record.attachment is not None
    assert record.fields["url_title"] == "Open"
    response, _ = await press(await hass_client_no_auth(), link_path(record), 0)
    assert response.status == 200
    await hass.async_block_till_done()
    assert [event.data["action"] for event in events] == ["OPEN"]


async def test_a_device_s_entity_reports_its_recipient_s_entity(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    await reachable(hass)
    events = async_capture_events(hass, EVENT_ACTION)
    await _send(hass, "notify.pushover_phone", actions=GARAGE_ACTIONS)
    [record] = pushover_sandbox.state.messages
    assert record.devices == ["phone"]
    await press(await hass_client_no_auth(), link_path(record), 2, reply="Later")
    await hass.async_block_till_done()
    [event] = events
    assert event.data["entity_id"] == "notify.pushover"
    assert (event.data["action"], event.data["reply_text"]) == ("REPLY", "Later")


async def test_each_recipient_gets_a_link_of_its_own(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
) -> None:
    """Recipients that share a request otherwise each get their own link."""
    await reachable(hass)
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    events = async_capture_events(hass, EVENT_ACTION)
    await _send(hass, ["notify.pushover", "notify.alex"], actions=GARAGE_ACTIONS[:1])
    first, second = pushover_sandbox.state.messages
    assert first.request_id != second.request_id
    assert first.fields["url"] != second.fields["url"]
    client = await hass_client_no_auth()
    for record in (first, second):
        await press(client, link_path(record), 0)
    await hass.async_block_till_done()
    assert {event.data["recipient"] for event in events} == {"Pushover", "Alex"}
    assert {event.data["entity_id"] for event in events} == {
        "notify.pushover",
        "notify.alex",
    }


@pytest.mark.parametrize(
    ("actions", "key"),
    [
        ("CLOSE_GARAGE", "actions_not_list"),
        ({"action": "A", "title": "B"}, "actions_not_list"),
        (["A"], "actions_not_list"),
        ([{"action": "A", "title": "B"}] * 11, "actions_too_many"),
        ([{"title": "Close it"}], "action_id_missing"),
        ([{"action": " ", "title": "Close it"}], "action_id_missing"),
        ([{"action": "CLOSE"}], "action_title_missing"),
        ([{"action": "CLOSE", "title": ["x"]}], "action_title_missing"),
        ([{"action": "URI", "title": "Camera"}], "action_uri_missing"),
        ([{"action": "A" * 65, "title": "B"}], "action_too_long"),
        ([{"action": "A", "title": "B" * 101}], "action_too_long"),
        (
            [{"action": "URI", "title": "B", "uri": "https://x/" + "y" * 510}],
            "action_too_long",
        ),
    ],
)
async def test_invalid_actions_are_refused_naming_the_field(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    actions: Any,
    key: str,
) -> None:
    await reachable(hass)
    for call in (
        _send(hass, actions=actions),
        hass.services.async_call(
            "notify", "pushover", {"message": "x", "data": {"actions": actions}}, True
        ),
    ):
        with pytest.raises(ServiceValidationError) as raised:
            await call
        assert raised.value.translation_key == key
        assert raised.value.translation_placeholders["field"] == "actions"
        assert "actions" in str(raised.value)
    assert not pushover_sandbox.state.messages


async def test_the_link_says_answer_when_the_titles_do_not_fit(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await reachable(hass)
    long_titles = [{"action": f"A{n}", "title": "x" * 40} for n in range(3)]
    await _send(hass, actions=long_titles)
    hass.config.language = "de"
    await _send(hass, actions=long_titles)
    await _send(hass, actions=[], url="https://example.com", url_title="Example")
    await hass.services.async_call(
        "notify", "pushover", {"message": "x", "data": {"actions": ""}}, blocking=True
    )
    first, second, plain, legacy = pushover_sandbox.state.messages
    assert "url" not in legacy.fields
    assert first.fields["url_title"] == "Answer"
    assert second.fields["url_title"] == "Antworten"
    # No actions: the message's own link, untouched.
    assert (plain.fields["url"], plain.fields["url_title"]) == (
        "https://example.com",
        "Example",
    )


async def test_links_no_page_can_open_are_left_out(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    await reachable(hass)
    await _send(
        hass,
        actions=[
            {"action": "URI", "title": "App", "uri": "app://com.example"},
            {"action": "URI", "title": "Elsewhere", "uri": "//evil.example.com/x"},
            {"action": "URI", "title": "Docs", "uri": "https://example.com/docs"},
            {"action": "OK", "title": 7},
            # The companion app ignores a button's uri: so does Pushover Plus.
            {"action": "LATER", "title": "Later", "uri": "app://x/" + "y" * 600},
        ],
    )
    [record] = pushover_sandbox.state.messages
    assert record.fields["url_title"] == "Docs · 7 · Later"
    _, html = await open_page(await hass_client_no_auth(), link_path(record))
    assert "App" not in html
    assert "evil" not in html
    assert 'href="https://example.com/docs"' in html
    assert ">Later</button>" in html
    assert "app://x" not in html
    # Only links: no message needs a link when every action was left out.
    await _send(hass, actions=[{"action": "URI", "title": "A", "uri": "app://x"}])
    assert "url" not in pushover_sandbox.state.messages[-1].fields


async def test_an_encrypted_message_keeps_its_link_encrypted(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
) -> None:
    await reachable(hass)
    entry = demo_entry(
        pushover_sandbox, defaults={CONF_ENCRYPTION_KEY: DEMO_USER_ENCRYPTION_KEY}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _send(hass, title="Garage", actions=GARAGE_ACTIONS[:2])
    [record] = pushover_sandbox.state.messages
    assert EXTERNAL_URL not in record.fields["url"]
    assert "url_title" not in record.fields
    url = decrypt_field(bytes.fromhex(DEMO_USER_ENCRYPTION_KEY), record.fields["url"])
    assert record.decryption is not None
    assert record.decryption.ok
    assert record.decryption.fields["url"] == url
    response, html = await open_page(
        await hass_client_no_auth(), url.removeprefix(EXTERNAL_URL)
    )
    assert response.status == 200
    assert "<h1>Garage</h1>" in html


async def test_without_a_reachable_url_the_message_goes_without_actions(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    issue_id = unreachable_issue(loaded_entry.entry_id)
    for _ in range(2):
        await _send(hass, actions=GARAGE_ACTIONS, url="https://example.com")
    first, second = pushover_sandbox.state.messages
    assert first.fields["url"] == second.fields["url"] == "https://example.com"
    assert "url_title" not in first.fields
    assert caplog.text.count("go without their actions") == 1
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "action_links_unreachable"

    await reachable(hass)
    await _send(hass, actions=GARAGE_ACTIONS)
    assert link_path(pushover_sandbox.state.messages[-1])
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert "carry their actions again" in caplog.text


async def test_the_internal_url_serves_those_who_answer_at_home(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    await hass.config.async_update(internal_url="http://homeassistant.local:8123")
    entry = demo_entry(pushover_sandbox, options={CONF_ACTION_LINK_INTERNAL: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _send(hass, actions=GARAGE_ACTIONS[:1])
    [record] = pushover_sandbox.state.messages
    assert record.fields["url"].startswith(
        "http://homeassistant.local:8123/api/pushover_plus/action?token="
    )


def test_the_outbox_keeps_a_message_s_actions() -> None:
    outgoing = Outgoing(
        ("Garage open",),
        actions=(
            Action("CLOSE_GARAGE", "Close it"),
            Action("URI", "Camera", "https://cam.example.com"),
        ),
    )
    assert Outgoing.from_json(outgoing.to_json()) == outgoing
    # A file written before actions existed has none.
    kept = outgoing.to_json()
    del kept["actions"]
    assert Outgoing.from_json(kept).actions == ()
    with pytest.raises(TypeError):
        Outgoing.from_json({**outgoing.to_json(), "actions": [{"action": 1}]})
    with pytest.raises(TypeError):
        Outgoing.from_json({**outgoing.to_json(), "actions": {"a": 1}})
    with pytest.raises(TypeError):
        Outgoing.from_json({**outgoing.to_json(), "actions": ["x"]})


README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_examples() -> list[Any]:
    """Return the YAML examples of README's section on actionable notifications."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Actionable notifications", 1)[1].split("\n## ", 1)[0]
    return [
        yaml.safe_load(block)
        for block in re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    ]


async def test_the_readme_s_automations_close_the_garage(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The garage left open, the button pressed: both README triggers close it."""
    await reachable(hass)
    closed = async_mock_service(hass, "cover", "close_cover")
    automations, entity_trigger = _readme_examples()
    by_entity = {
        "alias": "Close the garage from the event entity",
        **entity_trigger,
        "actions": automations["automation"][1]["actions"],
    }
    config = {"automation": [*automations["automation"], by_entity]}
    assert await async_setup_component(hass, "automation", config)
    hass.states.async_set("cover.garage_door", "open")
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=10, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    [record] = pushover_sandbox.state.messages
    assert record.fields["title"] == "Garage"
    assert record.fields["url_title"] == "Close it · Ignore"
    await press(await hass_client_no_auth(), link_path(record), 0)
    await hass.async_block_till_done()
    assert [call.data["entity_id"] for call in closed] == [
        ["cover.garage_door"],
        ["cover.garage_door"],
    ]


async def test_the_url_is_looked_up_again_a_minute_later(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant Cloud's URL comes and goes without a settings event."""
    await _send(hass, actions=GARAGE_ACTIONS)
    hass.config.external_url = EXTERNAL_URL  # as if Cloud had connected
    await _send(hass, actions=GARAGE_ACTIONS)
    for _ in range(2):
        freezer.tick(timedelta(seconds=61))
        await _send(hass, actions=GARAGE_ACTIONS)
    first, second, third, fourth = pushover_sandbox.state.messages
    assert "url" not in first.fields
    assert "url" not in second.fields
    assert link_path(third) != link_path(fourth)


async def test_links_are_written_while_messages_keep_coming(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A second message does not put the first one's write off (as a debounce would)."""
    await reachable(hass)
    await _send(hass, actions=GARAGE_ACTIONS)
    first = hass.loop.time()
    await asyncio.sleep(0.05)
    await _send(hass, actions=GARAGE_ACTIONS)
    key = store_key(loaded_entry.entry_id)
    assert key not in hass_storage
    # The moment the first message's link is due to be written, and no later.
    due = first + SAVE_DELAY + 0.01 - hass.loop.time()
    async_fire_time_changed_exact(hass, dt_util.utcnow() + timedelta(seconds=due))
    await hass.async_block_till_done()
    assert len(hass_storage[key]["data"]["links"]) == 2
