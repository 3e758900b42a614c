"""The action page and its links, rule by rule, as a core reviewer would ask.

GET never acts; a POST with a nonce of the page acts once; unknown, used and
expired links look the same; failures are rate limited per client; every
answer carries the headers; links survive a restart and are bounded.
"""

from __future__ import annotations

from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_plus import action_links, action_page
from custom_components.pushover_plus.action_links import (
    ActionLink,
    ActionLinks,
    link_from_json,
    store_key,
)
from custom_components.pushover_plus.action_page import (
    FAILURES_ALLOWED,
    MAX_FORM_BYTES,
    MAX_REPLY,
    FailureLimit,
)
from custom_components.pushover_plus.actions import Action
from custom_components.pushover_plus.const import (
    CONF_ACTION_LINK_HOURS,
    DOMAIN,
    EVENT_ACTION,
)
from sandbox.server import SandboxServer
from tests.action_helpers import (
    GARAGE_ACTIONS,
    Client,
    link_path,
    nonce_of,
    open_page,
    press,
    reachable,
    token_of,
)
from tests.conftest import demo_entry, send_emergency
from tests.outbox_helpers import restart

#: A token of the right shape that no link has.
UNKNOWN = "/api/pushover_plus/action?token=" + "A" * 43
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def _linked(hass: HomeAssistant, sandbox: SandboxServer, **fields: Any) -> str:
    """Send a message with the garage's actions; return its link's path."""
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.pushover",
            "message": "The garage is open",
            "title": "Garage",
            "actions": GARAGE_ACTIONS,
            **fields,
        },
        blocking=True,
    )
    return link_path(sandbox.state.messages[-1])


@pytest.fixture
async def client(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
) -> Client:
    """Return a client without login, with the demo entry reachable."""
    await reachable(hass)
    return await hass_client_no_auth()


