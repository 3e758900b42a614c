"""The outbox's repair issues, one entry's apart from another's.

Each entry's outbox raises its own three issues, named after the entry, and
removing the entry deletes all three while another entry's stay.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_plus import outbox_drops
from custom_components.pushover_plus.outbox_repairs import ISSUES
from sandbox.seed import OTHER_TOKEN, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.outbox_helpers import advance, issue, send

pytestmark = pytest.mark.freeze_time(tick=True)


async def _add(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _queue(hass: HomeAssistant, *texts: str, **fields: object) -> None:
    """Queue the same messages for both entries (Pushover fails meanwhile)."""
    for entity in ("notify.home", "notify.cabin"):
        for text in texts:
            assert (await send(hass, text, entity, **fields))["status"] == "queued"


def _shown(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> dict[str, str]:
    """Return the placeholders of the entry's issue ``key``, which must be raised."""
    found = issue(hass, entry.entry_id, key)
    assert found is not None
    assert found.translation_key == key
    return dict(found.translation_placeholders or {})


async def test_each_entry_has_its_own_outbox_repairs_until_removed(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_drops, "OUTBOX_MAX_MESSAGES", 3)
    home = await _add(hass, demo_entry(pushover_sandbox, name="Home"))
    cabin = await _add(
        hass,
        demo_entry(
            pushover_sandbox, api_key=OTHER_TOKEN, user_key=OTHER_USER, name="Cabin"
        ),
    )
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")
    # One message is given up, one makes room for a newer one, three wait long.
    await _queue(hass, "stale", title="Stale", ttl=30)
    await advance(hass, freezer, 31)
    await _queue(hass, "first", "second", "third", "fourth")
    await advance(hass, freezer, 301)

    for entry in (home, cabin):
        waiting = _shown(hass, entry, "messages_waiting")
        assert waiting.pop("since")
        assert waiting.pop("reason")
        assert waiting == {"entry": entry.title, "count": "3"}
        assert _shown(hass, entry, "delivery_failed") == {
            "entry": entry.title,
            "count": "1",
            "title": "Stale",
        }
        assert _shown(hass, entry, "outbox_full") == {
            "entry": entry.title,
            "count": "1",
            "max_messages": "3",
            "max_megabytes": "200",
        }

    assert await hass.config_entries.async_remove(home.entry_id)
    await hass.async_block_till_done()

    assert all(issue(hass, home.entry_id, key) is None for key in ISSUES)
    assert all(issue(hass, cabin.entry_id, key) is not None for key in ISSUES)
