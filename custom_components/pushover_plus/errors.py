"""Translated errors raised by the actions of Pushover Plus."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import (
    InvalidTokenError,
    InvalidUserError,
    MessageValidationError,
    NoActiveDevicesError,
    PushoverClient,
    PushoverError,
    PushoverRequestError,
    QuotaExceededError,
)
from .const import DOMAIN
from .data import PushoverPlusConfigEntry


def _translated[E: HomeAssistantError](
    kind: type[E], translation_key: str, placeholders: dict[str, str]
) -> E:
    return kind(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def invalid(translation_key: str, /, **placeholders: str) -> ServiceValidationError:
    """Return the error for a caller's mistake."""
    return _translated(ServiceValidationError, translation_key, placeholders)


def invalid_field(
    translation_key: str, field: str, /, **placeholders: str
) -> ServiceValidationError:
    """Return the error for a caller's mistake in one field, naming the field."""
    return invalid(translation_key, **{**placeholders, "field": field})


def invalid_request(err: MessageValidationError) -> ServiceValidationError:
    """Return the translated error for a request the client refused to send."""
    return invalid_field(err.code.value, err.field, **err.placeholders)


@contextmanager
def translated_errors(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry, client: PushoverClient
) -> Iterator[None]:
    """Turn the client's errors into translated Home Assistant errors."""
    try:
        yield
    except MessageValidationError as err:
        raise invalid_request(err) from None
    except PushoverError as err:
        raise api_error(hass, entry, client, err) from err


def failed(translation_key: str, /, **placeholders: str) -> HomeAssistantError:
    """Return the error for an action that could not be carried out."""
    return _translated(HomeAssistantError, translation_key, placeholders)


def reset_time(err: QuotaExceededError, client: PushoverClient) -> datetime | None:
    """Return when a used-up quota resets: from the reply, else the last seen."""
    return err.reset_at or (client.quota.reset if client.quota is not None else None)


def api_error(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    client: PushoverClient,
    err: PushoverError,
) -> HomeAssistantError:
    """Say in the user's language why a call to Pushover failed."""
    placeholders: dict[str, str] = {}
    if isinstance(err, InvalidTokenError):
        entry.async_start_reauth(hass)
        key = "invalid_api_key"
    elif isinstance(err, InvalidUserError):
        key = "invalid_user_key"
    elif isinstance(err, NoActiveDevicesError):
        key = "no_active_devices"
    elif isinstance(err, QuotaExceededError):
        reset = reset_time(err, client)
        key = "quota_exceeded"
        placeholders = {
            "reset": dt_util.as_local(reset).isoformat(" ", "minutes") if reset else "-"
        }
    elif isinstance(err, PushoverRequestError):
        key = "request_refused"
        placeholders = {"errors": "; ".join(err.errors) or str(err)}
    elif err.retryable:
        key, placeholders = "send_failed_retryable", {"error": str(err)}
    else:
        key, placeholders = "send_failed", {"error": str(err)}
    return failed(key, **placeholders)
