"""Translated errors raised by the actions of Pushover Plus."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN


def invalid(translation_key: str, /, **placeholders: str) -> ServiceValidationError:
    """Return the error for a caller's mistake."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def invalid_field(
    translation_key: str, field: str, /, **placeholders: str
) -> ServiceValidationError:
    """Return the error for a caller's mistake in one field, naming the field."""
    return invalid(translation_key, **{**placeholders, "field": field})


def failed(translation_key: str, /, **placeholders: str) -> HomeAssistantError:
    """Return the error for an action that could not be carried out."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )
