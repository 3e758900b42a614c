"""Bounded over months: what accumulates is purged, or capped when callers choose it.

Each test goes through Home Assistant against the sandbox and looks at what
stays behind: in the stores, or in what the integration remembers. README's
"Bounded over months" table lists each bound; a feature that keeps something
new (action links, say) adds its row there and its test here. Repeat
suppression's bound is proved in test_suppression.py.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_plus import notify as notify_module, outbox_drops
from custom_components.pushover_plus.const import DOMAIN
from sandbox.seed import DEMO_USER
from sandbox.server import SandboxServer
from tests.conftest import send_emergency
from tests.outbox_helpers import advance, issue, send, setup_entry, store_key


def receipts_key(entry: MockConfigEntry) -> str:
    """Return the storage key of an entry's emergency receipts."""
    return f"{DOMAIN}.receipts.{entry.entry_id}"


def stored_receipts(hass_storage: dict[str, Any], entry: MockConfigEntry) -> list[str]:
    """Return the receipts the entry's store holds."""
    data = hass_storage[receipts_key(entry)]["data"]
    return [item["receipt"] for item in data["receipts"]]


async def test_receipts_of_ended_alerts_leave_the_store(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    acknowledged = await send_emergency(hass, title="Smoke")
    expired = await send_emergency(hass, title="Water")
    open_alert = await send_emergency(hass, title="Door")
    await advance(hass, freezer, 2)  # the store is written a second later
    assert stored_receipts(hass_storage, loaded_entry) == [
        acknowledged,
        expired,
        open_alert,
    ]

    await pushover_sandbox.controls.acknowledge(acknowledged, user=DEMO_USER)
    pushover_sandbox.controls.expire(expired)
    await advance(hass, freezer, 6)  # polled: one acknowledged, one expired
    await advance(hass, freezer, 2)
    assert stored_receipts(hass_storage, loaded_entry) == [open_alert]

    await pushover_sandbox.controls.acknowledge(open_alert, user=DEMO_USER)
    await advance(hass, freezer, 6)
    await advance(hass, freezer, 2)
    assert stored_receipts(hass_storage, loaded_entry) == []


async def test_a_removed_entry_leaves_no_receipts_behind(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    receipt = await send_emergency(hass)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert stored_receipts(hass_storage, loaded_entry) == [receipt]

    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    assert receipts_key(loaded_entry) not in hass_storage


async def test_unknown_legacy_keys_are_remembered_up_to_a_cap(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notify_module, "MAX_WARNED_KEYS", 3)
    for batch in range(3):
        data = {f"made_up_{batch}_{index}": 1 for index in range(2)}
        await hass.services.async_call(
            "notify", "pushover", {"message": "Hi", "data": data}, blocking=True
        )
    # Every message went; only the first three keys were remembered and named.
    assert len(pushover_sandbox.state.messages) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [w.split("'")[1] for w in warnings] == [
        "made_up_0_0",
        "made_up_0_1",
        "made_up_1_0",
    ]
    assert warnings[-1].endswith("further unknown keys are not reported")
    assert len(loaded_entry.runtime_data.legacy_service._warned_keys) == 3


@pytest.mark.freeze_time(tick=True)
async def test_dropped_messages_are_remembered_up_to_a_cap(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_drops, "DROPS_REMEMBERED", 2)
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")
    for index in range(3):
        response = await send(hass, f"m{index}", title=f"T{index}", ttl=60)
        assert response["status"] == "queued"

    await advance(hass, freezer, 61)  # each too old: given up

    assert entry.runtime_data.outbox.size == 0
    dropped = hass_storage[store_key(entry)]["data"]["dropped"]
    assert [drop["label"] for drop in dropped] == ["T1", "T2"]
    repair = issue(hass, entry.entry_id)
    assert repair is not None
    assert repair.translation_placeholders is not None
    assert repair.translation_placeholders["count"] == "2"
    assert repair.translation_placeholders["title"] == "T2"
