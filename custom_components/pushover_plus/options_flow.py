"""The options flow of Pushover Plus: how the entry handles messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
import voluptuous as vol

from .const import (
    CONF_ACK_WEBHOOK,
    CONF_ACTION_LINK_HOURS,
    CONF_ACTION_LINK_INTERNAL,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_ATTACHMENT_HOSTS,
    CONF_LONG_MESSAGE,
    CONF_OUTBOX,
    CONF_OUTBOX_MAX_AGE,
    CONF_QUOTA_WARNING,
    DEFAULT_ACTION_LINK_HOURS,
    DEFAULT_API_URL,
    DEFAULT_OUTBOX_MAX_AGE_HOURS,
    DEFAULT_QUOTA_WARNING,
    LongMessage,
)
from .data import PushoverPlusConfigEntry
from .flow_keys import (
    SECTION_ADVANCED,
    advanced_section,
    api_url_of,
    async_validate_keys,
    first_recipient_key,
)

#: The options form's sections, and the options (stored flat) each one shows.
OPTION_SECTIONS: dict[str, tuple[str, ...]] = {
    "long_messages": (CONF_LONG_MESSAGE,),
    "delivery": (CONF_OUTBOX, CONF_OUTBOX_MAX_AGE),
    "emergency": (CONF_ACK_WEBHOOK,),
    "actions": (CONF_ACTION_LINK_HOURS, CONF_ACTION_LINK_INTERNAL),
    "attachments": (CONF_ATTACHMENT_HOSTS,),
    "quota": (CONF_QUOTA_WARNING,),
    SECTION_ADVANCED: (CONF_API_URL,),
}


def options_schema(api_url: str, *, advanced_open: bool) -> vol.Schema:
    """Build the options form: one section per subject, Advanced last."""
    fields: dict[str, dict[vol.Marker, Any]] = {
        "long_messages": {
            vol.Required(CONF_LONG_MESSAGE, default=LongMessage.TRUNCATE): (
                SelectSelector(
                    SelectSelectorConfig(
                        options=[policy.value for policy in LongMessage],
                        mode=SelectSelectorMode.LIST,
                        translation_key="long_message",
                    )
                )
            )
        },
        "delivery": {
            vol.Optional(CONF_OUTBOX, default=True): BooleanSelector(),
            vol.Required(
                CONF_OUTBOX_MAX_AGE, default=DEFAULT_OUTBOX_MAX_AGE_HOURS
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=168, mode=NumberSelectorMode.BOX, unit_of_measurement="h"
                )
            ),
        },
        "emergency": {vol.Optional(CONF_ACK_WEBHOOK, default=False): BooleanSelector()},
        "actions": {
            vol.Required(
                CONF_ACTION_LINK_HOURS, default=DEFAULT_ACTION_LINK_HOURS
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=168, mode=NumberSelectorMode.BOX, unit_of_measurement="h"
                )
            ),
            vol.Optional(CONF_ACTION_LINK_INTERNAL, default=False): BooleanSelector(),
        },
        "attachments": {
            vol.Optional(CONF_ATTACHMENT_HOSTS): TextSelector(
                TextSelectorConfig(multiple=True)
            )
        },
        "quota": {
            vol.Required(CONF_QUOTA_WARNING, default=DEFAULT_QUOTA_WARNING): (
                NumberSelector(
                    NumberSelectorConfig(
                        min=0, max=1_000_000, mode=NumberSelectorMode.BOX
                    )
                )
            )
        },
    }
    return vol.Schema(
        {
            vol.Required(name): section(vol.Schema(schema), {"collapsed": False})
            for name, schema in fields.items()
        }
    ).extend(advanced_section(api_url, collapsed=not advanced_open))


def options_by_section(options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Show stored (flat) options in the form's sections."""
    return {
        name: {key: options[key] for key in keys if key in options}
        for name, keys in OPTION_SECTIONS.items()
    }


def options_from_form(user_input: Mapping[str, Any], api_url: str) -> dict[str, Any]:
    """Turn the sectioned options form into the entry's flat options."""
    form = {
        key: value
        for name in OPTION_SECTIONS
        for key, value in user_input.get(name, {}).items()
    }
    return {
        CONF_LONG_MESSAGE: form[CONF_LONG_MESSAGE],
        CONF_OUTBOX: bool(form.get(CONF_OUTBOX, True)),
        CONF_ACK_WEBHOOK: bool(form.get(CONF_ACK_WEBHOOK, False)),
        CONF_ACTION_LINK_HOURS: int(
            form.get(CONF_ACTION_LINK_HOURS, DEFAULT_ACTION_LINK_HOURS)
        ),
        CONF_ACTION_LINK_INTERNAL: bool(form.get(CONF_ACTION_LINK_INTERNAL, False)),
        CONF_OUTBOX_MAX_AGE: int(form[CONF_OUTBOX_MAX_AGE]),
        CONF_QUOTA_WARNING: int(form[CONF_QUOTA_WARNING]),
        CONF_ATTACHMENT_HOSTS: sorted(
            {
                host.strip().lower()
                for host in form.get(CONF_ATTACHMENT_HOSTS, [])
                if host.strip()
            }
        ),
        CONF_API_URL: str(form.get(CONF_API_URL, api_url)).strip(),
    }


class PushoverPlusOptionsFlow(OptionsFlow):
    """How the entry handles messages; recipients have their own defaults."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options in sections; they are stored flat, as before."""
        entry: PushoverPlusConfigEntry = self.config_entry
        api_url = api_url_of(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            options = options_from_form(user_input, api_url)
            if options[CONF_API_URL] != api_url:
                errors, _ = await async_validate_keys(
                    self.hass,
                    options[CONF_API_URL],
                    entry.data[CONF_API_KEY],
                    first_recipient_key(entry),
                )
            if not errors:
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(
                    api_url, advanced_open=bool(errors) or api_url != DEFAULT_API_URL
                ),
                user_input or options_by_section(entry.options),
            ),
            # Only the API URL is checked: its answer is shown by its section.
            errors={SECTION_ADVANCED: next(iter(errors.values()))} if errors else {},
        )
