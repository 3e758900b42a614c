"""Config flow for Pushover Plus: a new entry, import, reauth and reconfigure.

Home Assistant finds the options flow (options_flow.py) and the recipients'
subentry flow (recipient_flow.py) through the config flow class here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)
import voluptuous as vol

from .const import (
    BUILTIN_DOMAIN,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_LEGACY_NOTIFY,
    CONF_USER_KEY,
    DEFAULT_API_URL,
    DEFAULT_NAME,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from .flow_keys import (
    PLACEHOLDERS,
    SECTION_ADVANCED,
    advanced_section,
    api_url_from_input,
    api_url_of,
    async_validate_keys,
    clean_key,
    first_recipient_key,
    recipient_keys,
)
from .migration import CURRENT_VERSION
from .options_flow import PushoverPlusOptionsFlow
from .recipient_flow import RecipientSubentryFlow
from .recipient_names import async_suggested_name, is_application_name

CONF_BUILTIN_ENTRY = "builtin_entry"
#: The person or group a new entry's user or group key belongs to.
CONF_RECIPIENT_NAME = "recipient_name"


def new_entry_recipient(name: str, user_key: str) -> ConfigSubentryData:
    """Return the recipient set up with a new entry, named after its person.

    It also receives the entry's legacy notify.<entry name> action.
    """
    return ConfigSubentryData(
        data={CONF_USER_KEY: user_key, CONF_LEGACY_NOTIFY: True},
        subentry_type=SUBENTRY_RECIPIENT,
        title=name,
        unique_id=None,
    )


class PushoverPlusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a Pushover application token and a user or group key."""

    VERSION = CURRENT_VERSION

    def __init__(self) -> None:
        """Start without having offered an import yet."""
        self._import_offered = False

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PushoverPlusOptionsFlow:
        """Edit the entry's defaults and behaviour."""
        return PushoverPlusOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """More recipients under the same application token."""
        return {SUBENTRY_RECIPIENT: RecipientSubentryFlow}

    def _importable_entries(self) -> list[ConfigEntry]:
        """Built-in pushover entries whose keys are not set up here yet."""
        configured = {
            (entry.data.get(CONF_API_KEY), user_key)
            for entry in self._async_current_entries(include_ignore=False)
            for user_key in recipient_keys(entry)
        }
        return [
            entry
            for entry in self.hass.config_entries.async_entries(BUILTIN_DOMAIN)
            if (entry.data.get(CONF_API_KEY), entry.data.get(CONF_USER_KEY))
            not in configured
        ]

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the application's name and token, and who receives its messages.

        The user or group key becomes the first recipient, named after the
        person or group it belongs to.
        """
        if not self._import_offered and self._importable_entries():
            return await self.async_step_import_choice()
        errors: dict[str, str] = {}
        api_url = DEFAULT_API_URL
        if user_input is not None:
            name = user_input[CONF_NAME].strip() or DEFAULT_NAME
            api_key = clean_key(user_input[CONF_API_KEY])
            user_key = clean_key(user_input[CONF_USER_KEY])
            api_url = api_url_from_input(user_input, DEFAULT_API_URL)
            # One entry per application: more users are its recipients.
            self._async_abort_entries_match({CONF_API_KEY: api_key})
            recipient, errors = await self._async_first_recipient(name, user_input)
            if not errors:
                errors = await self._async_key_errors(api_url, api_key, user_key)
            if not errors:
                return self.async_create_entry(
                    title=name,
                    data={CONF_NAME: name, CONF_API_KEY: api_key},
                    options={CONF_API_URL: api_url}
                    if api_url != DEFAULT_API_URL
                    else {},
                    subentries=[new_entry_recipient(recipient, user_key)],
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_NAME, default=DEFAULT_NAME): str,
                        vol.Required(CONF_API_KEY): str,
                        **await self._async_recipient_name_field(),
                        vol.Required(CONF_USER_KEY): str,
                        # Kept open once a URL of one's own was given, or
                        # while the URL is what went wrong.
                        **advanced_section(
                            DEFAULT_API_URL,
                            collapsed=api_url == DEFAULT_API_URL
                            and SECTION_ADVANCED not in errors,
                        ),
                    }
                ),
                user_input,
            ),
            errors=errors,
            description_placeholders={**PLACEHOLDERS, "api_url": api_url},
        )

    async def _async_key_errors(
        self, api_url: str, api_key: str, user_key: str
    ) -> dict[str, str]:
        """Check typed keys with Pushover; say what went wrong where it is typed."""
        errors, _ = await async_validate_keys(self.hass, api_url, api_key, user_key)
        if errors == {"base": "cannot_connect"} and api_url != DEFAULT_API_URL:
            # Not the internet connection: the URL the user typed.
            return {"base": "cannot_connect_url"}
        if errors == {"base": "not_pushover_api"}:
            # Shown by the section the URL is in, as in the options.
            return {SECTION_ADVANCED: "not_pushover_api"}
        return errors

    async def _async_recipient_name_field(self) -> dict[vol.Marker, Any]:
        """Return the field for the first recipient's name, offering the owner's."""
        suggested = await async_suggested_name(self.hass)
        return {vol.Required(CONF_RECIPIENT_NAME, default=suggested): str}

    async def _async_first_recipient(
        self, name: str, user_input: Mapping[str, Any]
    ) -> tuple[str, dict[str, str]]:
        """Return the first recipient's name, or the error of the application's.

        A recipient named like the application is what made the activity log
        say "acknowledged by Pushover".
        """
        recipient = str(user_input.get(CONF_RECIPIENT_NAME, "")).strip()
        recipient = recipient or await async_suggested_name(self.hass)
        if is_application_name(recipient, name):
            return recipient, {CONF_RECIPIENT_NAME: "recipient_is_application"}
        return recipient, {}

    async def async_step_import_choice(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer to copy a built-in pushover entry instead of typing keys."""
        self._import_offered = True
        return self.async_show_menu(
            step_id="import_choice", menu_options=["import_builtin", "manual"]
        )

    async def async_step_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter keys by hand instead of importing."""
        return await self.async_step_user()

    async def async_step_import_builtin(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Copy the name and keys of a built-in pushover entry, validated anew.

        Its name stays the application's (and the legacy notify action's); the
        user key becomes a recipient named after its person or group.
        """
        importable = {entry.entry_id: entry for entry in self._importable_entries()}
        errors: dict[str, str] = {}
        if user_input is not None and (
            builtin := importable.get(user_input[CONF_BUILTIN_ENTRY])
        ):
            name = builtin.data.get(CONF_NAME) or builtin.title
            api_key = clean_key(builtin.data[CONF_API_KEY])
            user_key = clean_key(builtin.data[CONF_USER_KEY])
            recipient, errors = await self._async_first_recipient(name, user_input)
            if not errors:
                errors, _ = await async_validate_keys(
                    self.hass, DEFAULT_API_URL, api_key, user_key
                )
            if not errors:
                return self.async_create_entry(
                    title=name,
                    data={CONF_NAME: name, CONF_API_KEY: api_key},
                    subentries=[new_entry_recipient(recipient, user_key)],
                )
        if not importable:
            return self.async_abort(reason="nothing_to_import")
        return self.async_show_form(
            step_id="import_builtin",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_BUILTIN_ENTRY): SelectSelector(
                            SelectSelectorConfig(
                                options=[
                                    SelectOptionDict(value=entry_id, label=entry.title)
                                    for entry_id, entry in importable.items()
                                ]
                            )
                        ),
                        **await self._async_recipient_name_field(),
                    }
                ),
                user_input,
            ),
            errors=errors,
            description_placeholders=PLACEHOLDERS,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask for a new token after the API refused the stored one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask only for the application token; the recipients stay as they are."""
        api_key = None if user_input is None else clean_key(user_input[CONF_API_KEY])
        return await self._async_token_step(
            "reauth_confirm",
            self._get_reauth_entry(),
            api_key,
            vol.Required(CONF_API_KEY),
        )

    def _async_update_entry_and_abort(
        self, entry: ConfigEntry, updates: dict[str, Any]
    ) -> ConfigFlowResult:
        """Store the checked keys and finish.

        The entry's update listener reloads it when something changed. An entry
        whose setup failed is set up again even with the same keys (a token
        Pushover refused for a while, say); a loaded one with nothing new is
        left alone.
        """
        changed = {**entry.data, **updates} != dict(entry.data)
        if not changed and entry.state is not ConfigEntryState.LOADED:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_update_and_abort(entry, data_updates=updates)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the application token; a blank field keeps the current one.

        Users and groups are the entry's recipients, changed one by one.
        """
        entry = self._get_reconfigure_entry()
        api_key: str | None = None
        if user_input is not None:
            api_key = (
                clean_key(user_input.get(CONF_API_KEY, "")) or entry.data[CONF_API_KEY]
            )
            for other in self._async_current_entries(include_ignore=False):
                if other.entry_id != entry.entry_id and (
                    other.data.get(CONF_API_KEY) == api_key
                ):
                    return self.async_abort(reason="already_configured")
        return await self._async_token_step(
            "reconfigure", entry, api_key, vol.Optional(CONF_API_KEY)
        )

    async def _async_token_step(
        self,
        step_id: str,
        entry: ConfigEntry,
        api_key: str | None,
        field: vol.Marker,
    ) -> ConfigFlowResult:
        """Check a new token with Pushover and store it, or ask (again) for one."""
        errors: dict[str, str] = {}
        if api_key is not None:
            errors, _ = await async_validate_keys(
                self.hass, api_url_of(entry), api_key, first_recipient_key(entry)
            )
            if not errors:
                return self._async_update_entry_and_abort(
                    entry, {CONF_API_KEY: api_key}
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=vol.Schema({field: str}),
            errors=errors,
            description_placeholders={**PLACEHOLDERS, "name": entry.title},
        )
