"""Reading the API's replies: data on success, the matching error otherwise.

:func:`reply_data` turns an HTTP status and a decoded body into the reply's
data or raises the :mod:`.errors` exception it means; :func:`parse_reply` runs
one of the endpoint parsers here on that data. Texts taken from a reply for an
exception are scrubbed of secrets first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
import json
from typing import Any, Final

from multidict import CIMultiDictProxy

from .errors import (
    InvalidResponseError,
    InvalidTokenError,
    InvalidUserError,
    NoActiveDevicesError,
    NotPushoverApiError,
    PushoverRequestError,
    QuotaExceededError,
    ServerError,
    scrub_secrets,
)
from .models import Quota, ReceiptStatus, UserValidation

# The API refuses a user without active devices with ``"user": "invalid"`` like
# an unknown key; only its sentence tells them apart: "user has no active
# devices", or for a group "group has no enabled members with active devices".
_NO_ACTIVE_DEVICES: Final = "active devices"
_REPLY_META_KEYS: Final = frozenset({"status", "request", "errors"})

type Json = dict[str, Any]


def _unix_time(value: object, what: str) -> datetime | None:
    """Return an aware UTC datetime for Unix seconds; 0 or null mean none."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidResponseError(f"The reply's {what} is not a Unix time.")
    return datetime.fromtimestamp(value, UTC)


def quota_from_headers(headers: CIMultiDictProxy[str]) -> Quota | None:
    """Read the ``X-Limit-App-*`` headers; ``None`` when absent or malformed."""
    try:
        limit = int(headers["X-Limit-App-Limit"])
        remaining = int(headers["X-Limit-App-Remaining"])
        reset = int(headers["X-Limit-App-Reset"])
        return Quota(limit, remaining, _reset_time(reset))
    except KeyError, ValueError, OverflowError, OSError:
        return None


@lru_cache(maxsize=4)
def _reset_time(seconds: int) -> datetime:
    """Return the quota's reset time (the same on every reply for a month)."""
    return datetime.fromtimestamp(seconds, UTC)


def _flag(data: Json, key: str) -> bool:
    value = data.get(key, 0)
    if not isinstance(value, int):
        raise InvalidResponseError(f"The reply's {key} is not 0 or 1.")
    return bool(value)


def optional_str(data: Json, key: str) -> str | None:
    """Return the text at ``key``; ``None`` when absent or empty."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidResponseError(f"The reply's {key} is not text.")
    return value


def _str_tuple(data: Json, key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidResponseError(f"The reply's {key} is not a list of text.")
    return tuple(value)


def _integer(data: Json, key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidResponseError(f"The reply's {key} is not a whole number.")
    return value


def reply_data(
    status: int,
    data: Json | None,
    quota: Quota | None,
    secrets: tuple[str, ...],
    *,
    read_only: bool,
) -> Json:
    """Return the data of a successful reply; raise the error any other means."""
    request_id = reply_request_id(data)
    if status == 429:
        raise QuotaExceededError(
            "The Pushover account's monthly message quota is used up.",
            status=status,
            request_id=request_id,
            reset_at=quota.reset if quota is not None else None,
            errors=_errors(data, secrets),
        )
    if status >= 500:
        raise ServerError(
            f"Pushover failed with HTTP {status}; try again later.",
            status=status,
            request_id=request_id,
        )
    refused = 400 <= status < 500
    if refused and data is not None and "status" in data:
        raise _api_error(status, data, request_id, secrets)
    error_class = InvalidResponseError
    if not refused and not 200 <= status < 300:
        problem = f"Pushover answered with unexpected HTTP status {status}."
    elif data is None or "status" not in data:
        # Pushover answers everything, refusals too, with JSON with a status.
        error_class = NotPushoverApiError
        problem = (
            f"The API URL answered HTTP {status} without a Pushover reply (a JSON "
            "object with a status); Pushover's own API URL ends in /1/."
        )
    elif data["status"] == 1:
        return data
    elif "errors" in data:
        raise _api_error(status, data, request_id, secrets)
    else:
        problem = "Pushover's reply does not say whether the request succeeded."
    raise error_class(
        problem,
        status=status,
        request_id=request_id,
        retryable=read_only and not refused,
    )


def decode_json(raw: bytes) -> Json | None:
    """Return the JSON object in ``raw``; ``None`` for anything else."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def reply_request_id(data: Json | None) -> str | None:
    """Return the request id a reply names, if any."""
    value = data.get("request") if data is not None else None
    return value if isinstance(value, str) else None


