"""Config flow for Pushover Plus: keys, recipients, options, reauth, import."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    EMERGENCY_PRIORITY,
    MAX_EXPIRE,
    MAX_PRIORITY,
    MIN_PRIORITY,
    MIN_RETRY,
    EncryptionError,
    InvalidTokenError,
    InvalidUserError,
    MessageValidationError,
    NoActiveDevicesError,
    NotPushoverApiError,
    PushoverClient,
    PushoverError,
    UserValidation,
    check_encryption_key,
    is_valid_key,
    validate_repeats,
)
from .const import (
    APPS_URL,
    BUILTIN_DOMAIN,
    BUILTIN_SOUNDS,
    CLIENTS_URL,
    CONF_ACK_WEBHOOK,
    CONF_ACTION_LINK_HOURS,
    CONF_ACTION_LINK_INTERNAL,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_ATTACHMENT_HOSTS,
    CONF_DEVICES,
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_HTML,
    CONF_LEGACY_NOTIFY,
    CONF_LONG_MESSAGE,
    CONF_OUTBOX,
    CONF_OUTBOX_MAX_AGE,
    CONF_PRIORITY,
    CONF_QUOTA_WARNING,
    CONF_RECIPIENT_ID,
    CONF_RETRY,
    CONF_SOUND,
    CONF_TTL,
    CONF_USER_KEY,
    DASHBOARD_URL,
    DEFAULT_ACTION_LINK_HOURS,
    DEFAULT_API_URL,
    DEFAULT_NAME,
    DEFAULT_OUTBOX_MAX_AGE_HOURS,
    DEFAULT_QUOTA_WARNING,
    DOMAIN,
    SOUND_DEVICE_DEFAULT,
    SUBENTRY_RECIPIENT,
    LongMessage,
)
from .data import PushoverPlusConfigEntry, message_defaults
from .migration import CURRENT_VERSION

_LOGGER = logging.getLogger(__name__)

CONF_BUILTIN_ENTRY = "builtin_entry"
SECTION_ADVANCED = "advanced"
DEFAULT_RECIPIENT_NAME = "Recipient"

PLACEHOLDERS = {
    "apps_url": APPS_URL,
    "dashboard_url": DASHBOARD_URL,
    "clients_url": CLIENTS_URL,
}

SECONDS = NumberSelectorConfig(mode=NumberSelectorMode.BOX, unit_of_measurement="s")


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


def new_entry_recipient(name: str, user_key: str) -> ConfigSubentryData:
    """Return the recipient set up with a new entry; it gets notify.<name>."""
    return ConfigSubentryData(
        data={CONF_USER_KEY: user_key, CONF_LEGACY_NOTIFY: True},
        subentry_type=SUBENTRY_RECIPIENT,
        title=name,
        unique_id=None,
    )


def _loaded(entry: ConfigEntry) -> bool:
    return entry.state is ConfigEntryState.LOADED


def _known_sounds(entry: PushoverPlusConfigEntry) -> Mapping[str, str]:
    """Sounds from the API when the entry is loaded, else the built-in ones."""
    if _loaded(entry):
        return entry.runtime_data.coordinator.data.sounds
    return {sound: sound for sound in BUILTIN_SOUNDS}


def _known_devices(
    entry: PushoverPlusConfigEntry, recipient_id: str, current: Mapping[str, Any]
) -> list[str]:
    """Devices the API reported for a recipient, plus those already chosen."""
    devices: list[str] = list(current.get(CONF_DEVICES, []))
    if _loaded(entry) and (
        recipient := entry.runtime_data.coordinator.data.recipients.get(recipient_id)
    ):
        for device in recipient.devices:
            if device not in devices:
                devices.append(device)
    return devices


def defaults_schema(devices: list[str], sounds: Mapping[str, str]) -> vol.Schema:
    """Build the form fields for a recipient's message defaults."""
    # Pushover calls its own sound "Pushover (default)"; the one default
    # offered is each device's own sound.
    sound_options = [
        SelectOptionDict(value=SOUND_DEVICE_DEFAULT, label="Device default")
    ] + [
        SelectOptionDict(value=name, label=label.removesuffix(" (default)"))
        for name, label in sounds.items()
    ]
    return vol.Schema(
        {
            vol.Optional(CONF_DEVICES): SelectSelector(
                SelectSelectorConfig(
                    options=devices,
                    multiple=True,
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Optional(CONF_SOUND, default=SOUND_DEVICE_DEFAULT): SelectSelector(
                SelectSelectorConfig(
                    options=sound_options,
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key="sound",
                )
            ),
            vol.Optional(CONF_PRIORITY, default="0"): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        str(level) for level in range(MIN_PRIORITY, MAX_PRIORITY + 1)
                    ],
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key="priority",
                )
            ),
            vol.Optional(CONF_RETRY): NumberSelector(
                NumberSelectorConfig(**SECONDS, min=MIN_RETRY, max=MAX_EXPIRE)
            ),
            vol.Optional(CONF_EXPIRE): NumberSelector(
                NumberSelectorConfig(**SECONDS, min=MIN_RETRY, max=MAX_EXPIRE)
            ),
            vol.Optional(CONF_TTL): NumberSelector(
                NumberSelectorConfig(**SECONDS, min=1)
            ),
            vol.Optional(CONF_HTML, default=False): BooleanSelector(),
        }
    )


