"""The actions of Pushover Plus."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv, service
from homeassistant.helpers.typing import VolDictType
import voluptuous as vol

from .const import (
    ATTR_ATTACHMENT,
    ATTR_CALLBACK,
    ATTR_MESSAGE,
    ATTR_MONOSPACE,
    ATTR_TAGS,
    ATTR_TIMESTAMP,
    ATTR_TITLE,
    ATTR_URL,
    ATTR_URL_TITLE,
    CONF_DEVICES,
    CONF_EXPIRE,
    CONF_HTML,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_TTL,
    DOMAIN,
)

SERVICE_SEND_MESSAGE = "send_message"

# Types only: the ranges and the rules between fields are checked when the
# message is prepared, with a translated error naming the field.
SEND_MESSAGE_SCHEMA: VolDictType = {
    vol.Required(ATTR_MESSAGE): cv.string,
    vol.Optional(ATTR_TITLE): cv.string,
    vol.Optional(CONF_DEVICES): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(CONF_SOUND): cv.string,
    vol.Optional(CONF_PRIORITY): vol.Coerce(int),
    vol.Optional(CONF_RETRY): vol.Coerce(int),
    vol.Optional(CONF_EXPIRE): vol.Coerce(int),
    vol.Optional(CONF_TTL): vol.Coerce(int),
    vol.Optional(ATTR_TIMESTAMP): vol.Any(vol.Coerce(int), cv.datetime),
    vol.Optional(ATTR_CALLBACK): cv.string,
    vol.Optional(ATTR_TAGS): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_URL): cv.string,
    vol.Optional(ATTR_URL_TITLE): cv.string,
    vol.Optional(CONF_HTML): cv.boolean,
    vol.Optional(ATTR_MONOSPACE): cv.boolean,
    vol.Optional(ATTR_ATTACHMENT): vol.Any(
        cv.string,
        vol.Schema(
            {vol.Required("media_content_id"): cv.string}, extra=vol.ALLOW_EXTRA
        ),
    ),
}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register pushover_plus.send_message on this integration's notify entities."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SEND_MESSAGE,
        entity_domain=Platform.NOTIFY,
        schema=SEND_MESSAGE_SCHEMA,
        func="async_send_pushover_message",
        supports_response=SupportsResponse.OPTIONAL,
    )
