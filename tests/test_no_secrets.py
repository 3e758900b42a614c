"""No secret shows: token, user and encryption keys stay out of logs, errors, states...

Everything logs at DEBUG while the entry is set up, sends every way, fails in
every way (queued, dropped, refused, quota, unreadable reply), asks for
reauthentication and hands out diagnostics. Action links count as secrets
too: messages with actions are sent, their pages opened and pressed. Loggers
of the in-process sandbox and of the test harness are left out: they stand
for Pushover's servers and for disk contents, which hold the keys by design.
"""

from __future__ import annotations

from collections.abc import Awaitable
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

import custom_components.pushover_plus as integration
from custom_components.pushover_plus.action_links import store_key as links_key
from custom_components.pushover_plus.const import (
    CONF_ENCRYPTION_KEY,
    DOMAIN,
    EVENT_ACTION,
    EVENT_DELIVERY_FAILED,
)
from custom_components.pushover_plus.diagnostics import (
    async_get_config_entry_diagnostics,
)
from sandbox.seed import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER_ENCRYPTION_KEY,
    OTHER_USER,
    OTHER_USER_ENCRYPTION_KEY,
)
from sandbox.server import SandboxServer
from tests.action_helpers import GARAGE_ACTIONS, Client, press, reachable, token_of
from tests.conftest import demo_entry, recipient
from tests.fault_figures import FIGURES
from tests.outbox_helpers import TEST_TIMEOUT, advance, outbox_folder, store_key

pytestmark = pytest.mark.freeze_time(tick=True)

ENCRYPTION_KEYS = (DEMO_USER_ENCRYPTION_KEY, OTHER_USER_ENCRYPTION_KEY)
#: The end-to-end keys count in every form: as typed, in upper case, as bytes.
SECRETS = (
    DEMO_TOKEN,
    DEMO_USER,
    OTHER_USER,
    DEMO_GROUP,
    *ENCRYPTION_KEYS,
    *(key.upper() for key in ENCRYPTION_KEYS),
    *(repr(bytes.fromhex(key))[2:-1] for key in ENCRYPTION_KEYS),
)
#: The sandbox stands for Pushover; the harness logs what it writes to "disk".
FOREIGN_LOGGERS = (
    "sandbox",
    "aiohttp.access",
    "aiohttp.server",
    "aiohttp.web",
    "pytest_homeassistant_custom_component",
)


def _error_texts(err: BaseException) -> list[str]:
    """Return everything an exception and its causes would show."""
    found: list[str] = []
    current: BaseException | None = err
    while current is not None:
        found += [str(current), repr(current), repr(current.args)]
        if isinstance(current, HomeAssistantError):
            found.append(repr(current.translation_placeholders))
        current = current.__cause__ or current.__context__
    return found


async def _use_action_links(
    hass: HomeAssistant, sandbox: SandboxServer, client: Client
) -> list[str]:
    """Send with actions every way, press and miss links; return their tokens."""
    await reachable(hass)
    first = len(sandbox.state.messages)
    for entity in ("notify.pushover", "notify.family"):
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": entity, "message": "a", "actions": GARAGE_ACTIONS},
            blocking=True,
        )
    await hass.services.async_call(
        "notify",
        "pushover",
        {"message": "b", "data": {"actions": GARAGE_ACTIONS}},
        blocking=True,
    )
    paths = []
    for record in sandbox.state.messages[first:]:
        fields = record.decryption.fields if record.decryption else record.fields
        paths.append(fields["url"].split(".com", 1)[1])
    await press(client, paths[0], 2, reply="with a reply")
    await press(client, paths[1], 0)
    assert (await client.get(paths[1])).status == 404  # used
    return [token_of(path) for path in paths]


def _log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter("%(name)s %(message)s")
    return [
        formatter.format(record)
        for record in caplog.records
        if not record.name.startswith(FOREIGN_LOGGERS)
    ]