def _check_headers(headers: Any) -> None:
    for name, value in HEADERS.items():
        assert headers[name] == value
    policy = headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    for part in ("form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert part in policy


async def test_get_never_acts(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, client: Client
) -> None:
    events = async_capture_events(hass, EVENT_ACTION)
    path = await _linked(hass, pushover_sandbox)
    for _ in range(3):  # a preview, a prefetch, the person
        response, html = await open_page(client, path)
        assert response.status == 200
        _check_headers(response.headers)
    # Not even with what a form would post, in the query.
    response, _ = await open_page(client, f"{path}&choice=0&nonce={nonce_of(html)}")
    await hass.async_block_till_done()
    assert events == []
    response, _ = await press(client, path, 0)
    assert response.status == 200


async def test_a_link_works_once(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
) -> None:
    events = async_capture_events(hass, EVENT_ACTION)
    path = await _linked(hass, pushover_sandbox)
    _, html = await open_page(client, path)
    form = {"nonce": nonce_of(html), "choice": "1"}
    first = await client.post(path, data=form)
    assert first.status == 200
    _check_headers(first.headers)
    assert "“Ignore” was sent to Home Assistant." in await first.text()
    # The same form again, a new page, another button: the link is used up.
    again = await client.post(path, data=form)
    _, unknown_html = await open_page(client, UNKNOWN)
    assert (again.status, await again.text()) == (404, unknown_html)
    used, used_html = await open_page(client, path)
    assert (used.status, used_html) == (404, unknown_html)
    _check_headers(used.headers)
    await hass.async_block_till_done()
    assert [event.data["action"] for event in events] == ["IGNORE"]
    assert loaded_entry.runtime_data.action_links.count == 0


async def test_unknown_used_and_expired_links_look_the_same(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    freezer: FrozenDateTimeFactory,
) -> None:
    used = await _linked(hass, pushover_sandbox)
    await press(client, used, 0)
    expired = await _linked(hass, pushover_sandbox)
    freezer.tick(timedelta(hours=24, seconds=1))
    answers = set()
    for path in (UNKNOWN, used, expired, "/api/pushover_plus/action", UNKNOWN[:-3]):
        for method in (client.get, client.post):
            response = await method(path)
            answers.add((response.status, await response.text()))
    assert len(answers) == 1
    status, html = answers.pop()
    assert status == 404
    assert "This link is not valid" in html


async def test_failed_lookups_are_rate_limited_per_client(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    freezer: FrozenDateTimeFactory,
) -> None:
    path = await _linked(hass, pushover_sandbox)
    for _ in range(FAILURES_ALLOWED):
        response, _ = await open_page(client, UNKNOWN)
        assert response.status == 404
    # Blocked now, even for a valid link; the page does not count.
    for target in (UNKNOWN, path):
        response, html = await open_page(client, target, "de")
        assert response.status == 429
        assert response.headers["Retry-After"] == "60"
        assert "Zu viele Versuche" in html
        _check_headers(response.headers)
    freezer.tick(timedelta(seconds=61))
    response, _ = await press(client, path, 0)
    assert response.status == 200


async def test_the_form_needs_a_nonce_of_the_link_s_page(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, client: Client
) -> None:
    events = async_capture_events(hass, EVENT_ACTION)
    path = await _linked(hass, pushover_sandbox)
    other = await _linked(hass, pushover_sandbox)
    _, other_html = await open_page(client, other)
    _, html = await open_page(client, path)
    for form in (
        {"choice": "0"},
        {"choice": "0", "nonce": "forged"},
        {"choice": "0", "nonce": nonce_of(other_html)},
        {"choice": "3", "nonce": nonce_of(html)},  # a plain link, not a button
        {"choice": "9", "nonce": nonce_of(html)},
        {"choice": "-1", "nonce": nonce_of(html)},
    ):
        response = await client.post(path, data=form)
        assert response.status == 400
        _check_headers(response.headers)
        assert "This page was out of date" in await response.text()
    too_big = {"choice": "0", "nonce": nonce_of(html), "reply": "x" * MAX_FORM_BYTES}
    response = await client.post(path, data=too_big)
    assert response.status == 400
    await hass.async_block_till_done()
    assert events == []
    # The page handed out the most recent nonces; an older one is refused.
    nonces = [nonce_of((await open_page(client, path))[1]) for _ in range(6)]
    response = await client.post(path, data={"choice": "0", "nonce": nonces[0]})
    assert response.status == 400
    response = await client.post(path, data={"choice": "0", "nonce": nonces[-1]})
    assert response.status == 200


async def test_a_reply_needs_a_text(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, client: Client
) -> None:
    events = async_capture_events(hass, EVENT_ACTION)
    path = await _linked(hass, pushover_sandbox)
    response, html = await press(client, path, 2, reply="  ")
    assert response.status == 400
    assert "Type your answer first." in html
    response, html = await press(client, path, 2, reply="<b>Later</b>" + "x" * 2000)
    assert response.status == 200
    assert "&lt;b&gt;Later&lt;/b&gt;" in html
    await hass.async_block_till_done()
    [event] = events
    assert event.data["reply_text"] == ("<b>Later</b>" + "x" * 2000)[:MAX_REPLY]
    assert event.data["title"] == "Reply"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fr-CH, de;q=0.9", "Choisissez ce que Home Assistant doit faire"),
        ("xx, de;q=0.5, sv;q=0.8", "Välj vad Home Assistant ska göra"),
        ("pt-PT", "Escolha o que o Home Assistant deve fazer"),
        ("pl;q=0, nl;q=x, it;q=0.1", "Scegli che cosa deve fare Home Assistant"),
        ("en-GB", "Choose what Home Assistant should do"),
        ("*", "Choose what Home Assistant should do"),
        ("es-MX", "Elige lo que debe hacer Home Assistant"),
    ],
)
async def test_the_page_speaks_the_browser_s_language(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    accept: str,
    expected: str,
) -> None:
    path = await _linked(hass, pushover_sandbox)
    _, html = await open_page(client, path, accept)
    assert expected in html