def defaults_from_input(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn the defaults form into stored settings, or return the form's errors."""
    defaults: dict[str, Any] = {}
    if devices := user_input.get(CONF_DEVICES):
        defaults[CONF_DEVICES] = list(devices)
    if (sound := user_input.get(CONF_SOUND)) and sound != SOUND_DEVICE_DEFAULT:
        defaults[CONF_SOUND] = sound
    defaults[CONF_PRIORITY] = int(user_input.get(CONF_PRIORITY, 0))
    for key in (CONF_RETRY, CONF_EXPIRE, CONF_TTL):
        if user_input.get(key) is not None:
            defaults[key] = int(user_input[key])
    defaults[CONF_HTML] = bool(user_input.get(CONF_HTML, False))

    errors: dict[str, str] = {}
    if defaults[CONF_PRIORITY] == EMERGENCY_PRIORITY:
        try:
            validate_repeats(defaults.get(CONF_RETRY), defaults.get(CONF_EXPIRE))
        except MessageValidationError as err:
            # Shown by the field at fault (retry or expire), not above the form.
            errors[err.field] = "emergency_needs_retry_expire"
    return defaults, errors


def _suggested_defaults(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Show stored defaults in the form's own terms."""
    suggested = message_defaults(settings)
    suggested.setdefault(CONF_SOUND, SOUND_DEVICE_DEFAULT)
    suggested[CONF_PRIORITY] = str(settings.get(CONF_PRIORITY, 0))
    return suggested


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
        """Ask for the name, the application token and the user key."""
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
            errors, _ = await async_validate_keys(self.hass, api_url, api_key, user_key)
            if errors == {"base": "cannot_connect"} and api_url != DEFAULT_API_URL:
                # Not the internet connection: the URL the user typed.
                errors = {"base": "cannot_connect_url"}
            if errors == {"base": "not_pushover_api"}:
                # Shown by the section the URL is in, as in the options.
                errors = {SECTION_ADVANCED: "not_pushover_api"}
            if not errors:
                return self.async_create_entry(
                    title=name,
                    data={CONF_NAME: name, CONF_API_KEY: api_key},
                    options={CONF_API_URL: api_url}
                    if api_url != DEFAULT_API_URL
                    else {},
                    subentries=[new_entry_recipient(name, user_key)],
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_NAME, default=DEFAULT_NAME): str,
                        vol.Required(CONF_API_KEY): str,
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
        """Copy the name and keys of a built-in pushover entry, validated anew."""
        importable = {entry.entry_id: entry for entry in self._importable_entries()}
        errors: dict[str, str] = {}
        if user_input is not None and (
            builtin := importable.get(user_input[CONF_BUILTIN_ENTRY])
        ):
            api_key = clean_key(builtin.data[CONF_API_KEY])
            user_key = clean_key(builtin.data[CONF_USER_KEY])
            errors, _ = await async_validate_keys(
                self.hass, DEFAULT_API_URL, api_key, user_key
            )
            if not errors:
                name = builtin.data.get(CONF_NAME) or builtin.title
                return self.async_create_entry(
                    title=name,
                    data={CONF_NAME: name, CONF_API_KEY: api_key},
                    subentries=[new_entry_recipient(name, user_key)],
                )
        if not importable:
            return self.async_abort(reason="nothing_to_import")
        return self.async_show_form(
            step_id="import_builtin",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_BUILTIN_ENTRY): SelectSelector(
                        SelectSelectorConfig(
                            options=[
                                SelectOptionDict(value=entry_id, label=entry.title)
                                for entry_id, entry in importable.items()
                            ]
                        )
                    )
                }
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


class RecipientSubentryFlow(ConfigSubentryFlow):
    """A user or group key under the entry's application token."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the recipient's name and key; add it once Pushover knows it.

        Its message defaults are set afterwards, by reconfiguring it.
        """
        entry: PushoverPlusConfigEntry = self._get_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            user_key = clean_key(user_input[CONF_USER_KEY])
            if user_key in recipient_keys(entry):
                # On its field, so that the name typed is kept for another key.
                errors = {CONF_USER_KEY: "already_configured"}
            else:
                errors, _ = await async_validate_keys(
                    self.hass, api_url_of(entry), entry.data[CONF_API_KEY], user_key
                )
            if not errors:
                return self.async_create_entry(
                    title=user_input[CONF_NAME].strip() or DEFAULT_RECIPIENT_NAME,
                    data={CONF_USER_KEY: user_key},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {vol.Required(CONF_NAME): str, vol.Required(CONF_USER_KEY): str}
                ),
                user_input,
            ),
            errors=errors,
            description_placeholders=PLACEHOLDERS,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Rename a recipient or change its defaults (a new key is a new one)."""
        entry: PushoverPlusConfigEntry = self._get_entry()
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            defaults, errors = defaults_from_input(user_input)
            stored_key, key_errors = await self._async_encryption_key(
                user_input.get(CONF_ENCRYPTION_KEY, "")
            )
            errors = {**key_errors, **errors}
            if not errors:
                kept = {
                    key: subentry.data[key]
                    for key in (CONF_USER_KEY, CONF_RECIPIENT_ID, CONF_LEGACY_NOTIFY)
                    if key in subentry.data
                }
                return self.async_update_and_abort(
                    entry,
                    subentry,
                    title=user_input[CONF_NAME].strip() or subentry.title,
                    data={**kept, **defaults, **stored_key},
                )
        schema = vol.Schema({vol.Required(CONF_NAME): str}).extend(
            defaults_schema(
                _known_devices(entry, self._recipient_id(), subentry.data),
                _known_sounds(entry),
            ).schema
        )
        schema = schema.extend(
            {
                vol.Optional(CONF_ENCRYPTION_KEY): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                )
            }
        )
        suggested = {
            CONF_NAME: subentry.title,
            **_suggested_defaults(subentry.data),
            **_stored_encryption_key(subentry.data),
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or suggested
            ),
            errors=errors,
        )

    def _recipient_id(self) -> str:
        """Return the id the recipient being changed is known by at runtime."""
        subentry = self._get_reconfigure_subentry()
        return str(subentry.data.get(CONF_RECIPIENT_ID, subentry.subentry_id))

    async def _async_encryption_key(
        self, value: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Check an end-to-end encryption key typed in the form.

        Returns what to store (nothing for a blank field: no key) or the form's
        errors. A group cannot have one: its members have keys of their own.
        """
        if not value.strip():
            return {}, {}
        try:
            key = check_encryption_key(value)
        except MessageValidationError:
            return {}, {CONF_ENCRYPTION_KEY: "encryption_key_invalid"}
        except EncryptionError:
            return {}, {CONF_ENCRYPTION_KEY: "encryption_self_test_failed"}
        entry: PushoverPlusConfigEntry = self._get_entry()
        if _loaded(entry) and (
            known := entry.runtime_data.coordinator.data.recipients.get(
                self._recipient_id()
            )
        ):
            is_group = known.is_group
        else:
            errors, validation = await async_validate_keys(
                self.hass,
                api_url_of(entry),
                entry.data[CONF_API_KEY],
                self._get_reconfigure_subentry().data[CONF_USER_KEY],
            )
            if errors:
                return {}, {"base": next(iter(errors.values()))}
            is_group = validation is not None and validation.is_group
        if is_group:
            return {}, {CONF_ENCRYPTION_KEY: "encryption_key_for_group"}
        return {CONF_ENCRYPTION_KEY: key}, {}


def _stored_encryption_key(data: Mapping[str, Any]) -> dict[str, str]:
    """Show a recipient's stored key in the form (a password field)."""
    if (key := data.get(CONF_ENCRYPTION_KEY)) is None:
        return {}
    return {CONF_ENCRYPTION_KEY: str(key)}
