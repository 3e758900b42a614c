"""What every flow of Pushover Plus checks: keys, the API URL, the recipients' keys."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    InvalidTokenError,
    InvalidUserError,
    NoActiveDevicesError,
    NotPushoverApiError,
    PushoverClient,
    PushoverError,
    UserValidation,
    is_valid_key,
)
from .const import (
    APPS_URL,
    CLIENTS_URL,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_USER_KEY,
    DASHBOARD_URL,
    DEFAULT_API_URL,
    SUBENTRY_RECIPIENT,
)

_LOGGER = logging.getLogger(__name__)

SECTION_ADVANCED = "advanced"

PLACEHOLDERS = {
    "apps_url": APPS_URL,
    "dashboard_url": DASHBOARD_URL,
    "clients_url": CLIENTS_URL,
}


def clean_key(value: str) -> str:
    """Drop the spaces and line breaks a pasted key often brings along."""
    return "".join(value.split())


def api_url_of(entry: ConfigEntry) -> str:
    """Return the API base URL an entry talks to."""
    return str(entry.options.get(CONF_API_URL, DEFAULT_API_URL))


def advanced_section(api_url: str, *, collapsed: bool = True) -> dict[vol.Marker, Any]:
    """Return the form section that holds the API URL, collapsed by default."""
    return {
        vol.Required(SECTION_ADVANCED): section(
            vol.Schema(
                {
                    vol.Required(CONF_API_URL, default=api_url): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.URL)
                    )
                }
            ),
            {"collapsed": collapsed},
        )
    }


def api_url_from_input(user_input: Mapping[str, Any], current: str) -> str:
    """Read the API URL out of the advanced section of a form."""
    return str(user_input.get(SECTION_ADVANCED, {}).get(CONF_API_URL, current)).strip()


async def async_validate_keys(
    hass: HomeAssistant, api_url: str, api_key: str, user_key: str | None
) -> tuple[dict[str, str], UserValidation | None]:
    """Check the keys' shape, then ask the API; return form errors or the answer.

    Without a user key (an entry whose recipients were all removed) only the
    token is checked, by asking for the application's sounds.
    """
    if not is_valid_key(api_key):
        return {CONF_API_KEY: "invalid_api_key_format"}, None
    if user_key is not None and not is_valid_key(user_key):
        return {CONF_USER_KEY: "invalid_user_key_format"}, None
    try:
        client = PushoverClient(
            async_get_clientsession(hass), api_key, base_url=api_url
        )
    except ValueError:
        return {"base": "invalid_api_url"}, None
    try:
        if user_key is None:
            await client.get_sounds()
            return {}, None
        return {}, await client.validate_user(user_key)
    except InvalidTokenError:
        return {CONF_API_KEY: "invalid_api_key"}, None
    except InvalidUserError:
        return {CONF_USER_KEY: "invalid_user_key"}, None
    except NoActiveDevicesError:
        return {"base": "no_active_devices"}, None
    except NotPushoverApiError as err:
        _LOGGER.debug("The API URL %s is not a Pushover API: %s", api_url, err)
        return {"base": "not_pushover_api"}, None
    except PushoverError as err:
        if err.retryable:
            _LOGGER.debug("Pushover could not be reached: %s", err)
            return {"base": "cannot_connect"}, None
        _LOGGER.exception("Unexpected answer from Pushover")
        return {"base": "unknown"}, None


def recipient_keys(entry: ConfigEntry) -> list[str]:
    """Return the user and group keys of an entry's recipients, in order."""
    return [
        subentry.data[CONF_USER_KEY]
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
    ]


def first_recipient_key(entry: ConfigEntry) -> str | None:
    """Return the key a token is checked with: the entry's first recipient's."""
    return next(iter(recipient_keys(entry)), None)
