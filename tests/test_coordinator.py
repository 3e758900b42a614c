"""The coordinator: devices and sounds changing at Pushover, starts while it is down."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntryState,
    ConfigSubentry,
)
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest

import custom_components.pushover_plus as integration
from custom_components.pushover_plus.const import DOMAIN
from sandbox.seed import DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, first_recipient_id, recipient
from tests.outbox_helpers import (
    TEST_TIMEOUT,
    account_key,
    advance,
    asked,
    restart,
    send,
    setup_entry,
    texts,
)

pytestmark = pytest.mark.freeze_time(tick=True)


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a hanging request time out quickly."""
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)


async def test_device_added_after_setup_is_reachable_without_reload(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.set_devices(DEMO_USER, ["phone", "watch"])
    await advance(hass, freezer, 61)

    assert (await send(hass, "on the wrist", devices=["watch"]))["status"] == "sent"
    [record] = pushover_sandbox.state.messages
    assert record.devices == ["watch"]
    assert not record.all_devices
    # The new device got its entity, without a reload.
    assert hass.states.get("notify.pushover_watch") is not None


async def test_unknown_device_is_refused_and_asked_at_most_once_a_minute(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, pushover_sandbox)
    assert asked(pushover_sandbox, "users/validate") == 1
    # Asked at setup a moment ago: not again.
    for _ in range(2):
        with pytest.raises(ServiceValidationError) as raised:
            await send(hass, "Hi", devices=["pixel9"])
        assert raised.value.translation_key == "unknown_device"
    assert asked(pushover_sandbox, "users/validate") == 1

    await advance(hass, freezer, 61)
    with pytest.raises(ServiceValidationError):
        await send(hass, "Hi", devices=["pixel9"])
    assert asked(pushover_sandbox, "users/validate") == 2
    assert pushover_sandbox.state.messages == []


async def test_custom_sound_added_after_setup_is_used(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_sound("trumpet", "Trumpet (custom)")
    await advance(hass, freezer, 61)

    await send(hass, "Fanfare", sound="trumpet")
    [record] = pushover_sandbox.state.messages
    assert record.fields["sound"] == "trumpet"


async def test_unknown_sound_goes_without_the_sound(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_entry(hass, pushover_sandbox)
    await advance(hass, freezer, 61)
    # Pushover is down when asked: what was known decides.
    pushover_sandbox.controls.add_fault("500", count=1, path="sounds")

    assert (await send(hass, "Hi", sound="trumpet"))["status"] == "sent"
    [record] = pushover_sandbox.state.messages
    assert "sound" not in record.fields
    assert "Could not ask Pushover again about the sounds" in caplog.text
    assert "Pushover does not know the sound trumpet" in caplog.text
    assert asked(pushover_sandbox, "sounds.json") == 2


async def test_hourly_refresh_adds_and_retires_device_entities(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    assert hass.states.get("notify.pushover_watch") is None
    pushover_sandbox.controls.set_devices(DEMO_USER, ["phone", "desktop", "watch"])
    pushover_sandbox.controls.add_sound("trumpet", "Trumpet (custom)")

    await advance(hass, freezer, 3601)

    assert entry.runtime_data.coordinator.data.recipients[
        first_recipient_id(entry)
    ].devices == (
        "phone",
        "desktop",
        "watch",
    )
    assert "trumpet" in entry.runtime_data.coordinator.data.sounds
    watch = hass.states.get("notify.pushover_watch")
    assert watch is not None
    assert watch.state != STATE_UNAVAILABLE
    # A message to the removed device is refused, not skipped unseen (an
    # unavailable entity would be), and never goes to every device.
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover_tablet", "message": "Hi"},
            blocking=True,
        )
    assert refused.value.translation_key == "unknown_device"
    assert pushover_sandbox.state.messages == []

    # The next start cleans the removed device's entity up.
    await restart(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    registry = er.async_get(hass)
    assert registry.async_get("notify.pushover_tablet") is None
    assert registry.async_get("notify.pushover_watch") is not None


async def test_a_device_removed_at_pushover_adds_nothing_and_keeps_its_entity(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    before = set(hass.states.async_entity_ids("notify"))
    pushover_sandbox.controls.set_devices(DEMO_USER, ["phone", "desktop"])

    await advance(hass, freezer, 3601)

    assert entry.runtime_data.coordinator.data.recipients[
        first_recipient_id(entry)
    ].devices == (
        "phone",
        "desktop",
    )
    assert set(hass.states.async_entity_ids("notify")) == before
    tablet = hass.states.get("notify.pushover_tablet")
    assert tablet is not None
    assert tablet.state != STATE_UNAVAILABLE


async def test_start_while_pushover_is_down(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    assert await hass.config_entries.async_unload(entry.entry_id)
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    pushover_sandbox.controls.clear_requests()

    assert await hass.config_entries.async_setup(entry.entry_id)
    # Nothing waited for Pushover.
    assert pushover_sandbox.state.requests == []
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    for entity_id in ("notify.pushover", "notify.pushover_phone"):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE
    await hass.services.async_call(
        "notify", "pushover", {"message": "while down"}, blocking=True
    )
    assert entry.runtime_data.outbox.size == 1
    # Asked again with the outbox's back-off: 5 s, then 10 s.
    await advance(hass, freezer, 6)
    assert asked(pushover_sandbox, "users/validate") == 2

    pushover_sandbox.controls.clear_faults()
    pushover_sandbox.controls.set_devices(DEMO_USER, ["phone", "watch"])
    await advance(hass, freezer, 11)
    await advance(hass, freezer, 11)

    assert texts(pushover_sandbox) == ["while down"]
    assert entry.runtime_data.outbox.size == 0
    assert entry.runtime_data.coordinator.data.recipients[
        first_recipient_id(entry)
    ].devices == (
        "phone",
        "watch",
    )
    assert hass.states.get("notify.pushover_watch") is not None
    await advance(hass, freezer, 3601)
    assert texts(pushover_sandbox) == ["while down"]


async def test_first_setup_while_pushover_is_down_is_retried(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    entry = demo_entry(pushover_sandbox)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_token_refused_after_a_stored_start_asks_for_reauth(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    seed = pushover_sandbox.state.seed
    pushover_sandbox.state.seed = type(seed)(
        apps={}, users=seed.users, groups=seed.groups, sounds=seed.sounds
    )
    await restart(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.state is ConfigEntryState.LOADED
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_user_refused_after_a_stored_start_is_a_setup_error(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    seed = pushover_sandbox.state.seed
    users = {key: user for key, user in seed.users.items() if key != DEMO_USER}
    pushover_sandbox.state.seed = type(seed)(
        apps=seed.apps, users=users, groups={}, sounds=seed.sounds
    )
    await restart(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert account_key(entry) not in hass_storage


async def test_a_recipient_added_while_pushover_is_down_is_asked_about_later(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Started from the registries: nothing Pushover said is at hand.
    hass_storage.pop(account_key(entry))
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    assert await hass.config_entries.async_setup(entry.entry_id)

    hass.config_entries.async_add_subentry(
        entry, ConfigSubentry(**recipient("Alex", OTHER_USER))
    )
    await hass.async_block_till_done()
    # Known without its devices until Pushover answers; nothing stored meanwhile.
    assert hass.states.get("notify.alex") is not None
    assert hass.states.get("notify.alex_pixel") is None
    assert account_key(entry) not in hass_storage
    await send(hass, "to Alex", "notify.alex")
    assert entry.runtime_data.outbox.size == 1

    pushover_sandbox.controls.clear_faults()
    for _ in range(3):
        await advance(hass, freezer, 11)
    assert texts(pushover_sandbox) == ["to Alex"]
    assert hass.states.get("notify.alex_pixel") is not None
    assert account_key(entry) in hass_storage
