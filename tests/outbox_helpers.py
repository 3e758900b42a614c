"""What the outbox, fault and fuzz tests share: time travel, reading the sandbox.

Tests that wait for the outbox run with ``@pytest.mark.freeze_time(tick=True)``:
the clock runs (so that a hanging request does time out) and
:func:`advance` jumps it forward, firing Home Assistant's timers.
"""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.pushover_plus.const import DOMAIN
from sandbox.model import MessageRecord, RequestRecord
from sandbox.server import SandboxServer
from tests.conftest import demo_entry

#: Seconds a test lets a request to the sandbox take (see REQUEST_TIMEOUT).
TEST_TIMEOUT = 1.0


def store_key(entry: MockConfigEntry) -> str:
    """Return the storage key of an entry's outbox."""
    return f"pushover_plus.outbox.{entry.entry_id}"


def outbox_folder(hass: HomeAssistant, entry: MockConfigEntry) -> Path:
    """Return the folder of an entry's queued messages and their images."""
    return Path(hass.config.path(".storage", f"{store_key(entry)}.files"))


def stored_messages(
    hass: HomeAssistant, entry: MockConfigEntry
) -> list[dict[str, Any]]:
    """Return the queued messages as their files hold them, oldest first."""
    folder = outbox_folder(hass, entry)
    found = [json.loads(path.read_text()) for path in folder.glob("*.json")]
    return sorted(found, key=lambda message: int(message["seq"]))


async def setup_entry(
    hass: HomeAssistant, sandbox: SandboxServer, **options: Any
) -> MockConfigEntry:
    """Add and set up the demo entry with extra options."""
    entry = demo_entry(sandbox, options=options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def send(
    hass: HomeAssistant, message: str, entity: str = "notify.pushover", **fields: Any
) -> dict[str, Any]:
    """Send through pushover_plus.send_message; return the entity's response."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": entity, "message": message, **fields},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    result: dict[str, Any] = response[entity]  # type: ignore[assignment]
    return result


def issue(
    hass: HomeAssistant, entry_id: str, key: str = "delivery_failed"
) -> ir.IssueEntry | None:
    """Return the entry's outbox repair issue ``key``, if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{key}_{entry_id}")


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Move the clock forward, fire what is due and wait for the outbox."""
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def message_requests(sandbox: SandboxServer) -> list[RequestRecord]:
    """Return the messages.json requests the sandbox received."""
    return [
        request
        for request in sandbox.state.requests
        if request.path.endswith("messages.json")
    ]


def texts(sandbox: SandboxServer) -> list[str]:
    """Return the texts of the delivered messages, in order."""
    return [record.fields["message"] for record in sandbox.state.messages]


def fields_as_sent(record: MessageRecord) -> dict[str, str]:
    """Return what a message carried, without the keys and the added time."""
    return {
        key: value
        for key, value in record.fields.items()
        if key not in ("token", "user", "timestamp")
    }


def account_key(entry: MockConfigEntry) -> str:
    """Return the storage key of what an entry learnt."""
    return f"pushover_plus.account.{entry.entry_id}"


def asked(sandbox: SandboxServer, endpoint: str) -> int:
    """Return how many requests went to ``endpoint``."""
    return sum(1 for request in sandbox.state.requests if endpoint in request.path)


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry and set it up again from what it stored."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