async def test_links_survive_a_restart(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    events = async_capture_events(hass, EVENT_ACTION)
    path = await _linked(hass, pushover_sandbox)
    _, html = await open_page(client, path)
    await restart(hass, loaded_entry)
    # The store holds the token's hash, never the token.
    stored = json.dumps(hass_storage[store_key(loaded_entry.entry_id)])
    assert token_of(path) not in stored
    assert action_links.digest(token_of(path)) in stored
    # A form handed out before the restart is out of date; the link is not.
    response = await client.post(path, data={"choice": "0", "nonce": nonce_of(html)})
    assert response.status == 400
    response, _ = await press(client, path, 0)
    assert response.status == 200
    await hass.async_block_till_done()
    [event] = events
    assert event.data["request"] == pushover_sandbox.state.messages[-1].request_id
    state = hass.states.get("event.pushover_actions")
    assert state is not None
    assert state.attributes["event_type"] == "CLOSE_GARAGE"
    assert state.attributes["event_types"] == ["CLOSE_GARAGE", "IGNORE", "REPLY"]
    assert state.attributes["notify_entity"] == "notify.pushover"
    assert "entity_id" not in state.attributes


async def test_an_unloaded_entry_s_links_do_not_answer(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
) -> None:
    path = await _linked(hass, pushover_sandbox)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    response, _ = await open_page(client, path)
    assert response.status == 404


async def test_an_emergency_link_lives_as_long_as_the_alert(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    await reachable(hass)
    entry = demo_entry(pushover_sandbox, options={CONF_ACTION_LINK_HOURS: 1})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    client = await hass_client_no_auth()
    await send_emergency(hass, expire=10800, actions=GARAGE_ACTIONS[:1])
    emergency = link_path(pushover_sandbox.state.messages[-1])
    ordinary = await _linked(hass, pushover_sandbox)
    freezer.tick(timedelta(hours=1, seconds=1))
    assert (await open_page(client, ordinary))[0].status == 404
    assert (await open_page(client, emergency))[0].status == 200
    freezer.tick(timedelta(hours=2))
    assert (await open_page(client, emergency))[0].status == 404


async def test_links_are_bounded_and_purged(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    links = loaded_entry.runtime_data.action_links
    with patch.object(action_links, "MAX_LINKS", 2):
        oldest = await _linked(hass, pushover_sandbox)
        kept = [await _linked(hass, pushover_sandbox) for _ in range(2)]
    assert links.count == 2
    assert (await open_page(client, oldest))[0].status == 404
    assert (await open_page(client, kept[0]))[0].status == 200
    freezer.tick(timedelta(hours=25))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert links.count == 0


async def test_the_newest_action_ids_are_the_event_types(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
) -> None:
    links = loaded_entry.runtime_data.action_links
    with patch.object(action_links, "MAX_EVENT_TYPES", 2):
        await _linked(hass, pushover_sandbox)
        assert links.event_types == ["IGNORE", "REPLY"]
        path = await _linked(
            hass, pushover_sandbox, actions=[{"action": "OPEN", "title": "Open"}]
        )
        for action in ("SHUT", "LOCK"):
            await _linked(
                hass, pushover_sandbox, actions=[{"action": action, "title": "x"}]
            )
        assert links.event_types == ["SHUT", "LOCK"]
        # An id that made room for newer ones is offered again when pressed.
        await press(client, path, 0)
    assert links.event_types == ["LOCK", "OPEN"]
    state = hass.states.get("event.pushover_actions")
    assert state is not None
    assert state.attributes["event_types"] == ["LOCK", "OPEN"]
    assert state.attributes["event_type"] == "OPEN"


async def test_a_link_is_pressed_once_even_when_two_presses_meet(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
) -> None:
    path = await _linked(hass, pushover_sandbox)
    links = loaded_entry.runtime_data.action_links
    link = links.find(token_of(path))
    assert link is not None
    assert await links.async_press(link, link.actions[0], None)
    assert not await links.async_press(link, link.actions[0], None)


async def test_a_press_that_loses_the_race_to_another_does_nothing(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
) -> None:
    events = async_capture_events(hass, EVENT_ACTION)
    path = await _linked(hass, pushover_sandbox)
    links = loaded_entry.runtime_data.action_links
    _, html = await open_page(client, path)
    checked = ActionLinks.nonce_is_valid

    def pressed_meanwhile(link: ActionLink, nonce: str) -> bool:
        # Another press of the same page, in between: it used the link.
        hass.async_create_task(links.async_press(link, link.actions[1], None))
        return checked(link, nonce)

    with patch.object(ActionLinks, "nonce_is_valid", staticmethod(pressed_meanwhile)):
        response = await client.post(
            path, data={"nonce": nonce_of(html), "choice": "0"}
        )
    assert response.status == 404
    await hass.async_block_till_done()
    assert [event.data["action"] for event in events] == ["IGNORE"]


async def test_a_page_of_a_reply_and_a_harmful_link(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, client: Client
) -> None:
    path = await _linked(
        hass,
        pushover_sandbox,
        actions=[{"action": "REPLY", "title": "Why?"}],
        url="javascript:alert(1)",
        url_title="Look",
    )
    _, html = await open_page(client, path)
    assert html.count("<form") == 1
    assert "javascript" not in html
    assert "Link: Look</p>" in html


async def test_a_link_dropped_before_pushover_answered_stays_dropped(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    client: Client,
    loaded_entry: MockConfigEntry,
) -> None:
    with patch.object(action_links, "MAX_LINKS", 0):
        path = await _linked(hass, pushover_sandbox)
    assert loaded_entry.runtime_data.action_links.count == 0
    assert (await open_page(client, path))[0].status == 404


def test_a_request_id_noted_after_a_write_is_in_the_next_one() -> None:
    """Pushover may answer after the link was written (the record is made once)."""
    link = ActionLink(
        digest="0" * 64,
        expires_at=dt_util.utcnow(),
        actions=(Action("CLOSE_GARAGE", "Close it"),),
        title="Garage",
        url=None,
        url_title=None,
        recipient_id="recipient",
        recipient="Alice",
        tags=("garage",),
    )
    assert link.to_json()["request"] is None
    link.note_request("a-request")
    assert link.to_json()["request"] == "a-request"
    assert link_from_json(link.to_json()) == link


async def test_unreadable_stored_links_are_dropped(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = demo_entry(pushover_sandbox)
    good = {
        "digest": action_links.digest("x" * 43),
        "expires_at": "2999-01-01T00:00:00+00:00",
        "actions": [{"action": "OK", "title": "OK", "uri": None}],
        "title": None,
        "url": None,
        "url_title": None,
        "recipient_id": "r",
        "recipient": "Pushover",
        "tags": [],
        "request": None,
    }
    hass_storage[store_key(entry.entry_id)] = {
        "version": 1,
        "key": store_key(entry.entry_id),
        "data": {
            "links": [good, {"digest": 1}, {**good, "recipient": None}, "x"],
            "event_types": "OK",
        },
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    links = entry.runtime_data.action_links
    assert links.count == 1
    assert links.event_types == []
    assert "3 unreadable action links of Pushover were dropped" in caplog.text
    assert links.find("x" * 43) is not None


async def test_removing_the_entry_removes_its_links_and_repair(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.pushover", "message": "x", "actions": GARAGE_ACTIONS},
        blocking=True,
    )
    issue_id = action_links.unreachable_issue(loaded_entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    await restart(hass, loaded_entry)
    assert store_key(loaded_entry.entry_id) in hass_storage
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert store_key(loaded_entry.entry_id) not in hass_storage
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


def test_the_failure_count_follows_a_bounded_number_of_clients(
    freezer: FrozenDateTimeFactory,
) -> None:
    limit = FailureLimit()
    with patch.object(action_page, "MAX_CLIENTS", 2):
        limit.failed("a")
        limit.failed("b")
        limit.failed("c")  # nobody is quiet yet: the oldest goes
        assert set(limit._failures) == {"b", "c"}
        freezer.tick(timedelta(seconds=61))
        limit.failed("b")
        limit.failed("d")  # c has been quiet for a minute
        assert set(limit._failures) == {"b", "d"}
    for _ in range(FAILURES_ALLOWED):
        limit.failed("d")
    assert limit.blocked("d")
    assert not limit.blocked("e")
