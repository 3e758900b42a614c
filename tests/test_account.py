"""The store of what Pushover said: no key in it, and only of use to its own token."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest

import custom_components.pushover_plus as integration
from custom_components.pushover_plus.account import fingerprint
from sandbox.seed import DEMO_TOKEN, DEMO_USER
from sandbox.server import SandboxServer
from tests.conftest import first_recipient_id
from tests.outbox_helpers import TEST_TIMEOUT, account_key, asked, setup_entry

pytestmark = pytest.mark.freeze_time(tick=True)


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a hanging request time out quickly."""
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)


async def test_stored_answers_hold_no_key_and_go_with_the_entry(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    stored = hass_storage[account_key(entry)]["data"]
    assert stored["recipients"][first_recipient_id(entry)]["devices"] == [
        "phone",
        "tablet",
        "desktop",
    ]
    assert stored["token"] == fingerprint(DEMO_TOKEN)
    assert DEMO_TOKEN not in str(stored)
    assert DEMO_USER not in str(stored)

    await hass.config_entries.async_remove(entry.entry_id)
    assert account_key(entry) not in hass_storage


@pytest.mark.parametrize(
    "damage",
    [
        {"token": "another"},
        {"sounds": {"a": 1}},
        {"quota": {"limit": 1, "remaining": 1, "reset": "never"}},
        {"recipients": []},
    ],
)
async def test_stored_answers_of_no_use_make_setup_ask(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
    damage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass_storage[account_key(entry)]["data"].update(damage)
    pushover_sandbox.controls.clear_requests()

    assert await hass.config_entries.async_setup(entry.entry_id)
    assert asked(pushover_sandbox, "users/validate") == 1
    assert entry.runtime_data.coordinator.data.recipients[
        first_recipient_id(entry)
    ].devices == (
        "phone",
        "tablet",
        "desktop",
    )
