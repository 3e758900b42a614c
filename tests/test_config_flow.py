"""Tests for the Pushover Plus config flow, against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
import logging
from typing import Any

from aiohttp import web
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.pushover_plus.config_flow import CONF_RECIPIENT_NAME
from custom_components.pushover_plus.const import (
    CONF_ACK_WEBHOOK,
    CONF_ACTION_LINK_HOURS,
    CONF_ACTION_LINK_INTERNAL,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_ATTACHMENT_HOSTS,
    CONF_DEVICES,
    CONF_EXPIRE,
    CONF_HTML,
    CONF_LEGACY_NOTIFY,
    CONF_LONG_MESSAGE,
    CONF_OUTBOX,
    CONF_OUTBOX_MAX_AGE,
    CONF_PRIORITY,
    CONF_QUOTA_WARNING,
    CONF_RETRY,
    CONF_SOUND,
    CONF_SUPPRESS_REPEATS,
    CONF_TTL,
    CONF_USER_KEY,
    DEFAULT_API_URL,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from sandbox.seed import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    NO_DEVICE_USER,
    OTHER_TOKEN,
    OTHER_USER,
)
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, first_recipient_id, recipient
from tests.web_server import serve

UNKNOWN_KEY = "uNobodyHasThisKey0000000000009"
ADVANCED = {"source": SOURCE_USER}


async def _start_user_flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context=ADVANCED)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return dict(result)


def _keys(
    sandbox: SandboxServer, api_key: str = DEMO_TOKEN, user_key: str = DEMO_USER
) -> dict[str, str]:
    return {
        CONF_NAME: "Pushover",
        CONF_API_KEY: api_key,
        CONF_USER_KEY: user_key,
        "advanced": {CONF_API_URL: sandbox.api_url},
    }


def _recipients(entry: ConfigEntry) -> list[tuple[str, dict[str, Any]]]:
    return [
        (subentry.title, dict(subentry.data)) for subentry in entry.subentries.values()
    ]


async def test_user_step_validates_live_and_creates_the_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    result = await _start_user_flow(hass)
    assert result["description_placeholders"]["apps_url"].startswith("https://")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **_keys(pushover_sandbox),
            CONF_NAME: "  Home phone  ",
            CONF_API_KEY: f" {DEMO_TOKEN[:10]} {DEMO_TOKEN[10:]}\n",
            CONF_RECIPIENT_NAME: "  Alex  ",
            CONF_USER_KEY: f"\t{DEMO_USER}\r\n",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home phone"
    assert result["data"] == {CONF_NAME: "Home phone", CONF_API_KEY: DEMO_TOKEN}
    assert result["options"] == {CONF_API_URL: pushover_sandbox.api_url}
    # The user key is the entry's first recipient, named after its person: it
    # gets notify.alex; the legacy action keeps the entry's name.
    assert _recipients(result["result"]) == [
        ("Alex", {CONF_USER_KEY: DEMO_USER, CONF_LEGACY_NOTIFY: True})
    ]
    await hass.async_block_till_done()
    assert hass.states.get("notify.alex") is not None
    assert hass.services.has_service("notify", "home_phone")
    assert hass.states.get("event.home_phone_emergency_alerts") is not None
    validations = [
        request
        for request in pushover_sandbox.state.requests
        if request.path.endswith("users/validate.json")
    ]
    assert len(validations) >= 1
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED


def _offered(result: Mapping[str, Any]) -> str:
    """Return the name the form offers for the person or group."""
    [field] = [
        key for key in result["data_schema"].schema if key == CONF_RECIPIENT_NAME
    ]
    return str(field.default())


async def test_the_owner_is_offered_as_the_person_behind_the_key(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, hass_owner_user: MockUser
) -> None:
    hass_owner_user.name = "Sam Owner"
    result = await _start_user_flow(hass)
    assert _offered(result) == "Sam Owner"
    # Left blank, the recipient takes the name offered.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_keys(pushover_sandbox), CONF_RECIPIENT_NAME: " "}
    )
    assert _recipients(result["result"])[0][0] == "Sam Owner"


@pytest.mark.parametrize(("language", "me"), [("en", "Me"), ("de", "Ich")])
async def test_without_an_owner_me_is_offered_in_the_language(
    hass: HomeAssistant, language: str, me: str
) -> None:
    hass.config.language = language
    assert _offered(await _start_user_flow(hass)) == me


async def test_a_person_named_like_the_application_is_refused(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    """The recipient named like the application made the log say "by Pushover"."""
    result = await _start_user_flow(hass)
    requests = len(pushover_sandbox.state.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_keys(pushover_sandbox), CONF_RECIPIENT_NAME: "pushover "}
    )
    assert result["errors"] == {CONF_RECIPIENT_NAME: "recipient_is_application"}
    assert len(pushover_sandbox.state.requests) == requests
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_keys(pushover_sandbox), CONF_RECIPIENT_NAME: "Alex"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_api_url_is_in_a_collapsed_section(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    advanced = result["data_schema"].schema["advanced"]
    assert advanced.options == {"collapsed": True}
    # A malformed key is refused before anything is sent, and the flow goes on.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Pushover",
            CONF_API_KEY: "x" * 29,
            CONF_USER_KEY: DEMO_USER,
            "advanced": {CONF_API_URL: DEFAULT_API_URL},
        },
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key_format"}


@pytest.mark.parametrize(
    ("changes", "fault", "errors"),
    [
        ({CONF_API_KEY: "short"}, None, {CONF_API_KEY: "invalid_api_key_format"}),
        ({CONF_USER_KEY: "bad key!"}, None, {CONF_USER_KEY: "invalid_user_key_format"}),
        ({CONF_API_KEY: "a" * 30}, None, {CONF_API_KEY: "invalid_api_key"}),
        ({CONF_USER_KEY: UNKNOWN_KEY}, None, {CONF_USER_KEY: "invalid_user_key"}),
        ({CONF_USER_KEY: NO_DEVICE_USER}, None, {"base": "no_active_devices"}),
        (
            {"advanced": {CONF_API_URL: "ftp://example.invalid/"}},
            None,
            {"base": "invalid_api_url"},
        ),
        ({}, "500", {"base": "cannot_connect_url"}),
        ({}, "drop", {"base": "cannot_connect_url"}),
        ({}, "429", {"base": "unknown"}),
    ],
)
async def test_user_step_errors_then_recovers(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    changes: dict[str, str],
    fault: str | None,
    errors: dict[str, str],
) -> None:
    result = await _start_user_flow(hass)
    if fault:
        pushover_sandbox.controls.add_fault(fault, count=1)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_keys(pushover_sandbox), **changes}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unreachable_api_url_is_named_and_stays_visible(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    result = await _start_user_flow(hass)
    advanced = result["data_schema"].schema["advanced"]
    assert advanced.options["collapsed"] is True
    pushover_sandbox.controls.add_fault("drop", count=1)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox)
    )
    assert result["errors"] == {"base": "cannot_connect_url"}
    assert result["description_placeholders"]["api_url"] == pushover_sandbox.api_url
    advanced = result["data_schema"].schema["advanced"]
    assert advanced.options["collapsed"] is False
    [url_field] = advanced.schema.schema
    assert url_field.description == {"suggested_value": pushover_sandbox.api_url}


@dataclass
class WebSite:
    """Another web server: every path answers ``status`` with an HTML page."""

    url: str = ""
    status: int = 404
    page: str = "<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"


@pytest.fixture
async def web_site(socket_enabled: None) -> AsyncIterator[WebSite]:
    """Run a web server that is no Pushover API on loopback."""
    site = WebSite()

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(
            status=site.status, text=site.page, content_type="text/html"
        )

    async with serve(answer) as site.url:
        yield site


def _not_pushover_said_by_the_url(
    result: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """The form names the URL as the problem, quietly: no error or traceback."""
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"advanced": "not_pushover_api"}
    assert result["data_schema"].schema["advanced"].options["collapsed"] is False
    assert "Traceback" not in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_api_url_without_its_version_is_not_pushover(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The likeliest typo: the server without /1/, which answers 404 there."""
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **_keys(pushover_sandbox),
            "advanced": {CONF_API_URL: pushover_sandbox.base_url},
        },
    )
    _not_pushover_said_by_the_url(result, caplog)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("status", "default"),
    [
        # Any other web server's 404 page.
        (404, False),
        # A page served with 200 to every request (a router's, say), typed in...
        (200, False),
        # ...or answering in Pushover's place, as a captive portal does.
        (200, True),
    ],
)
async def test_a_web_server_that_is_not_pushover_is_named_by_the_url(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    web_site: WebSite,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    default: bool,
) -> None:
    web_site.status = status
    if status == 200:
        web_site.page = "<!DOCTYPE html><html><body><form>Log in</form></body></html>"
    if default:
        monkeypatch.setattr(
            "custom_components.pushover_plus.config_flow.DEFAULT_API_URL",
            web_site.url,
        )
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**_keys(pushover_sandbox), "advanced": {CONF_API_URL: web_site.url}},
    )
    _not_pushover_said_by_the_url(result, caplog)


