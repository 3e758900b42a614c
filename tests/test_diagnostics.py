"""Diagnostics of a Pushover Plus entry."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from sandbox.seed import DEMO_TOKEN, DEMO_USER
from sandbox.server import SandboxServer


async def test_diagnostics_redact_the_token_and_keys(
    hass: HomeAssistant,
    pinned_entry: MockConfigEntry,
    # After the entry, whose clock the client's access token must share.
    hass_client: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, pinned_entry
    )
    text = json.dumps(diagnostics)
    assert DEMO_TOKEN not in text
    assert DEMO_USER not in text
    assert diagnostics["api_url"] == pushover_sandbox.api_url
    # The sandbox's port changes between runs; everything else is pinned.
    assert diagnostics == snapshot(exclude=props("api_url"))
