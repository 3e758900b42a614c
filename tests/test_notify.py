"""Sending through notify entities, notify.send_message and notify.<name>."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service import async_get_all_descriptions
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_plus.const import (
    CONF_EXPIRE,
    CONF_HTML,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_TTL,
    DOMAIN,
)
from sandbox.model import MessageRecord
from sandbox.seed import DEMO_GROUP, DEMO_TOKEN, DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import COMPANION_CALL, demo_entry, recipient


def _sent(sandbox: SandboxServer) -> list[MessageRecord]:
    return list(sandbox.state.messages)


def _fields(record: MessageRecord) -> dict[str, str]:
    """The fields that reached the sandbox, without the token and user."""
    return {
        key: value
        for key, value in record.fields.items()
        if key not in ("token", "user")
    }


async def _entry_with_options(
    hass: HomeAssistant, config_entry: MockConfigEntry, **options: Any
) -> MockConfigEntry:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={**config_entry.options, **options}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    return config_entry


async def test_entities_per_recipient_and_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
    assert sorted(entity.entity_id for entity in entities) == [
        "button.pushover_send_waiting_messages_now",
        "event.pushover_actions",
        "event.pushover_emergency_alerts",
        "notify.pushover",
        "notify.pushover_desktop",
        "notify.pushover_phone",
        "notify.pushover_tablet",
        "sensor.pushover_messages_remaining",
        "sensor.pushover_messages_waiting",
        "sensor.pushover_monthly_message_limit",
        "sensor.pushover_quota_reset",
    ]
    assert hass.states.get("notify.pushover_phone") is not None
    assert hass.services.has_service("notify", "pushover")


async def test_notify_send_message_to_a_device(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.pushover_phone", "message": "Hello", "title": "Hi"},
        blocking=True,
    )
    [record] = _sent(pushover_sandbox)
    assert record.user == DEMO_USER
    assert record.token == DEMO_TOKEN
    assert _fields(record) == {"message": "Hello", "title": "Hi", "device": "phone"}
    assert record.devices == ["phone"]
    state = hass.states.get("notify.pushover_phone")
    assert state is not None
    assert state.state != "unknown"


async def test_recipient_entity_reaches_every_device_with_defaults(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    defaults = {
        CONF_SOUND: "doorbell",
        CONF_PRIORITY: 1,
        CONF_TTL: 600,
        CONF_HTML: True,
    }
    await _entry_with_options(hass, demo_entry(pushover_sandbox, defaults=defaults))
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.pushover", "message": "<b>Door</b>"},
        blocking=True,
    )
    [record] = _sent(pushover_sandbox)
    assert _fields(record) == {
        "message": "<b>Door</b>",
        "sound": "doorbell",
        "priority": "1",
        "ttl": "600",
        "html": "1",
    }
    assert record.all_devices


async def test_send_message_action_with_every_field(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.pushover",
            "message": "Water leak",
            "title": "Kitchen",
            "devices": ["phone", "tablet"],
            "sound": "siren",
            "priority": 2,
            "retry": 60,
            "expire": 600,
            "callback": "https://example.com/ack",
            "tags": ["leak", "kitchen"],
            "timestamp": "2026-11-24T10:00:00+00:00",
            "url": "https://example.com/",
            "url_title": "Camera",
            "monospace": True,
        },
        blocking=True,
        return_response=True,
    )
    [record] = _sent(pushover_sandbox)
    assert _fields(record) == {
        "message": "Water leak",
        "title": "Kitchen",
        "device": "phone,tablet",
        "sound": "siren",
        "priority": "2",
        "retry": "60",
        "expire": "600",
        "callback": "https://example.com/ack",
        "tags": "leak,kitchen",
        "timestamp": "1795514400",
        "url": "https://example.com/",
        "url_title": "Camera",
        "monospace": "1",
    }
    assert record.receipt is not None
    assert response == {
        "notify.pushover": {
            "status": "sent",
            "messages": [{"request": record.request_id, "receipt": record.receipt}],
        }
    }
    state = hass.states.get("notify.pushover")
    assert state is not None
    assert state.state != "unknown"


async def test_emergency_defaults_fill_retry_and_expire(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    defaults = {CONF_RETRY: 45, CONF_EXPIRE: 900, CONF_TTL: 60}
    await _entry_with_options(hass, demo_entry(pushover_sandbox, defaults=defaults))
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.pushover", "message": "Alarm", "priority": 2},
        blocking=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.pushover", "message": "Info"},
        blocking=True,
    )
    emergency, normal = _sent(pushover_sandbox)
    # ttl does not go with emergency messages; retry and expire only with them.
    assert _fields(emergency) == {
        "message": "Alarm",
        "priority": "2",
        "retry": "45",
        "expire": "900",
    }
    assert _fields(normal) == {"message": "Info", "ttl": "60"}


@pytest.mark.parametrize(
    ("data", "sent"),
    [
        # The built-in's documented example, and Pushover's own (50 repeats).
        (
            {"priority": 2, "retry": 60, "expire": 3600},
            {"priority": "2", "retry": "60", "expire": "3600"},
        ),
        (
            {"priority": 2, "retry": 30, "expire": 10800, "ttl": 60},
            {"priority": "2", "retry": "30", "expire": "10800"},
        ),
        (
            {"priority": 1, "retry": 60, "expire": 3600, "callback_url": "x"},
            {"priority": "1"},
        ),
        ({"retry": "30", "tags": ["door"], "ttl": "120"}, {"ttl": "120"}),
    ],
)
async def test_what_pushover_accepts_is_delivered(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    sent: dict[str, str],
) -> None:
    await hass.services.async_call(
        "notify", "pushover", {"message": "Alarm", "data": data}, blocking=True
    )
    [record] = _sent(pushover_sandbox)
    assert _fields(record) == {"message": "Alarm", **sent}


@pytest.mark.parametrize(
    ("fields", "key", "field"),
    [
        ({"priority": 3}, "priority_out_of_range", "priority"),
        ({"priority": -3}, "priority_out_of_range", "priority"),
        ({"priority": 2}, "retry_required", "retry"),
        ({"priority": 2, "retry": 60}, "expire_required", "expire"),
        ({"priority": 2, "retry": 10, "expire": 60}, "retry_too_small", "retry"),
        ({"priority": 2, "retry": 60, "expire": 20000}, "expire_too_large", "expire"),
        ({"html": True, "monospace": True}, "html_with_monospace", "monospace"),
        ({"ttl": 0}, "ttl_not_positive", "ttl"),
        ({"ttl": -5}, "ttl_not_positive", "ttl"),
        ({"devices": ["phone", "pixel9"]}, "unknown_device", "devices"),
        ({"url": "https://e.com/" + "a" * 500}, "url_too_long", "url"),
        ({"message": "   "}, "message_empty", "message"),
    ],
)
async def test_rules_are_checked_before_sending(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    fields: dict[str, Any],
    key: str,
    field: str,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": "notify.pushover", "message": "Hi", **fields},
            blocking=True,
        )
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders["field"] == field
    assert str(raised.value)  # the translated text
    assert _sent(pushover_sandbox) == []
    assert pushover_sandbox.state.requests == [
        request
        for request in pushover_sandbox.state.requests
        if not request.path.endswith("messages.json")
    ]


async def test_unknown_device_lists_the_known_ones(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "Hi", "target": "pixel9"},
            blocking=True,
        )
    assert raised.value.translation_placeholders == {
        "field": "devices",
        "device": "pixel9",
        "known": "phone, tablet, desktop",
    }
    assert "phone, tablet, desktop" in str(raised.value)


async def test_long_title_is_cut_with_an_ellipsis(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.pushover", "message": "Hi", "title": "t" * 300},
        blocking=True,
    )
    [record] = _sent(pushover_sandbox)
    assert record.fields["title"] == "t" * 249 + "…"


async def test_long_message_is_truncated_by_default(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.pushover", "message": "word " * 300},
        blocking=True,
    )
    [record] = _sent(pushover_sandbox)
    assert len(record.fields["message"]) <= 1024
    assert record.fields["message"].endswith(" word…")
    assert "cut to Pushover's 1024" in caplog.text


async def test_long_message_is_split_at_word_boundaries(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, config_entry: MockConfigEntry
) -> None:
    await _entry_with_options(hass, config_entry, long_message="split")
    words = [f"word{index}" for index in range(400)]
    text = " ".join(words)
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.pushover", "message": text, "title": "Log"},
        blocking=True,
        return_response=True,
    )
    records = _sent(pushover_sandbox)
    count = len(records)
    assert count == 4  # 3,089 characters in parts of at most 1024
    parts = [record.fields["message"] for record in records]
    assert [part.split(" ", 1)[0] for part in parts] == [
        f"({index}/{count})" for index in range(1, count + 1)
    ]
    assert all(len(part) <= 1024 for part in parts)
    assert " ".join(part.split(" ", 1)[1] for part in parts) == text
    assert all(record.fields["title"] == "Log" for record in records)
    assert len(response["notify.pushover"]["messages"]) == count


async def test_long_message_can_be_rejected(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, config_entry: MockConfigEntry
) -> None:
    await _entry_with_options(hass, config_entry, long_message="reject")
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover", "message": "x" * 1025},
            blocking=True,
        )
    assert raised.value.translation_key == "message_too_long"
    assert _sent(pushover_sandbox) == []


async def test_several_recipients_share_one_request(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox,
        subentries=[
            recipient("Alex", OTHER_USER),
            recipient("Family", DEMO_GROUP, devices=["phone"]),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    pushover_sandbox.state.requests.clear()

    await hass.services.async_call(
        "notify",
        "send_message",
        {
            "entity_id": ["notify.pushover", "notify.alex", "notify.family"],
            "message": "Dinner is ready",
        },
        blocking=True,
    )
    requests = [
        request
        for request in pushover_sandbox.state.requests
        if request.path.endswith("messages.json")
    ]
    # Pushover and Alex share one request; Family has a default device.
    assert sorted(
        tuple(sorted(request.fields["user"].split(","))) for request in requests
    ) == sorted([tuple(sorted((DEMO_USER, OTHER_USER))), (DEMO_GROUP,)])
    assert {record.user for record in _sent(pushover_sandbox)} >= {
        DEMO_USER,
        OTHER_USER,
    }


async def test_invalid_token_at_send_time_starts_reauth(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    pushover_sandbox.state.seed.apps.clear()
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover", "message": "Hi"},
            blocking=True,
        )
    assert raised.value.translation_key == "invalid_api_key"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert DEMO_TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ("500", "send_failed_retryable"),
        ("503_html", "send_failed_retryable"),
        ("drop", "send_failed_retryable"),
        ("malformed_json", "send_failed"),
        ("429", "quota_exceeded"),
    ],
)
async def test_failures_at_send_time_are_explained(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    config_entry: MockConfigEntry,
    fault: str,
    key: str,
) -> None:
    """With the outbox switched off, every failure reaches the caller."""
    await _entry_with_options(hass, config_entry, outbox=False)
    pushover_sandbox.controls.add_fault(fault, count=1)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover", "message": "Hi"},
            blocking=True,
        )
    assert raised.value.translation_key == key
    assert str(raised.value)


async def test_quota_exhausted_says_when_it_resets(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    pushover_sandbox.controls.set_quota(0, token=DEMO_TOKEN)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover", "message": "Hi"},
            blocking=True,
        )
    assert raised.value.translation_key == "quota_exceeded"
    assert raised.value.translation_placeholders["reset"] != "-"


async def test_request_refused_carries_the_api_sentences(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    # The user's devices changed at Pushover since setup.
    users = pushover_sandbox.state.seed.users
    users[DEMO_USER] = replace(users[DEMO_USER], devices=())
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.pushover", "message": "Hi"},
            blocking=True,
        )
    assert raised.value.translation_key == "no_active_devices"


async def test_legacy_action_maps_data_fields(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "notify",
        "pushover",
        {
            "message": "Garage open",
            "title": "Garage",
            "target": ["phone", "desktop"],
            "data": {
                "url": "https://example.com/",
                "url_title": "Open",
                "sound": "pianobar",
                "priority": 2,
                "retry": 30,
                "expire": 300,
                "callback_url": "https://example.com/cb",
                "tags": "garage",
                "timestamp": 1795514400,
                "html": 1,
            },
        },
        blocking=True,
    )
    [record] = _sent(pushover_sandbox)
    assert _fields(record) == {
        "message": "Garage open",
        "title": "Garage",
        "device": "phone,desktop",
        "url": "https://example.com/",
        "url_title": "Open",
        "sound": "pianobar",
        "priority": "2",
        "retry": "30",
        "expire": "300",
        "callback": "https://example.com/cb",
        "tags": "garage",
        "timestamp": "1795514400",
        "html": "1",
    }


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"priority": "high"}, "value_not_integer"),
        ({"html": "maybe"}, "value_not_boolean"),
        ({"url": ["a"]}, "value_not_text"),
        ({"tags": [1]}, "value_not_text"),
        ({"timestamp": "yesterday"}, "timestamp_invalid"),
        ({"attachment": 5}, "value_not_text"),
        ({"priority": True}, "value_not_integer"),
        ({"priority": 1.5}, "value_not_integer"),
    ],
)
async def test_legacy_action_refuses_bad_data(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    data: Any,
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            "notify", "pushover", {"message": "Hi", "data": data}, blocking=True
        )
    assert raised.value.translation_key == key
    assert _sent(pushover_sandbox) == []


async def test_legacy_action_ignores_unknown_keys_once_logged(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = {"priorty": 1, "attachement": "snap.png", "push": {"sound": "x"}}
    for _ in range(2):
        await hass.services.async_call(
            "notify", "pushover", {"message": "Hi", "data": data}, blocking=True
        )
    assert [_fields(record) for record in _sent(pushover_sandbox)] == [
        {"message": "Hi"}
    ] * 2
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 3
    assert "notify.pushover ignores the data key 'attachement'" in warnings[1]


@pytest.mark.parametrize(
    ("call", "devices"),
    [
        ({"target": "phone, tablet"}, "phone,tablet"),
        ({"target": ["phone,tablet", " desktop"]}, "phone,tablet,desktop"),
        ({"data": {"device": "tablet"}}, "tablet"),
        ({"target": "phone", "data": {"devices": ["tablet", "phone"]}}, "phone,tablet"),
    ],
)
async def test_legacy_action_reads_device_lists(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    call: dict[str, Any],
    devices: str,
) -> None:
    await hass.services.async_call(
        "notify", "pushover", {"message": "Hi", **call}, blocking=True
    )
    [record] = _sent(pushover_sandbox)
    assert record.fields["device"] == devices


@pytest.mark.usefixtures("cameras")
async def test_notify_group_with_companion_app_keys(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    config_entry: MockConfigEntry,
    notify_group: list[ServiceCall],
) -> None:
    """A YAML notify group hands the companion app's keys to Pushover too."""
    await _entry_with_options(hass, config_entry)
    await hass.services.async_call(
        "notify", "family", COMPANION_CALL | {"title": "Door"}, blocking=True
    )
    await hass.async_block_till_done()
    assert len(notify_group) == 1
    [record] = _sent(pushover_sandbox)
    assert (record.fields["title"], record.fields["priority"]) == ("Door", "1")
    assert record.fields["sound"] == "siren"
    assert record.attachment is not None
    assert record.attachment.content_type == "image/jpeg"


