"""System health: Pushover's reachability, waiting messages and the quota."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    get_system_health_info,
)

from custom_components.pushover_plus.const import DOMAIN
from sandbox.seed import OTHER_TOKEN, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.outbox_helpers import account_key, send


async def _info(hass: HomeAssistant) -> dict[str, Any]:
    info = await get_system_health_info(hass, DOMAIN)
    for key, value in info.items():
        if hasattr(value, "__await__"):
            info[key] = await value
    return info


async def test_info_of_one_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "system_health", {})
    assert await _info(hass) == {
        "can_reach_server": "ok",
        "messages_waiting": "0",
        "quota_remaining": "10000 / 10000",
    }

    pushover_sandbox.controls.add_fault("500", count=100)
    await send(hass, "queued")
    info = await _info(hass)
    assert info["messages_waiting"] == "1"


async def test_info_names_each_entry_and_tells_when_pushover_is_away(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "system_health", {})
    other = demo_entry(
        pushover_sandbox, api_key=OTHER_TOKEN, user_key=OTHER_USER, name="Second"
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    info = await _info(hass)
    assert info["messages_waiting"] == "Pushover: 0, Second: 0"
    assert info["quota_remaining"].startswith("Pushover: ")
    assert ", Second: " in info["quota_remaining"]

    await pushover_sandbox.stop()
    info = await _info(hass)
    assert info["can_reach_server"] == {"type": "failed", "error": "unreachable"}


async def test_no_info_without_a_loaded_entry(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "system_health", {})
    assert await _info(hass) == {}


async def test_an_unknown_quota_is_shown_as_such(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    assert await async_setup_component(hass, "system_health", {})
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    # A lost file of stored answers, and Pushover away at the next start.
    hass_storage.pop(account_key(loaded_entry))
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    info = await _info(hass)
    assert info["quota_remaining"] == "-"