async def test_no_secret_shows_anywhere(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)
    caplog.set_level(logging.DEBUG)
    for name in ("homeassistant", "custom_components", "aiohttp"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    events: list[Event[Any]] = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    events += async_capture_events(hass, EVENT_ACTION)
    errors: list[BaseException] = []
    responses: list[Any] = []

    async def attempt(call: Awaitable[Any]) -> None:
        try:
            responses.append(await call)
        except HomeAssistantError as err:
            errors.append(err)

    def send_message(message: str, entity: str = "notify.pushover") -> Awaitable[Any]:
        return hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": entity, "message": message},
            blocking=True,
            return_response=True,
        )

    def every_way(message: str) -> list[Awaitable[Any]]:
        return [
            send_message(message, "notify.family"),
            hass.services.async_call(
                "notify",
                "send_message",
                {"entity_id": "notify.alex", "message": message},
                blocking=True,
            ),
            hass.services.async_call(
                "notify", "pushover", {"message": message}, blocking=True
            ),
        ]

    entry = demo_entry(
        pushover_sandbox,
        options={"outbox_max_age": 1},
        defaults={CONF_ENCRYPTION_KEY: DEMO_USER_ENCRYPTION_KEY},
        subentries=[
            recipient("Alex", OTHER_USER, encryption_key=OTHER_USER_ENCRYPTION_KEY),
            recipient("Family", DEMO_GROUP),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    tokens = await _use_action_links(
        hass, pushover_sandbox, await hass_client_no_auth()
    )
    queued: list[str] = []
    for call in every_way("plain"):
        await attempt(call)
    for fault in ("503_html", "drop", "hang"):
        pushover_sandbox.controls.add_fault(fault, count=3, path="messages")
        for call in every_way(fault):
            await attempt(call)
        queued += [
            path.read_text() for path in outbox_folder(hass, entry).glob("*.json")
        ]
        await advance(hass, freezer, 6)
    pushover_sandbox.controls.add_fault("malformed_json", count=1, path="messages")
    await attempt(send_message("unreadable reply"))
    pushover_sandbox.controls.add_fault("429", count=1, path="messages")
    await attempt(send_message("quota"))
    pushover_sandbox.state.seed.sounds.clear()  # type: ignore[union-attr]
    await attempt(
        hass.services.async_call(
            "notify", "pushover", {"message": "x", "data": {"sound": "doorbell"}}
        )
    )
    # Pushover is down for good: the queued messages expire and are dropped.
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages")
    for call in every_way("lost"):
        await attempt(call)
    await advance(hass, freezer, 3700)
    pushover_sandbox.controls.clear_faults()
    # The token is revoked: sending fails and asks for it again.
    pushover_sandbox.state.seed.apps.clear()
    await attempt(send_message("revoked"))
    await hass.async_block_till_done()

    assert events
    assert errors
    assert queued
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    translations = await async_get_translations(hass, "en", "issues", [DOMAIN])
    repair_texts: list[str] = []
    for issue in ir.async_get(hass).issues.values():
        if issue.domain != DOMAIN:
            continue
        placeholders = issue.translation_placeholders or {}
        repair_texts += [repr(issue.data), repr(placeholders)]
        for part in ("title", "description"):
            key = f"component.{DOMAIN}.issues.{issue.translation_key}.{part}"
            if key in translations:
                repair_texts.append(translations[key].format(**placeholders))
    assert repair_texts
    texts = [
        *_log_texts(caplog),
        *(text for err in errors for text in _error_texts(err)),
        json.dumps(diagnostics, default=str),
        *repair_texts,
        *(
            json.dumps(state.as_dict(), default=str)
            for state in hass.states.async_all()
        ),
        *(json.dumps(event.data, default=str) for event in events),
        json.dumps(responses, default=str),
        json.dumps(hass_storage.get(store_key(entry)), default=str),
        json.dumps(hass_storage.get(links_key(entry.entry_id)), default=str),
        *queued,
    ]

    # DEBUG records of the client and of Home Assistant were looked at.
    assert any("Pushover POST messages.json" in text for text in texts)
    assert diagnostics["action_links_open"] > 0
    secrets = (*SECRETS, *tokens)
    found = [
        (secret, text[:200]) for text in texts for secret in secrets if secret in text
    ]
    FIGURES.secret_texts += len(texts)
    FIGURES.secrets_found += len(found)
    assert not found
