"""Fixtures shared by the Pushover Plus tests.

The tests talk to the project's Pushover sandbox (sandbox/) over loopback,
never to a mock of the integration's own client.
"""

from __future__ import annotations

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_plus.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_USER_KEY,
    DOMAIN,
)
from sandbox.seed import DEMO_TOKEN, DEMO_USER
from sandbox.server import SandboxServer

pytest_plugins = ["sandbox.pytest_plugin"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/pushover_plus in every test."""


@pytest.fixture
def config_entry(pushover_sandbox: SandboxServer) -> MockConfigEntry:
    """Return an entry for the sandbox's demo token and user, not yet added."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Pushover",
        data={
            CONF_NAME: "Pushover",
            CONF_API_KEY: DEMO_TOKEN,
            CONF_USER_KEY: DEMO_USER,
        },
        options={CONF_API_URL: pushover_sandbox.api_url},
    )


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Return the demo entry, set up against the sandbox."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry
