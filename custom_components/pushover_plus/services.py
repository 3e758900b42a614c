"""The actions of Pushover Plus."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import (
    config_validation as cv,
    entity_registry as er,
    issue_registry as ir,
    service,
)
from homeassistant.helpers.typing import VolDictType, VolSchemaType
import voluptuous as vol

from .const import ATTR_DEVICE, ATTR_TITLE, DOMAIN
from .data import PushoverPlusConfigEntry
from .entity import recipient_unique_id
from .errors import invalid, invalid_field, translated_errors
from .fields import action_schema
from .notify import legacy_recipient
from .receipts import iso_or_none

SERVICE_SEND_MESSAGE = "send_message"
SERVICE_CANCEL = "cancel"
SERVICE_GET_RECEIPT = "get_receipt"
SERVICE_UPDATE_GLANCE = "update_glance"

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_RECEIPT = "receipt"
ATTR_TAG = "tag"
ATTR_RECIPIENT = "recipient"
ATTR_TEXT = "text"
ATTR_SUBTEXT = "subtext"
ATTR_COUNT = "count"
ATTR_PERCENT = "percent"

# Types only: the ranges and the rules between fields are checked when the
# message is prepared, with a translated error naming the field.
SEND_MESSAGE_SCHEMA: VolDictType = action_schema()


CANCEL_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Exclusive(ATTR_RECEIPT, "what"): cv.string,
        vol.Exclusive(ATTR_TAG, "what"): cv.string,
    }
)
GET_RECEIPT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_RECEIPT): cv.string,
    }
)
#: The glance's own fields; the entity service adds the notify entity target.
GLANCE_FIELDS: VolDictType = {
    vol.Optional(ATTR_DEVICE): cv.string,
    vol.Optional(ATTR_TITLE): cv.string,
    vol.Optional(ATTR_TEXT): cv.string,
    vol.Optional(ATTR_SUBTEXT): cv.string,
    vol.Optional(ATTR_COUNT): vol.Coerce(int),
    vol.Optional(ATTR_PERCENT): vol.Coerce(int),
}
DEPRECATED_GLANCE_ISSUE = "deprecated_update_glance_call"


def _loaded_entry(call: ServiceCall) -> PushoverPlusConfigEntry:
    entry: PushoverPlusConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return entry


def _glance_schema(hass: HomeAssistant) -> VolSchemaType:
    """Return update_glance's schema: an entity service's, taking the old form too."""
    return vol.All(
        partial(_upgrade_glance_call, hass),
        cv.make_entity_service_schema(GLANCE_FIELDS),
    )


def _upgrade_glance_call(hass: HomeAssistant, data: Any) -> Any:
    """Turn the old call (entry id, optional notify entity) into a targeted one.

    Automations written for it keep working; a repair asks to target the
    notify entity instead.
    """
    if not isinstance(data, Mapping) or ATTR_CONFIG_ENTRY_ID not in data:
        return data
    fields = dict(data)
    entry: PushoverPlusConfigEntry = service.async_get_config_entry(
        hass, DOMAIN, fields.pop(ATTR_CONFIG_ENTRY_ID)
    )
    registry = er.async_get(hass)
    if (entity_id := fields.pop(ATTR_RECIPIENT, None)) is None:
        recipient = legacy_recipient(
            entry, entry.runtime_data.coordinator.data.recipients
        )
        entity_id = registry.async_get_entity_id(
            Platform.NOTIFY,
            DOMAIN,
            recipient_unique_id(entry.entry_id, recipient.recipient_id, None),
        )
    else:
        registered = registry.async_get(str(entity_id))
        if (
            registered is None
            or registered.domain != Platform.NOTIFY
            or registered.config_entry_id != entry.entry_id
        ):
            raise invalid_field(
                "glance_recipient_unknown", ATTR_RECIPIENT, entity=str(entity_id)
            )
    ir.async_create_issue(
        hass,
        DOMAIN,
        DEPRECATED_GLANCE_ISSUE,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=DEPRECATED_GLANCE_ISSUE,
        translation_placeholders={"entity_id": str(entity_id)},
    )
    return {**fields, ATTR_ENTITY_ID: entity_id}


async def _async_cancel(call: ServiceCall) -> ServiceResponse:
    """Stop emergency messages repeating, by receipt or by tag."""
    entry = _loaded_entry(call)
    runtime = entry.runtime_data
    receipt: str | None = call.data.get(ATTR_RECEIPT)
    tag: str = call.data.get(ATTR_TAG, "")
    if not receipt and not tag:
        raise invalid("cancel_needs_receipt_or_tag")
    with translated_errors(call.hass, entry, runtime.client):
        if receipt:
            await runtime.client.cancel_receipt(receipt)
            cancelled, count = [receipt], 1
        else:
            count = await runtime.client.cancel_receipts_by_tag(tag)
            cancelled = [
                tracked.receipt
                for tracked in runtime.receipts.receipts.values()
                if tag in tracked.tags
            ]
    runtime.receipts.async_forget(cancelled)
    return {"canceled": count}


async def _async_get_receipt(call: ServiceCall) -> ServiceResponse:
    """Return what Pushover knows of an emergency message."""
    entry = _loaded_entry(call)
    runtime = entry.runtime_data
    with translated_errors(call.hass, entry, runtime.client):
        status = await runtime.client.get_receipt(call.data[ATTR_RECEIPT])
    return {
        "acknowledged": status.acknowledged,
        "acknowledged_at": iso_or_none(status.acknowledged_at),
        "acknowledged_by": runtime.receipts.name_of_user(status.acknowledged_by)
        if status.acknowledged
        else None,
        "acknowledged_by_device": status.acknowledged_by_device,
        "last_delivered_at": iso_or_none(status.last_delivered_at),
        "expired": status.expired,
        "expires_at": iso_or_none(status.expires_at),
        "called_back": status.called_back,
        "called_back_at": iso_or_none(status.called_back_at),
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CANCEL,
        _async_cancel,
        schema=CANCEL_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_RECEIPT,
        _async_get_receipt,
        schema=GET_RECEIPT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_UPDATE_GLANCE,
        entity_domain=Platform.NOTIFY,
        schema=_glance_schema(hass),
        func="async_update_glance",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SEND_MESSAGE,
        entity_domain=Platform.NOTIFY,
        schema=SEND_MESSAGE_SCHEMA,
        func="async_send_pushover_message",
        supports_response=SupportsResponse.OPTIONAL,
    )