async def test_legacy_action_follows_the_entry_s_first_recipient(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    await _entry_with_options(hass, entry)
    first, alex = list(entry.subentries)
    hass.config_entries.async_remove_subentry(entry, first)
    await hass.async_block_till_done()
    # The recipient set up with the entry is gone: the next one gets it.
    await hass.services.async_call(
        "notify", "pushover", {"message": "Hi"}, blocking=True
    )
    assert [record.user for record in _sent(pushover_sandbox)] == [OTHER_USER]

    hass.config_entries.async_remove_subentry(entry, alex)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "notify", "pushover", {"message": "Hi"}, blocking=True
        )
    assert raised.value.translation_key == "no_recipients"
    assert "Pushover has no recipient" in str(raised.value)


async def test_legacy_action_goes_away_on_unload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert hass.services.has_service("notify", "pushover")
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert not hass.services.has_service("notify", "pushover")
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service("notify", "pushover")


async def test_send_message_action_is_described(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    descriptions = await async_get_all_descriptions(hass)
    send_message = descriptions[DOMAIN]["send_message"]
    assert send_message["target"] == {
        "entity": [{"integration": DOMAIN, "domain": ["notify"]}]
    }
    assert set(send_message["fields"]) == {
        "message",
        "title",
        "encrypt",
        "delivery",
        "emergency",
        "link",
        "formatting",
        "attachment",
        "actions",
    }
    assert "retry" in send_message["fields"]["emergency"]["fields"]


@pytest.mark.parametrize("platforms", [[Platform.NOTIFY]])
async def test_notify_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    pinned_entry: MockConfigEntry,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, pinned_entry.entry_id)