def _errors(data: Json | None, secrets: tuple[str, ...]) -> tuple[str, ...]:
    errors = data.get("errors") if data is not None else None
    if not isinstance(errors, list):
        return ()
    return tuple(scrub_secrets(e, secrets) for e in errors if isinstance(e, str))


def _api_error(
    status: int, data: Json | None, request_id: str | None, secrets: tuple[str, ...]
) -> PushoverRequestError:
    """Build the error for a request the API refused."""
    errors = _errors(data, secrets)
    field_errors = {
        key: scrub_secrets(value, secrets)
        for key, value in (data or {}).items()
        if key not in _REPLY_META_KEYS and isinstance(value, str)
    }
    reason = "; ".join(errors) or "no reason given"
    message = f"Pushover refused the request (HTTP {status}): {reason}"
    error_class: type[PushoverRequestError] = PushoverRequestError
    if field_errors.get("token") == "invalid":
        error_class = InvalidTokenError
    elif any(_NO_ACTIVE_DEVICES in sentence.lower() for sentence in errors):
        error_class = NoActiveDevicesError
    elif field_errors.get("user") == "invalid":
        error_class = InvalidUserError
    return error_class(
        message,
        status=status,
        request_id=request_id,
        errors=errors,
        field_errors=field_errors,
    )


def parse_reply[T](
    data: Json, parse: Callable[[Json], T], *, read_only: bool = True
) -> T:
    """Run ``parse`` on a successful reply, tagging shape errors with its id.

    A reply of the wrong shape is retryable only when the request changed nothing
    (see :class:`InvalidResponseError`).
    """
    try:
        return parse(data)
    except InvalidResponseError as err:
        err.request_id = reply_request_id(data)
        err.retryable = read_only
        raise


def canceled_count(data: Json) -> int:
    """Read how many emergency messages a cancel by tag stopped."""
    return _integer(data, "canceled") if "canceled" in data else 0


def user_validation(data: Json) -> UserValidation:
    """Read the devices and licenses of a validated user or group key."""
    group = data.get("group", 0)
    if not isinstance(group, int):
        raise InvalidResponseError("The reply's group flag is not 0 or 1.")
    return UserValidation(
        devices=_str_tuple(data, "devices"),
        licenses=_str_tuple(data, "licenses"),
        is_group=bool(group),
    )


def sounds(data: Json) -> dict[str, str]:
    """Read the sounds: name to description."""
    found = data.get("sounds")
    if not isinstance(found, dict) or not all(
        isinstance(name, str) and isinstance(text, str) for name, text in found.items()
    ):
        raise InvalidResponseError(
            "The reply's sounds are not a map of names to descriptions."
        )
    return dict(found)


def receipt_status(data: Json) -> ReceiptStatus:
    """Read where an emergency message stands."""
    return ReceiptStatus(
        acknowledged=_flag(data, "acknowledged"),
        acknowledged_at=_unix_time(data.get("acknowledged_at"), "acknowledged_at"),
        acknowledged_by=optional_str(data, "acknowledged_by"),
        acknowledged_by_device=optional_str(data, "acknowledged_by_device"),
        last_delivered_at=_unix_time(
            data.get("last_delivered_at"), "last_delivered_at"
        ),
        expired=_flag(data, "expired"),
        expires_at=_unix_time(data.get("expires_at"), "expires_at"),
        called_back=_flag(data, "called_back"),
        called_back_at=_unix_time(data.get("called_back_at"), "called_back_at"),
    )


def quota_from_reply(data: Json) -> Quota:
    """Read the account's monthly quota from apps/limits.json."""
    reset = _unix_time(_integer(data, "reset"), "reset")
    if reset is None:
        raise InvalidResponseError("The reply's reset time is missing.")
    return Quota(_integer(data, "limit"), _integer(data, "remaining"), reset)
