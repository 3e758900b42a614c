"""The send path's details: value coercion, splitting, failures, cancellation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import selector
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.pushover_plus.const import DOMAIN
from custom_components.pushover_plus.long_text import split_message
from custom_components.pushover_plus.sending import prepare
from sandbox.seed import DEMO_USER
from sandbox.server import SandboxServer
from tests.conftest import first_recipient_id
from tests.images import image_bytes


async def _legacy(hass: HomeAssistant, data: dict[str, Any], **extra: Any) -> None:
    await hass.services.async_call(
        "notify", "pushover", {"message": "Hi", "data": data, **extra}, blocking=True
    )


async def test_legacy_values_are_coerced_like_yaml_writes_them(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await _legacy(
        hass,
        {
            "priority": "1",
            "ttl": 120.0,
            "html": "on",
            "timestamp": "2026-11-24T10:00:00+00:00",
            "url": 42,
        },
    )
    await _legacy(hass, {"html": "off", "monospace": "true", "priority": " -1 "})
    first, second = pushover_sandbox.state.messages
    assert first.fields["priority"] == "1"
    assert first.fields["ttl"] == "120"
    assert first.fields["html"] == "1"
    assert first.fields["timestamp"] == "1795514400"
    assert first.fields["url"] == "42"
    assert second.fields["monospace"] == "1"
    assert "html" not in second.fields
    assert second.fields["priority"] == "-1"


async def test_timestamp_as_a_datetime(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await _legacy(hass, {"timestamp": datetime(2026, 11, 24, 10, tzinfo=UTC)})
    [record] = pushover_sandbox.state.messages
    assert record.fields["timestamp"] == "1795514400"


async def test_attachment_from_a_media_selector(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    jpeg = image_bytes("JPEG")
    (tmp_path / "snap.jpg").write_bytes(jpeg)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.pushover_phone",
            "message": "Motion",
            "attachment": {
                "media_content_id": str(tmp_path / "snap.jpg"),
                "media_content_type": "image/jpeg",
            },
        },
        blocking=True,
        return_response=True,
    )
    [record] = pushover_sandbox.state.messages
    assert record.attachment is not None
    assert record.attachment.data == jpeg
    assert record.attachment.content_type == "image/jpeg"
    assert response is not None


@pytest.mark.usefixtures("cameras")
async def test_camera_snapshot_is_attached_for_each_device(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": ["notify.pushover_phone", "notify.pushover_tablet"],
            "message": "Doorbell",
            "attachment": "camera.front",
        },
        blocking=True,
    )
    records = pushover_sandbox.state.messages
    assert sorted(record.devices[0] for record in records) == ["phone", "tablet"]
    assert all(record.attachment is not None for record in records)
    assert records[0].attachment is not None
    assert records[0].attachment.content_type == "image/jpeg"


@pytest.mark.usefixtures("cameras")
async def test_broken_camera_sends_nothing(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "Doorbell", "data": {"attachment": "camera.broken"}},
            blocking=True,
        )
    assert raised.value.translation_key == "attachment_entity_failed"
    assert pushover_sandbox.state.messages == []


async def test_failing_attachment_sends_nothing(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "entity_id": "notify.pushover",
                "message": "Motion",
                "attachment": "/etc/passwd",
            },
            blocking=True,
        )
    assert raised.value.translation_key == "attachment_path_not_allowed"
    assert pushover_sandbox.state.messages == []


def test_split_cuts_only_words_longer_than_a_part() -> None:
    url = "https://example.com/" + "x" * 1500
    parts = split_message(f"see {url} now")
    assert [part.split(" ", 1)[0] for part in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert all(len(part) <= 1024 for part in parts)
    assert parts[0] == "(1/3) see"
    assert (
        "".join(part.split(" ", 1)[1] for part in parts[1:]).replace(" now", "") == url
    )


async def test_user_removed_at_pushover_is_reported(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    del pushover_sandbox.state.seed.users[DEMO_USER]
    with pytest.raises(HomeAssistantError) as raised:
        await _legacy(hass, {})
    assert raised.value.translation_key == "invalid_user_key"
    assert DEMO_USER not in str(raised.value)


async def test_api_refusal_is_passed_on_in_its_own_words(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    # The custom sound was deleted at Pushover after setup read the list.
    sounds = pushover_sandbox.state.seed.sounds
    assert isinstance(sounds, dict)
    sounds.clear()
    with pytest.raises(HomeAssistantError) as raised:
        await _legacy(hass, {"sound": "doorbell"})
    assert raised.value.translation_key == "request_refused"
    assert "sound" in raised.value.translation_placeholders["errors"]


@pytest.mark.parametrize(("fault", "delivered"), [("slow", 1), ("hang", 0)])
async def test_a_cancelled_sender_does_not_break_the_send(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    fault: str,
    delivered: int,
) -> None:
    runtime = loaded_entry.runtime_data
    recipient = runtime.coordinator.data.recipients[first_recipient_id(loaded_entry)]
    outgoing = prepare(
        loaded_entry, recipient, {"message": "Hi"}, sounds={}, callback_url=None
    )
    pushover_sandbox.controls.add_fault(fault, count=1, delay=0.2)
    sending = asyncio.ensure_future(
        runtime.sender.async_send_prepared(outgoing, recipient, None)
    )
    await asyncio.sleep(0.05)  # the request is on its way
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    await hass.async_block_till_done()
    assert len(pushover_sandbox.state.messages) == delivered


@pytest.mark.usefixtures("cameras", "images")
async def test_the_action_ui_picks_cameras_and_images_as_media(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    services = yaml.safe_load(
        (
            Path(__file__).parent.parent
            / "custom_components/pushover_plus/services.yaml"
        ).read_text()
    )
    field = services["send_message"]["fields"]["attachment"]["fields"]["attachment"]
    picker = selector.selector(field["selector"])
    assert isinstance(picker, selector.MediaSelector)
    assert "image/*" in picker.config["accept"]
    # What the picker hands over for a streaming camera and an image entity.
    choices = [
        picker(
            {
                "media_content_id": media_id,
                "media_content_type": content_type,
                "metadata": {"title": "Front door"},
            }
        )
        for media_id, content_type in (
            ("media-source://camera/camera.front", "application/vnd.apple.mpegurl"),
            ("media-source://image/image.plan", "image/png"),
        )
    ]
    # Typed in YAML, an entity ID (or a path or URL) is still accepted.
    for attachment in (*choices, "camera.front"):
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "entity_id": "notify.pushover_phone",
                "message": "Look",
                "attachment": attachment,
            },
            blocking=True,
        )
    types = [
        record.attachment.content_type if record.attachment else None
        for record in pushover_sandbox.state.messages
    ]
    assert types == ["image/jpeg", "image/png", "image/jpeg"]
