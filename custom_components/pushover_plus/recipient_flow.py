"""The recipient subentry flow of Pushover Plus: a user or group and its defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
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
    MessageValidationError,
    check_encryption_key,
    validate_repeats,
)
from .const import (
    BUILTIN_SOUNDS,
    CONF_API_KEY,
    CONF_DEVICES,
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_HTML,
    CONF_LEGACY_NOTIFY,
    CONF_PRIORITY,
    CONF_RECIPIENT_ID,
    CONF_RETRY,
    CONF_SOUND,
    CONF_SUPPRESS_REPEATS,
    CONF_TTL,
    CONF_USER_KEY,
    SOUND_DEVICE_DEFAULT,
)
from .data import PushoverPlusConfigEntry, message_defaults
from .flow_keys import (
    PLACEHOLDERS,
    api_url_of,
    async_validate_keys,
    clean_key,
    recipient_keys,
)

DEFAULT_RECIPIENT_NAME = "Recipient"

SECONDS = NumberSelectorConfig(mode=NumberSelectorMode.BOX, unit_of_measurement="s")


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
            vol.Optional(CONF_SUPPRESS_REPEATS): NumberSelector(
                NumberSelectorConfig(**SECONDS, min=0)
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
    for key in (CONF_RETRY, CONF_EXPIRE, CONF_TTL, CONF_SUPPRESS_REPEATS):
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
