"""Repeat suppression through every way to send, across a restart, and with
emergency priority."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.pushover_plus import suppression
from custom_components.pushover_plus.const import (
    CONF_OUTBOX,
    CONF_SUPPRESS_REPEATS,
    DOMAIN,
    EVENT_SUPPRESSED,
)
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.outbox_helpers import advance, restart, send, texts

pytestmark = pytest.mark.freeze_time(tick=True)


async def _setup(hass: HomeAssistant, sandbox: SandboxServer, **defaults: Any) -> None:
    entry = demo_entry(sandbox, defaults=defaults)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)


async def test_the_action_says_suppressed_and_when_the_original_went(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _setup(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_SUPPRESSED)
    first = await send(hass, "Door open", title="Door", suppress_repeats=600)
    assert first["status"] == "sent"
    second = await send(hass, "Door open", title="Door", suppress_repeats="00:10:00")
    assert second["status"] == "suppressed"
    assert second["first_sent"]
    [event] = events
    assert event.data["entity_id"] == "notify.pushover"
    assert event.data["title"] == "Door"
    assert event.data["recipients"] == ["Pushover"]
    # Another text, title, priority or device is another message.
    await send(hass, "Door closed", title="Door", suppress_repeats=600)
    await send(hass, "Door open", title="Gate", suppress_repeats=600)
    await send(hass, "Door open", title="Door", priority=1, suppress_repeats=600)
    await send(hass, "Door open", "notify.pushover_phone", suppress_repeats=600)
    assert len(texts(pushover_sandbox)) == 5

    await advance(hass, freezer, 601)
    assert (await send(hass, "Door open", title="Door"))["status"] == "sent"
    assert len(texts(pushover_sandbox)) == 6


async def test_the_legacy_action_and_a_recipient_default_suppress_too(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    await _setup(hass, pushover_sandbox, **{CONF_SUPPRESS_REPEATS: 300})
    for _ in range(3):
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover", "message": "Flapping"},
            blocking=True,
        )
    for _ in range(3):
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "Legacy", "data": {"suppress_repeats": {"minutes": 5}}},
            blocking=True,
        )
    assert texts(pushover_sandbox) == ["Flapping", "Legacy"]
    # Zero switches the default off for a call.
    await send(hass, "Flapping", suppress_repeats=0)
    assert texts(pushover_sandbox) == ["Flapping", "Legacy", "Flapping"]


async def test_suppression_survives_a_restart(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    await _setup(hass, pushover_sandbox)
    await send(hass, "Once", suppress_repeats=3600)
    [entry] = hass.config_entries.async_entries(DOMAIN)
    await restart(hass, entry)
    assert (await send(hass, "Once", suppress_repeats=3600))["status"] == "suppressed"
    assert texts(pushover_sandbox) == ["Once"]


async def test_emergency_messages_are_suppressed_only_when_the_call_asks(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    await _setup(hass, pushover_sandbox, **{CONF_SUPPRESS_REPEATS: 3600})
    emergency = {"priority": 2, "retry": 30, "expire": 600}
    assert (await send(hass, "Leak", **emergency))["status"] == "sent"
    assert (await send(hass, "Leak", **emergency))["status"] == "sent"
    asked = {**emergency, "suppress_repeats": 3600}
    assert (await send(hass, "Leak", **asked))["status"] == "sent"
    assert (await send(hass, "Leak", **asked))["status"] == "suppressed"
    assert texts(pushover_sandbox) == ["Leak", "Leak", "Leak"]


async def test_a_message_that_failed_does_not_suppress_the_next(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, options={CONF_OUTBOX: False})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    pushover_sandbox.controls.add_fault("500", count=1, path="messages.json")
    with pytest.raises(HomeAssistantError):
        await send(hass, "Retry me", suppress_repeats=600)
    assert (await send(hass, "Retry me", suppress_repeats=600))["status"] == "sent"


async def test_a_duration_that_is_none_is_refused_by_name(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    await _setup(hass, pushover_sandbox)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "x", "data": {"suppress_repeats": "ten:minutes"}},
            blocking=True,
        )
    assert raised.value.translation_key == "value_not_duration"
    assert raised.value.translation_placeholders == {"field": "suppress_repeats"}


async def test_memory_is_bounded_and_purged(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(suppression, "MAX_REMEMBERED", 3)
    await _setup(hass, pushover_sandbox)
    [entry] = hass.config_entries.async_entries(DOMAIN)
    repeats = entry.runtime_data.repeats
    for text in ("a", "b", "c", "d"):
        await send(hass, text, suppress_repeats=600)
    assert len(repeats) == 3
    # The oldest was forgotten first.
    assert (await send(hass, "a", suppress_repeats=600))["status"] == "sent"
    assert (await send(hass, "d", suppress_repeats=600))["status"] == "suppressed"
    # Past their window, all are purged with the next one remembered.
    await advance(hass, freezer, 601)
    await send(hass, "e", suppress_repeats=60)
    assert len(repeats) == 1


async def test_what_is_kept_is_read_with_care_and_goes_with_the_entry(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
) -> None:
    entry = demo_entry(pushover_sandbox)
    now = dt_util.utcnow()
    hass_storage[f"{DOMAIN}.repeats.{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.repeats.{entry.entry_id}",
        "data": {
            "sent": {
                "kept": {
                    "at": now.isoformat(),
                    "until": (now + timedelta(hours=1)).isoformat(),
                },
                "over": {
                    "at": (now - timedelta(hours=2)).isoformat(),
                    "until": (now - timedelta(hours=1)).isoformat(),
                },
                "damaged": {"at": "yesterday"},
            }
        },
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert len(entry.runtime_data.repeats) == 1

    await send(hass, "kept for the unload", suppress_repeats=60)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert len(hass_storage[f"{DOMAIN}.repeats.{entry.entry_id}"]["data"]["sent"]) == 2
    await hass.config_entries.async_remove(entry.entry_id)
    assert f"{DOMAIN}.repeats.{entry.entry_id}" not in hass_storage


@pytest.mark.parametrize(
    "data", [["not", "a", "mapping"], {"sent": ["a", "list"]}, {"sent": "text"}, 42]
)
async def test_a_store_of_another_shape_is_an_empty_memory(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
    data: object,
) -> None:
    entry = demo_entry(pushover_sandbox)
    key = f"{DOMAIN}.repeats.{entry.entry_id}"
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": data}
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert len(entry.runtime_data.repeats) == 0
    for status in ("sent", "suppressed"):
        assert (await send(hass, "Door open", suppress_repeats=60))["status"] == status
