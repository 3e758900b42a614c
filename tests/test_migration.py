"""Entries of version 1 move to the application-and-recipients shape unharmed.

Version 1 kept the first user key in the entry and its defaults among the
options, and hung every entity off that user's device. A stored version-1
entry with a queued message and an emergency alert being followed is set up
here; afterwards nothing a user sees by ID has changed and nothing is lost.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.pushover_plus.api import Message, PushoverClient
from custom_components.pushover_plus.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_LEGACY_NOTIFY,
    CONF_LONG_MESSAGE,
    CONF_PRIORITY,
    CONF_RECIPIENT_ID,
    CONF_SOUND,
    CONF_USER_KEY,
    DOMAIN,
)
from sandbox.seed import DEMO_TOKEN, DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, recipient
from tests.outbox_helpers import advance, store_key

pytestmark = pytest.mark.freeze_time(tick=True)


def _version_1_entry(sandbox: SandboxServer) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Pushover",
        version=1,
        data={
            CONF_NAME: "Pushover",
            CONF_API_KEY: DEMO_TOKEN,
            CONF_USER_KEY: DEMO_USER,
        },
        options={
            CONF_API_URL: sandbox.api_url,
            CONF_SOUND: "doorbell",
            CONF_PRIORITY: 1,
            CONF_LONG_MESSAGE: "split",
        },
        subentries_data=[recipient("Alex", OTHER_USER)],
    )


def _register_as_version_1(
    hass: HomeAssistant, entry: MockConfigEntry
) -> tuple[str, dict[str, tuple[str, str]]]:
    """Register what version 1 did: every entity on its own user's device.

    Two entity IDs are the user's own: setup would choose others.
    """
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"{entry.entry_id}_main")},
        name="Pushover",
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    registered = {
        "notify.pushover": ("notify", f"{entry.entry_id}_main"),
        "notify.my_phone": ("notify", f"{entry.entry_id}_main_device_phone"),
        "sensor.quota_left_renamed": (
            "sensor",
            f"{entry.entry_id}_messages_remaining",
        ),
        "event.pushover_emergency_alerts": (
            "event",
            f"{entry.entry_id}_emergency_alerts",
        ),
    }
    entities = er.async_get(hass)
    for entity_id, (domain, unique_id) in registered.items():
        entities.async_get_or_create(
            domain,
            DOMAIN,
            unique_id,
            config_entry=entry,
            device_id=device.id,
            suggested_object_id=entity_id.partition(".")[2],
        )
    return device.id, registered


def _register_alex_as_version_1(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Register the further recipient as version 1 did; return its device's id."""
    [alex] = entry.subentries.values()
    unique_id = f"{entry.entry_id}_{alex.subentry_id}"
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        config_subentry_id=alex.subentry_id,
        identifiers={(DOMAIN, unique_id)},
        name="Alex",
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    er.async_get(hass).async_get_or_create(
        "notify",
        DOMAIN,
        unique_id,
        config_entry=entry,
        config_subentry_id=alex.subentry_id,
        device_id=device.id,
        suggested_object_id="alex",
    )
    return device.id


