"""Fixtures shared by the Pushover Plus tests.

The tests talk to the project's Pushover sandbox (sandbox/) over loopback,
never to a mock of the integration's own client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData, ConfigSubentryDataWithId
from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    setup_test_component_platform,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_plus import PLATFORMS
from custom_components.pushover_plus.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_LEGACY_NOTIFY,
    CONF_RECIPIENT_ID,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from custom_components.pushover_plus.migration import CURRENT_VERSION
from sandbox.seed import DEMO_GROUP, DEMO_TOKEN, DEMO_USER
from sandbox.server import SandboxServer
from tests.images import FakeCamera, FakeImage, image_bytes

pytest_plugins = ["sandbox.pytest_plugin"]

#: notify.family as an automation calls it, with the companion app's keys.
COMPANION_CALL: dict[str, Any] = {
    "message": "Someone at the door",
    "data": {
        "image": "/api/camera_proxy/camera.front",
        "actions": [{"action": "OPEN", "title": "Open"}],
        "push": {"interruption-level": "time-sensitive"},
        "tag": "door",
        "group": "doorbell",
        "priority": "1",
    },
}


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Give every test a configuration folder of its own.

    The outbox writes its messages there, never into the shared test package.
    """
    return hass_tmp_config_dir


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/pushover_plus in every test."""


def demo_entry(
    sandbox: SandboxServer,
    *,
    api_key: str = DEMO_TOKEN,
    user_key: str = DEMO_USER,
    name: str = "Pushover",
    options: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
    subentries: list[ConfigSubentryData] | None = None,
    recipient_id: str | None = None,
    entry_id: str | None = None,
    first_subentry_id: str | None = None,
) -> MockConfigEntry:
    """Return an entry that talks to the sandbox, not yet added.

    Its first recipient, named like the entry, has ``user_key`` and
    ``defaults`` and receives notify.<name>; ``subentries`` are further ones.
    ``recipient_id`` is the one an entry moved from version 1 keeps ("main").
    ``entry_id`` and ``first_subentry_id`` pin ids (for snapshots).
    """
    first = recipient(name, user_key, **(defaults or {}))
    first["data"] = {**first["data"], CONF_LEGACY_NOTIFY: True}
    if recipient_id is not None:
        first["data"][CONF_RECIPIENT_ID] = recipient_id
    if first_subentry_id is not None:
        first = with_id(first, first_subentry_id)
    return MockConfigEntry(
        entry_id=entry_id,
        domain=DOMAIN,
        title=name,
        version=CURRENT_VERSION,
        data={CONF_NAME: name, CONF_API_KEY: api_key},
        options={CONF_API_URL: sandbox.api_url, **(options or {})},
        subentries_data=[first, *(subentries or [])],
    )


def recipient(title: str, user_key: str, **defaults: Any) -> ConfigSubentryData:
    """Return a recipient subentry with the given message defaults."""
    return ConfigSubentryData(
        data={CONF_USER_KEY: user_key, **defaults},
        subentry_type=SUBENTRY_RECIPIENT,
        title=title,
        unique_id=None,
    )


def with_id(subentry: ConfigSubentryData, subentry_id: str) -> ConfigSubentryData:
    """Return ``subentry`` with a pinned id (for snapshots)."""
    return ConfigSubentryDataWithId(**subentry, subentry_id=subentry_id)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return syrupy's snapshot with Home Assistant's serializer, as core does.

    It leaves out what changes between runs (registry ids, timestamps).
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


#: The ids snapshot tests pin, so that snapshots do not change between runs.
PINNED_ENTRY_ID = "01JPUSHOVERPLUSENTRY000000"
PINNED_SUBENTRY_IDS = ("01JPUSHOVERPLUSFIRST000000", "01JPUSHOVERPLUSFAMILY00000")
PINNED_TIME = "2026-12-07T12:00:00+00:00"


@pytest.fixture
def platforms() -> list[Platform]:
    """Return the platforms ``pinned_entry`` sets up; a snapshot test names one."""
    return list(PLATFORMS)


@pytest.fixture
async def pinned_entry(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    platforms: list[Platform],
) -> AsyncIterator[MockConfigEntry]:
    """Return a set-up entry with pinned ids and time: a user and a group."""
    freezer.move_to(PINNED_TIME)
    entry = demo_entry(
        pushover_sandbox,
        entry_id=PINNED_ENTRY_ID,
        first_subentry_id=PINNED_SUBENTRY_IDS[0],
        subentries=[with_id(recipient("Family", DEMO_GROUP), PINNED_SUBENTRY_IDS[1])],
    )
    entry.add_to_hass(hass)
    with patch("custom_components.pushover_plus.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry


@pytest.fixture
def config_entry(pushover_sandbox: SandboxServer) -> MockConfigEntry:
    """Return an entry for the sandbox's demo token and user, not yet added."""
    return demo_entry(pushover_sandbox)


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Return the demo entry, set up against the sandbox."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def cameras(hass: HomeAssistant) -> None:
    """Set up camera.front (a JPEG), camera.broken (none) and camera.text."""
    setup_test_component_platform(
        hass,
        "camera",
        [
            FakeCamera("camera.front", image_bytes("JPEG", (32, 24))),
            FakeCamera("camera.broken", None),
            FakeCamera("camera.text", b"<html>login</html>"),
        ],
    )
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()


@pytest.fixture
async def images(hass: HomeAssistant) -> None:
    """Set up image.plan (a PNG) and image.empty (none)."""
    setup_test_component_platform(
        hass,
        "image",
        [
            FakeImage(hass, "image.plan", image_bytes("PNG", (20, 10))),
            FakeImage(hass, "image.empty", None),
        ],
    )
    assert await async_setup_component(hass, "image", {"image": {"platform": "test"}})
    await hass.async_block_till_done()


@pytest.fixture
async def notify_group(hass: HomeAssistant) -> list[ServiceCall]:
    """Set up the YAML notify group notify.family: a phone app and notify.pushover.

    Returns the calls the phone app got. Set up before the entry, as Home
    Assistant reads the notify platforms of configuration.yaml at its start.
    """
    phone_calls: list[ServiceCall] = []
    hass.services.async_register("notify", "mobile_app_pixel", phone_calls.append)
    members = [
        {"service": "mobile_app_pixel"},
        {"service": "pushover", "data": {"data": {"sound": "siren"}}},
    ]
    config = {"notify": [{"platform": "group", "name": "family", "services": members}]}
    assert await async_setup_component(hass, "notify", config)
    await hass.async_block_till_done()
    return phone_calls


def first_recipient_id(entry: MockConfigEntry) -> str:
    """Return the recipient id of an entry's first recipient (its subentry id)."""
    return next(iter(entry.subentries))


async def send_emergency(
    hass: HomeAssistant,
    entity_id: str = "notify.pushover",
    *,
    title: str | None = "Smoke",
    **fields: Any,
) -> str:
    """Send an emergency message with pushover_plus.send_message; return its receipt."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": entity_id,
            "message": "Smoke in the kitchen",
            **({"title": title} if title else {}),
            "priority": 2,
            "retry": 30,
            "expire": 600,
            **fields,
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    receipt = response[entity_id]["messages"][0]["receipt"]  # type: ignore[index]
    assert isinstance(receipt, str)
    return receipt