async def test_group_key_is_accepted(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox, user_key=DEMO_GROUP)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_token_and_user_twice_aborts(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_same_user_with_another_token_is_a_new_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox, api_key=OTHER_TOKEN)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


def _builtin_entry(
    title: str = "Old pushover", user_key: str = DEMO_USER
) -> MockConfigEntry:
    return MockConfigEntry(
        domain="pushover",
        title=title,
        data={CONF_NAME: title, CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: user_key},
    )


async def test_import_copies_name_and_keys(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "custom_components.pushover_plus.config_flow.DEFAULT_API_URL",
        pushover_sandbox.api_url,
    )
    builtin = _builtin_entry()
    builtin.add_to_hass(hass)
    _builtin_entry("Someone else", OTHER_USER).add_to_hass(hass)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["import_builtin", "manual"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "import_builtin"}
    )
    assert result["step_id"] == "import_builtin"
    pushover_sandbox.controls.add_fault("503_html", count=1)
    assert _offered(result) == "Me"
    chosen = {"builtin_entry": builtin.entry_id}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**chosen, CONF_RECIPIENT_NAME: "Old Pushover"}
    )
    assert result["errors"] == {CONF_RECIPIENT_NAME: "recipient_is_application"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**chosen, CONF_RECIPIENT_NAME: "Alex"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**chosen, CONF_RECIPIENT_NAME: "Alex"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The built-in entry's name stays the application's (and notify.old_pushover's).
    assert result["title"] == "Old pushover"
    assert result["data"] == {CONF_NAME: "Old pushover", CONF_API_KEY: DEMO_TOKEN}
    assert _recipients(result["result"]) == [
        ("Alex", {CONF_USER_KEY: DEMO_USER, CONF_LEGACY_NOTIFY: True})
    ]

    # The imported entry is no longer offered; the other one still is.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "import_builtin"}
    )
    options = result["data_schema"].schema["builtin_entry"].config["options"]
    assert [option["label"] for option in options] == ["Someone else"]


async def test_import_menu_can_choose_manual_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    _builtin_entry().add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context=ADVANCED)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "manual"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _keys(pushover_sandbox, user_key=OTHER_USER)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_import_aborts_when_another_flow_took_it(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "custom_components.pushover_plus.config_flow.DEFAULT_API_URL",
        pushover_sandbox.api_url,
    )
    builtin = _builtin_entry()
    builtin.add_to_hass(hass)
    flow = hass.config_entries.flow
    first = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    second = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert first["type"] is second["type"] is FlowResultType.MENU

    result = await flow.async_configure(
        second["flow_id"], {"next_step_id": "import_builtin"}
    )
    result = await flow.async_configure(
        result["flow_id"], {"builtin_entry": builtin.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY

    result = await flow.async_configure(
        first["flow_id"], {"next_step_id": "import_builtin"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_import"


async def test_reauth_asks_for_a_new_token(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert list(result["data_schema"].schema) == [CONF_API_KEY]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "b" * 30}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: f" {OTHER_TOKEN} "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data[CONF_API_KEY] == OTHER_TOKEN
    # The new token reloads the entry: let it finish before the test ends.
    await hass.async_block_till_done()


async def test_reconfigure_changes_the_token(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert list(result["data_schema"].schema) == [CONF_API_KEY]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "b" * 30}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: OTHER_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.data[CONF_API_KEY] == OTHER_TOKEN
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_names_a_stored_api_url_that_is_not_pushover(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox, options={CONF_API_URL: pushover_sandbox.base_url}
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: OTHER_TOKEN}
    )
    # The URL is not in this form: the error is the form's own.
    assert result["errors"] == {"base": "not_pushover_api"}


async def test_reconfigure_reloads_once_and_only_on_change(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    loads: list[ConfigEntryState] = []
    loaded_entry.async_on_state_change(
        lambda: (
            loads.append(loaded_entry.state)
            if loaded_entry.state is ConfigEntryState.LOADED
            else None
        )
    )
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loads == []  # nothing changed: not reloaded

    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: OTHER_TOKEN}
    )
    await hass.async_block_till_done()
    assert loads == [ConfigEntryState.LOADED]  # set up once with the new token
    assert "update listener" not in caplog.text


async def test_unchanged_keys_set_up_a_failed_entry_again(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, config_entry: MockConfigEntry
) -> None:
    pushover_sandbox.controls.add_fault("500", count=100)
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    pushover_sandbox.controls.clear_faults()

    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: DEMO_TOKEN}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def test_without_recipients_the_token_alone_is_checked(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    for subentry_id in list(loaded_entry.subentries):
        hass.config_entries.async_remove_subentry(loaded_entry, subentry_id)
    await hass.async_block_till_done()
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "b" * 30}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: OTHER_TOKEN}
    )
    assert result["reason"] == "reconfigure_successful"
    assert pushover_sandbox.state.requests[-1].path.endswith("sounds.json")
    # The new token reloads the entry: let it finish before the test ends.
    await hass.async_block_till_done()