async def _store_what_waits(
    hass: HomeAssistant,
    sandbox: SandboxServer,
    entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> str:
    """Store a queued message and a followed alert; return the alert's receipt."""
    client = PushoverClient(
        async_get_clientsession(hass), DEMO_TOKEN, base_url=sandbox.api_url
    )
    sent = await client.send_message(
        Message(user=DEMO_USER, message="Leak", priority=2, retry=30, expire=3600)
    )
    assert sent.receipt is not None
    now = dt_util.utcnow()
    hass_storage[f"{DOMAIN}.receipts.{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.receipts.{entry.entry_id}",
        "data": {
            "webhook_id": "w" * 64,
            "receipts": [
                {
                    "receipt": sent.receipt,
                    "title": "Leak",
                    "tags": [],
                    "recipients": ["Pushover"],
                    "sent_at": now.isoformat(),
                    "expires_at": (now + timedelta(hours=1)).isoformat(),
                    "next_poll": now.isoformat(),
                }
            ],
        },
    }
    hass_storage[store_key(entry)] = {
        "version": 1,
        "minor_version": 1,
        "key": store_key(entry),
        "data": {
            "messages": [
                {
                    "id": "a" * 32,
                    "queued_at": now.isoformat(),
                    "recipients": ["main"],
                    "message": {"parts": ["queued before the update"]},
                    "attachment": None,
                    "error": "Pushover failed with HTTP 503; try again later.",
                }
            ],
            "dropped": [],
        },
    }
    sandbox.state.messages.clear()
    return sent.receipt


async def test_version_1_entry_moves_without_losing_anything(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = _version_1_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    device_id, registered = _register_as_version_1(hass, entry)
    alex_device_id = _register_alex_as_version_1(hass, entry)
    receipt = await _store_what_waits(hass, pushover_sandbox, entry, hass_storage)
    registry_changes = async_capture_events(hass, er.EVENT_ENTITY_REGISTRY_UPDATED)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # The entry is the application; the user key and its defaults a recipient.
    assert entry.version == 2
    assert dict(entry.data) == {CONF_NAME: "Pushover", CONF_API_KEY: DEMO_TOKEN}
    assert dict(entry.options) == {
        CONF_API_URL: pushover_sandbox.api_url,
        CONF_LONG_MESSAGE: "split",
    }
    [moved] = [sub for sub in entry.subentries.values() if sub.title == "Pushover"]
    assert dict(moved.data) == {
        CONF_USER_KEY: DEMO_USER,
        CONF_RECIPIENT_ID: "main",
        CONF_LEGACY_NOTIFY: True,
        CONF_SOUND: "doorbell",
        CONF_PRIORITY: 1,
    }
    # Named like the application; its person is not guessed: a repair asks.
    issue_id = f"recipient_name_{entry.entry_id}_{moved.subentry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    # Same entity IDs, unique IDs and device; filed where they now belong,
    # never removed from the registry on the way (and brought back).
    assert [
        change.data["entity_id"]
        for change in registry_changes
        if change.data["action"] == "remove"
    ] == []
    entities = er.async_get(hass)
    for entity_id, (domain, unique_id) in registered.items():
        assert entities.async_get_entity_id(domain, DOMAIN, unique_id) == entity_id
    devices = dr.async_get(hass)
    own = devices.async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_main"), entry.entry_id
    )
    application = devices.async_get_device_by_identifier(
        (DOMAIN, f"{entry.entry_id}_application"), entry.entry_id
    )
    assert own is not None
    assert application is not None
    assert own.id == device_id
    assert own.config_subentry_id == moved.subentry_id
    assert own.via_device_id == application.id
    for entity_id in ("notify.pushover", "notify.my_phone"):
        moved_entity = entities.async_get(entity_id)
        assert moved_entity is not None
        assert moved_entity.config_subentry_id == moved.subentry_id
        assert moved_entity.device_id == device_id
    for entity_id in ("sensor.quota_left_renamed", "event.pushover_emergency_alerts"):
        app_entity = entities.async_get(entity_id)
        assert app_entity is not None
        assert app_entity.device_id == application.id
    alex = entities.async_get("notify.alex")
    assert alex is not None
    assert alex.device_id == alex_device_id

    # The emergency alert is still followed; the queued message goes out once.
    assert receipt in entry.runtime_data.receipts.receipts
    await advance(hass, freezer, 6)
    [delivered] = pushover_sandbox.state.messages
    assert (delivered.user, delivered.fields["message"]) == (
        DEMO_USER,
        "queued before the update",
    )

    # notify.pushover reaches the same user with the same defaults.
    await hass.services.async_call(
        "notify", "pushover", {"message": "after the update"}, blocking=True
    )
    latest = pushover_sandbox.state.messages[-1]
    assert latest.user == DEMO_USER
    assert (latest.fields["sound"], latest.fields["priority"]) == ("doorbell", "1")


async def test_a_version_1_entry_never_set_up_moves_too(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    # Nothing registered yet: no device or entity to move.
    entry = _version_1_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.version == 2
    assert sorted(sub.title for sub in entry.subentries.values()) == [
        "Alex",
        "Pushover",
    ]
    notify = er.async_get(hass).async_get("notify.pushover")
    assert notify is not None
    [moved] = [sub for sub in entry.subentries.values() if sub.title == "Pushover"]
    assert notify.config_subentry_id == moved.subentry_id


@pytest.mark.parametrize(
    ("version", "minor_version", "state"),
    [
        # A newer minor version is compatible: used as it is.
        (2, 2, ConfigEntryState.LOADED),
        # Home Assistant refuses a newer major version before asking us.
        (3, 1, ConfigEntryState.MIGRATION_ERROR),
    ],
)
async def test_an_entry_of_a_newer_version_is_left_as_it_is(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    version: int,
    minor_version: int,
    state: ConfigEntryState,
) -> None:
    entry = demo_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, version=version, minor_version=minor_version
    )
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is state
    assert (entry.version, entry.minor_version) == (version, minor_version)


async def test_a_version_1_entry_without_saved_answers_queues_while_pushover_is_down(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = _version_1_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    _register_as_version_1(hass, entry)
    _register_alex_as_version_1(hass, entry)
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # The quota was never told: unknown, not made up.
    state = hass.states.get("sensor.quota_left_renamed")
    assert state is not None
    assert state.state == STATE_UNAVAILABLE

    # All three ways in queue; the device entity known from the registry too.
    await hass.services.async_call(
        "notify", "pushover", {"message": "legacy", "target": "phone"}, blocking=True
    )
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.my_phone", "message": "entity"},
        blocking=True,
    )
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alex", "message": "action"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["notify.alex"]["status"] == "queued"  # type: ignore[index]
    assert entry.runtime_data.outbox.size == 3

    pushover_sandbox.controls.clear_faults()
    for _ in range(4):
        await advance(hass, freezer, 11)
    assert sorted(
        (record.fields["message"], record.fields.get("device"))
        for record in pushover_sandbox.state.messages
    ) == [("action", None), ("entity", "phone"), ("legacy", "phone")]
    assert entry.runtime_data.outbox.size == 0
    state = hass.states.get("sensor.quota_left_renamed")
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
