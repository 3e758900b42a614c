"""The actions of Pushover Plus."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv, service
from homeassistant.helpers.typing import VolDictType
import voluptuous as vol

from .api import Glance
from .const import (
    ATTR_TITLE,
    DOMAIN,
    MAIN_RECIPIENT,
)
from .data import PushoverPlusConfigEntry
from .errors import invalid, invalid_field, translated_errors
from .fields import action_schema
from .receipts import iso_or_none

SERVICE_SEND_MESSAGE = "send_message"
SERVICE_CANCEL = "cancel"
SERVICE_GET_RECEIPT = "get_receipt"
SERVICE_UPDATE_GLANCE = "update_glance"

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_RECEIPT = "receipt"
ATTR_TAG = "tag"
ATTR_DEVICE = "device"
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
        vol.Optional(ATTR_DEVICE): cv.string,
        vol.Optional(ATTR_TITLE): cv.string,
        vol.Optional(ATTR_TEXT): cv.string,
        vol.Optional(ATTR_SUBTEXT): cv.string,
        vol.Optional(ATTR_COUNT): vol.Coerce(int),
        vol.Optional(ATTR_PERCENT): vol.Coerce(int),
    }
)


def _loaded_entry(hass: HomeAssistant, call: ServiceCall) -> PushoverPlusConfigEntry:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: PushoverPlusConfigEntry | None = hass.config_entries.async_get_entry(
        entry_id
    )
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.state is not ConfigEntryState.LOADED
    ):
        raise invalid_field("entry_not_loaded", ATTR_CONFIG_ENTRY_ID)
    return entry


async def _async_cancel(call: ServiceCall) -> ServiceResponse:
    """Stop emergency messages repeating, by receipt or by tag."""
    entry = _loaded_entry(call.hass, call)
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
    entry = _loaded_entry(call.hass, call)
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
    """Update the Apple Watch glance of the entry's own user."""
    entry = _loaded_entry(call.hass, call)
    runtime = entry.runtime_data
    glance = Glance(
        user=runtime.recipients[MAIN_RECIPIENT].user_key,
        device=call.data.get(ATTR_DEVICE),
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
