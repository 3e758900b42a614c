"""The actions of Pushover Plus: cancel, get_receipt, update_glance."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_plus.const import DOMAIN
from custom_components.pushover_plus.services import DEPRECATED_GLANCE_ISSUE
from sandbox.seed import DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, recipient, send_emergency


async def test_cancel_by_receipt_and_by_tag(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
) -> None:
    tracker = loaded_entry.runtime_data.receipts
    first = await send_emergency(hass, tags=["door"])
    second = await send_emergency(hass, tags=["door"])
    third = await send_emergency(hass, tags=["window"])

    response = await hass.services.async_call(
        DOMAIN,
        "cancel",
        {"config_entry_id": loaded_entry.entry_id, "receipt": third},
        blocking=True,
        return_response=True,
    )
    assert response == {"canceled": 1}
    assert pushover_sandbox.controls.receipt(third).cancelled_at is not None
    assert third not in tracker.receipts

    response = await hass.services.async_call(
        DOMAIN,
        "cancel",
        {"config_entry_id": loaded_entry.entry_id, "tag": "door"},
        blocking=True,
        return_response=True,
    )
    assert response == {"canceled": 2}
    assert pushover_sandbox.controls.receipt(first).cancelled_at is not None
    assert pushover_sandbox.controls.receipt(second).cancelled_at is not None
    assert tracker.receipts == {}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "cancel_needs_receipt_or_tag"),
        ({"receipt": "too short"}, "receipt_invalid"),
    ],
)
async def test_cancel_refuses_bad_calls(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    data: dict[str, str],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "cancel",
            {"config_entry_id": loaded_entry.entry_id, **data},
            blocking=True,
        )
    assert raised.value.translation_key == key


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    for action, data in (
        ("cancel", {"tag": "door"}),
        ("get_receipt", {"receipt": "r" * 30}),
        ("update_glance", {"text": "hi"}),
    ):
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": loaded_entry.entry_id, **data},
                blocking=True,
                return_response=action == "get_receipt",
            )
        assert raised.value.translation_key == "service_config_entry_not_loaded"


async def test_get_receipt(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    receipt = await send_emergency(hass)
    status = await hass.services.async_call(
        DOMAIN,
        "get_receipt",
        {"config_entry_id": loaded_entry.entry_id, "receipt": receipt},
        blocking=True,
        return_response=True,
    )
    assert status is not None
    assert status["acknowledged"] is False
    assert status["acknowledged_by"] is None
    assert status["expired"] is False
    assert status["expires_at"]

    await pushover_sandbox.controls.acknowledge(receipt, user=DEMO_USER, device="phone")
    status = await hass.services.async_call(
        DOMAIN,
        "get_receipt",
        {"config_entry_id": loaded_entry.entry_id, "receipt": receipt},
        blocking=True,
        return_response=True,
    )
    assert status is not None
    assert status["acknowledged"] is True
    assert status["acknowledged_by"] == "Pushover"
    assert status["acknowledged_by_device"] == "phone"
    assert DEMO_USER not in str(status)


@pytest.mark.parametrize("action", ["get_receipt", "cancel"])
async def test_receipt_actions_explain_api_failures(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    action: str,
) -> None:

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN,
            action,
            {"config_entry_id": loaded_entry.entry_id, "receipt": "r" * 30},
            blocking=True,
            return_response=action == "get_receipt",
        )
    assert raised.value.translation_key == "request_refused"


async def test_update_glance(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "update_glance",
        {
            "device": "phone",
            "title": "House",
            "text": "All doors locked",
            "subtext": "Alarm armed",
            "count": 3,
            "percent": 75,
        },
        target={"entity_id": "notify.pushover"},
        blocking=True,
    )
    [glance] = pushover_sandbox.state.glances
    assert glance.fields["user"] == DEMO_USER
    assert glance.fields["device"] == "phone"
    assert glance.fields["text"] == "All doors locked"
    assert glance.fields["percent"] == "75"

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "update_glance",
            {"percent": 150},
            target={"entity_id": "notify.pushover"},
            blocking=True,
        )
    assert raised.value.translation_key == "percent_out_of_range"

    pushover_sandbox.controls.add_fault("500", count=1)
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            DOMAIN,
            "update_glance",
            {"text": "hi"},
            target={"entity_id": "notify.pushover"},
            blocking=True,
        )
    assert failed.value.translation_key == "send_failed_retryable"


async def test_glance_for_any_recipient_and_device(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.services.async_call(
        DOMAIN,
        "update_glance",
        {"count": 1},
        target={
            "entity_id": ["notify.alex", "notify.alex_pixel", "notify.pushover_tablet"]
        },
        blocking=True,
    )
    assert sorted(
        (glance.fields["user"], glance.fields.get("device", ""))
        for glance in pushover_sandbox.state.glances
    ) == sorted([(OTHER_USER, ""), (OTHER_USER, "pixel"), (DEMO_USER, "tablet")])
    assert not ir.async_get(hass).async_get_issue(DOMAIN, DEPRECATED_GLANCE_ISSUE)


async def test_the_old_glance_call_still_works_with_a_repair(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    for data in (
        {"count": 1},
        {"recipient": "notify.alex", "count": 2},
        {"recipient": "notify.alex_pixel", "count": 3},
    ):
        await hass.services.async_call(
            DOMAIN,
            "update_glance",
            {"config_entry_id": entry.entry_id, **data},
            blocking=True,
        )
    assert [
        (glance.fields["user"], glance.fields.get("device"), glance.fields["count"])
        for glance in pushover_sandbox.state.glances
    ] == [(DEMO_USER, None, "1"), (OTHER_USER, None, "2"), (OTHER_USER, "pixel", "3")]
    issue = ir.async_get(hass).async_get_issue(DOMAIN, DEPRECATED_GLANCE_ISSUE)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {"entity_id": "notify.alex_pixel"}

    for target in ("notify.nothing_here", "sensor.pushover_messages_remaining"):
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(
                DOMAIN,
                "update_glance",
                {"config_entry_id": entry.entry_id, "recipient": target, "count": 1},
                blocking=True,
            )
        assert raised.value.translation_key == "glance_recipient_unknown"
        assert raised.value.translation_placeholders is not None
        assert raised.value.translation_placeholders["entity"] == target


async def test_get_receipt_refuses_a_malformed_receipt(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "get_receipt",
            {"config_entry_id": loaded_entry.entry_id, "receipt": "short"},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == "receipt_invalid"