async def test_reconfigure_refuses_keys_of_another_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    other = demo_entry(pushover_sandbox, api_key=OTHER_TOKEN, name="Other")
    other.add_to_hass(hass)
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: OTHER_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _options_form(api_url: str, **sections: dict[str, Any]) -> dict[str, Any]:
    """The options form as the frontend posts it: one mapping per section."""
    return {
        "long_messages": {CONF_LONG_MESSAGE: "truncate"},
        "delivery": {CONF_OUTBOX_MAX_AGE: 24},
        "emergency": {},
        "actions": {CONF_ACTION_LINK_HOURS: 24},
        "attachments": {},
        "quota": {CONF_QUOTA_WARNING: 500},
        "advanced": {CONF_API_URL: api_url},
        **sections,
    }


def _suggested(schema: Any) -> dict[str, Any]:
    """The values a form shows, by section."""
    shown: dict[str, Any] = {}
    for key, value in schema.schema.items():
        if isinstance(value, section):
            shown[str(key)] = _suggested(value.schema)
        elif key.description and "suggested_value" in key.description:
            shown[str(key)] = key.description["suggested_value"]
    return shown


async def test_options_hold_the_entry_wide_settings(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["step_id"] == "init"
    # One section per subject; each recipient's defaults are its own.
    schema = result["data_schema"].schema
    assert list(schema) == [
        "long_messages",
        "delivery",
        "emergency",
        "actions",
        "attachments",
        "quota",
        "advanced",
    ]
    assert all(isinstance(value, section) for value in schema.values())
    # A test server's URL keeps Advanced open, so that it is not forgotten.
    assert schema["advanced"].options == {"collapsed": False}
    assert not schema["delivery"].options["collapsed"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        _options_form(
            pushover_sandbox.api_url,
            long_messages={CONF_LONG_MESSAGE: "split"},
            delivery={CONF_OUTBOX: False, CONF_OUTBOX_MAX_AGE: 12},
            emergency={CONF_ACK_WEBHOOK: True},
            actions={CONF_ACTION_LINK_HOURS: 6, CONF_ACTION_LINK_INTERNAL: True},
            attachments={
                CONF_ATTACHMENT_HOSTS: [" Camera.Local ", "", "cdn.example.com"]
            },
            quota={CONF_QUOTA_WARNING: 100},
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Stored flat, as before sections: older entries keep working.
    assert loaded_entry.options == {
        CONF_LONG_MESSAGE: "split",
        CONF_OUTBOX_MAX_AGE: 12,
        CONF_QUOTA_WARNING: 100,
        CONF_OUTBOX: False,
        CONF_ACK_WEBHOOK: True,
        CONF_ACTION_LINK_HOURS: 6,
        CONF_ACTION_LINK_INTERNAL: True,
        CONF_ATTACHMENT_HOSTS: ["camera.local", "cdn.example.com"],
        CONF_API_URL: pushover_sandbox.api_url,
    }
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_options_show_the_stored_options_by_section(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    stored = {
        CONF_LONG_MESSAGE: "split",
        CONF_OUTBOX: False,
        CONF_OUTBOX_MAX_AGE: 12,
        CONF_ACK_WEBHOOK: True,
        CONF_ACTION_LINK_HOURS: 12,
        CONF_ATTACHMENT_HOSTS: ["camera.local"],
        CONF_QUOTA_WARNING: 100,
    }
    entry = demo_entry(pushover_sandbox, options=stored)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert _suggested(result["data_schema"]) == {
        "long_messages": {CONF_LONG_MESSAGE: "split"},
        "delivery": {CONF_OUTBOX: False, CONF_OUTBOX_MAX_AGE: 12},
        "emergency": {CONF_ACK_WEBHOOK: True},
        "actions": {CONF_ACTION_LINK_HOURS: 12},
        "attachments": {CONF_ATTACHMENT_HOSTS: ["camera.local"]},
        "quota": {CONF_QUOTA_WARNING: 100},
        "advanced": {CONF_API_URL: pushover_sandbox.api_url},
    }
    # Left as the form offers them, the defaults are stored.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_form(pushover_sandbox.api_url)
    )
    assert result["data"] == {
        CONF_LONG_MESSAGE: "truncate",
        CONF_OUTBOX_MAX_AGE: 24,
        CONF_QUOTA_WARNING: 500,
        CONF_OUTBOX: True,
        CONF_ACK_WEBHOOK: False,
        CONF_ACTION_LINK_HOURS: 24,
        CONF_ACTION_LINK_INTERNAL: False,
        CONF_ATTACHMENT_HOSTS: [],
        CONF_API_URL: pushover_sandbox.api_url,
    }


async def test_options_of_an_entry_on_pushover_keep_advanced_closed(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, options={CONF_API_URL: DEFAULT_API_URL})
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["data_schema"].schema["advanced"].options == {"collapsed": True}


async def test_options_check_a_new_api_url(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    pushover_sandbox.controls.add_fault("500", count=1)
    url = pushover_sandbox.api_url.rstrip("/")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_form(url)
    )
    # Shown by the section the URL is in, which stays open with the URL typed.
    assert result["errors"] == {"advanced": "cannot_connect"}
    advanced = result["data_schema"].schema["advanced"]
    assert advanced.options == {"collapsed": False}
    assert _suggested(result["data_schema"])["advanced"] == {CONF_API_URL: url}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_form(url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_URL] == url


async def test_options_say_when_a_new_api_url_refuses_the_token(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, api_key=UNKNOWN_KEY)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_form(pushover_sandbox.api_url.rstrip("/"))
    )
    # The token is not in this form: the error is shown by the URL's section.
    assert result["errors"] == {"advanced": "invalid_api_key"}


async def test_options_name_a_new_api_url_that_is_not_pushover(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_form(pushover_sandbox.base_url)
    )
    _not_pushover_said_by_the_url(dict(result), caplog)


async def test_settings_work_while_the_entry_is_not_loaded(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox,
        options={CONF_API_URL: "http://127.0.0.1:9/1/"},
        defaults={CONF_DEVICES: ["old"]},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY

    # The recipient's form offers what is known without Pushover.
    result = await _reconfigure_recipient(hass, entry, first_recipient_id(entry))
    schema = result["data_schema"].schema
    assert schema[CONF_DEVICES].config["options"] == ["old"]
    sounds = [option["value"] for option in schema[CONF_SOUND].config["options"]]
    assert "pianobar" in sounds
    assert "doorbell" not in sounds

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _options_form(pushover_sandbox.api_url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def _reconfigure_recipient(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> SubentryFlowResult:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )


async def test_recipient_defaults_are_set_by_reconfiguring_it(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    subentry_id = first_recipient_id(loaded_entry)
    result = await _reconfigure_recipient(hass, loaded_entry, subentry_id)
    schema = result["data_schema"].schema
    assert schema[CONF_DEVICES].config["options"] == ["phone", "tablet", "desktop"]
    sounds = [option["value"] for option in schema[CONF_SOUND].config["options"]]
    assert sounds[0] == "device_default"
    assert "doorbell" in sounds
    assert "pianobar" in sounds

    form = {
        CONF_NAME: "Pushover",
        CONF_DEVICES: ["phone"],
        CONF_SOUND: "doorbell",
        CONF_PRIORITY: "2",
        CONF_HTML: True,
    }
    flow = hass.config_entries.subentries
    result = await flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {CONF_RETRY: "emergency_needs_retry_expire"}
    result = await flow.async_configure(result["flow_id"], {**form, CONF_RETRY: 30})
    assert result["errors"] == {CONF_EXPIRE: "emergency_needs_retry_expire"}
    # Pushover's own example: it repeats 50 times (25 minutes), then stops.
    result = await flow.async_configure(
        result["flow_id"],
        {
            **form,
            CONF_RETRY: 30,
            CONF_EXPIRE: 10800,
            CONF_TTL: 600,
            CONF_SUPPRESS_REPEATS: 900,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    # The key and the notify.<name> mark stay.
    assert dict(loaded_entry.subentries[subentry_id].data) == {
        CONF_USER_KEY: DEMO_USER,
        CONF_LEGACY_NOTIFY: True,
        CONF_DEVICES: ["phone"],
        CONF_SOUND: "doorbell",
        CONF_PRIORITY: 2,
        CONF_RETRY: 30,
        CONF_EXPIRE: 10800,
        CONF_TTL: 600,
        CONF_SUPPRESS_REPEATS: 900,
        CONF_HTML: True,
    }
    await hass.async_block_till_done()
    recipient = loaded_entry.runtime_data.coordinator.data.recipients[subentry_id]
    assert recipient.defaults[CONF_SOUND] == "doorbell"

    # Reopened, the form shows the stored defaults and each device once.
    result = await _reconfigure_recipient(hass, loaded_entry, subentry_id)
    schema = result["data_schema"].schema
    assert schema[CONF_DEVICES].config["options"] == ["phone", "tablet", "desktop"]
    suggested = _suggested(result["data_schema"])
    assert suggested[CONF_PRIORITY] == "2"
    assert suggested[CONF_SOUND] == "doorbell"
    assert suggested[CONF_DEVICES] == ["phone"]

    # The device's own sound is not stored as a sound.
    result = await flow.async_configure(
        result["flow_id"], {CONF_NAME: "Pushover", CONF_SOUND: "device_default"}
    )
    assert CONF_SOUND not in loaded_entry.subentries[subentry_id].data
    await hass.async_block_till_done()


async def test_sound_list_has_one_default(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    result = await _reconfigure_recipient(
        hass, loaded_entry, first_recipient_id(loaded_entry)
    )
    options = result["data_schema"].schema[CONF_SOUND].config["options"]
    labels = {option["value"]: option["label"] for option in options}
    # The device's own sound; Pushover labels its sound "Pushover (default)".
    assert [value for value, label in labels.items() if "default" in label.lower()] == [
        "device_default"
    ]
    assert labels["pushover"] == "Pushover"


async def test_add_recipient_subentry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    assert result["step_id"] == "user"

    result = await flow.async_configure(
        result["flow_id"], {CONF_NAME: "Alex", CONF_USER_KEY: UNKNOWN_KEY}
    )
    assert result["errors"] == {CONF_USER_KEY: "invalid_user_key"}

    # Created at once: closing a later form cannot lose it.
    result = await flow.async_configure(
        result["flow_id"], {CONF_NAME: " Alex ", CONF_USER_KEY: f" {OTHER_USER}"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Alex"
    assert result["data"] == {CONF_USER_KEY: OTHER_USER}
    await hass.async_block_till_done()
    recipients = loaded_entry.runtime_data.coordinator.data.recipients
    assert {recipient.name for recipient in recipients.values()} == {"Pushover", "Alex"}


async def test_recipient_keys_must_be_new(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    """A key the entry has is refused on its field; the name typed stays."""
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    requests_before = len(pushover_sandbox.state.requests)
    result = await flow.async_configure(
        result["flow_id"], {CONF_NAME: "Alex", CONF_USER_KEY: f" {DEMO_USER} "}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_USER_KEY: "already_configured"}
    assert _suggested(result["data_schema"])[CONF_NAME] == "Alex"
    # Known from the entry itself: Pushover was not asked.
    assert len(pushover_sandbox.state.requests) == requests_before

    result = await flow.async_configure(
        result["flow_id"], {CONF_NAME: "Alex", CONF_USER_KEY: OTHER_USER}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Alex"


async def test_recipient_without_a_name_gets_one(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    result = await flow.async_configure(
        result["flow_id"], {CONF_NAME: "  ", CONF_USER_KEY: DEMO_GROUP}
    )
    assert result["title"] == "Recipient"


async def test_reconfigure_recipient(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    config_entry = demo_entry(
        pushover_sandbox, subentries=[recipient("Alex", OTHER_USER, priority=0)]
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    subentry_id = list(config_entry.subentries)[1]

    flow = hass.config_entries.subentries
    result = await _reconfigure_recipient(hass, config_entry, subentry_id)
    assert result["step_id"] == "reconfigure"
    schema = result["data_schema"].schema
    assert schema[CONF_DEVICES].config["options"] == ["pixel"]

    result = await flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Alex", CONF_PRIORITY: "2", CONF_EXPIRE: 9000},
    )
    assert result["errors"] == {CONF_RETRY: "emergency_needs_retry_expire"}
    result = await flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Alex's phone", CONF_PRIORITY: "-1", CONF_DEVICES: ["pixel"]},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = config_entry.subentries[subentry_id]
    assert subentry.title == "Alex's phone"
    assert subentry.data == {
        CONF_USER_KEY: OTHER_USER,
        CONF_DEVICES: ["pixel"],
        CONF_PRIORITY: -1,
        CONF_HTML: False,
    }
    # The update reloads the entry; let it finish before the test ends.
    await hass.async_block_till_done()
