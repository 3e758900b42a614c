"""Config flow for Pushover Plus."""

from __future__ import annotations

import re
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_NAME
import voluptuous as vol

from .const import CONF_API_KEY, CONF_USER_KEY, DEFAULT_NAME, DOMAIN

KEY_SHAPE = re.compile(r"[A-Za-z0-9]{30}")


def clean_key(value: str) -> str:
    """Drop the spaces and line breaks a pasted key often brings along."""
    return "".join(value.split())


class PushoverPlusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a Pushover application token and a user or group key."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the name, the application token and the user key."""
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = clean_key(user_input[CONF_API_KEY])
            user_key = clean_key(user_input[CONF_USER_KEY])
            if not KEY_SHAPE.fullmatch(api_key):
                errors[CONF_API_KEY] = "invalid_api_key_format"
            elif not KEY_SHAPE.fullmatch(user_key):
                errors[CONF_USER_KEY] = "invalid_user_key_format"
            else:
                self._async_abort_entries_match(
                    {CONF_API_KEY: api_key, CONF_USER_KEY: user_key}
                )
                return self.async_create_entry(
                    title=user_input[CONF_NAME],
                    data={
                        CONF_NAME: user_input[CONF_NAME],
                        CONF_API_KEY: api_key,
                        CONF_USER_KEY: user_key,
                    },
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_NAME, default=DEFAULT_NAME): str,
                        vol.Required(CONF_API_KEY): str,
                        vol.Required(CONF_USER_KEY): str,
                    }
                ),
                user_input,
            ),
            errors=errors,
        )
