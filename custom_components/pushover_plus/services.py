"""The actions of Pushover Plus."""

from __future__ import annotations

from homeassistant.const import Platform
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
    service,
)
from homeassistant.helpers.typing import VolDictType
import voluptuous as vol

from .api import Glance
from .const import (
    ATTR_TITLE,
    DOMAIN,
)
from .data import PushoverPlusConfigEntry, Recipient
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
ATTR_DEVICE = "device"
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
UPDATE_GLANCE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_RECIPIENT): cv.entity_id,
        vol.Optional(ATTR_DEVICE): cv.string,
        vol.Optional(ATTR_TITLE): cv.string,
        vol.Optional(ATTR_TEXT): cv.string,
        vol.Optional(ATTR_SUBTEXT): cv.string,
        vol.Optional(ATTR_COUNT): vol.Coerce(int),
        vol.Optional(ATTR_PERCENT): vol.Coerce(int),
    }
)


def _loaded_entry(call: ServiceCall) -> PushoverPlusConfigEntry:
    entry: PushoverPlusConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return entry


def _glance_recipient(
    call: ServiceCall, entry: PushoverPlusConfigEntry
) -> tuple[Recipient, str | None]:
    """Return who a glance goes to: a notify entity's recipient and device."""
    if (entity_id := call.data.get(ATTR_RECIPIENT)) is None:
        return legacy_recipient(entry), None
    registered = er.async_get(call.hass).async_get(entity_id)
    if registered is not None and registered.config_entry_id == entry.entry_id:
        for recipient in entry.runtime_data.recipients.values():
            own = f"{entry.entry_id}_{recipient.recipient_id}"
            if registered.unique_id == own:
                return recipient, None
            if registered.unique_id.startswith(f"{own}_device_"):
                return recipient, registered.unique_id.removeprefix(f"{own}_device_")
    raise invalid_field("glance_recipient_unknown", ATTR_RECIPIENT, entity=entity_id)


async def _async_cancel(call: ServiceCall) -> ServiceResponse:
    """Stop emergency messages repeating, by receipt or by tag."""
    entry = _loaded_entry(call)
    runtime = entry.runtime_data
    receipt: str | None = call.data.get(ATTR_RECEIPT)
    tag: str = call.data.get(ATTR_TAG, "")
    if not receipt and not tag:
        raise invalid("cancel_needs_receipt_or_tag")
    with translated_errors(call.hass, entry):
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
    with translated_errors(call.hass, entry):
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


async def _async_update_glance(call: ServiceCall) -> None:
    """Update the Apple Watch glance of one recipient (or one of its devices)."""
    entry = _loaded_entry(call)
    runtime = entry.runtime_data
    recipient, device = _glance_recipient(call, entry)
    glance = Glance(
        user=recipient.user_key,
        device=call.data.get(ATTR_DEVICE, device),
        title=call.data.get(ATTR_TITLE),
        text=call.data.get(ATTR_TEXT),
        subtext=call.data.get(ATTR_SUBTEXT),
        count=call.data.get(ATTR_COUNT),
        percent=call.data.get(ATTR_PERCENT),
    )
    with translated_errors(call.hass, entry):
        await runtime.client.update_glance(glance)


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
    hass.services.async_register(
        DOMAIN,
        SERVICE_UPDATE_GLANCE,
        _async_update_glance,
        schema=UPDATE_GLANCE_SCHEMA,
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
