"""Exceptions raised by the Pushover client.

Every exception carries ``retryable``: whether sending the very same request again
(after a pause of at least five seconds, as Pushover asks) can be expected to help.
The client itself never sends a request twice; retrying is the caller's decision.

No exception message contains an application token or a user/group key: texts the
API sends back go through :func:`scrub_secrets` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
import re
from typing import Final

REDACTED: Final = "[redacted]"

# Anything shaped like a Pushover key (token, user key, group key, receipt).
_KEY_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{30}(?![A-Za-z0-9])")


def scrub_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with ``secrets`` and anything shaped like a key redacted."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _KEY_LIKE.sub(REDACTED, text)


class PushoverError(Exception):
    """Base class of every error of the Pushover client."""

    #: Whether sending the same request again can help.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        """Store the plain-English ``message`` and what is known of the reply."""
        super().__init__(message)
        self.status = status
        self.request_id = request_id


class ValidationCode(StrEnum):
    """Machine-readable reasons a request is refused before it is sent."""

    TOKEN_INVALID = "token_invalid"  # noqa: S105 - a code, not a secret
    USER_MISSING = "user_missing"
    USER_KEY_INVALID = "user_key_invalid"
    TOO_MANY_USERS = "too_many_users"
    DEVICES_WITH_MULTIPLE_USERS = "devices_with_multiple_users"
    DEVICE_NAME_INVALID = "device_name_invalid"
    MESSAGE_EMPTY = "message_empty"
    MESSAGE_TOO_LONG = "message_too_long"
    TITLE_TOO_LONG = "title_too_long"
    TEXT_TOO_LONG = "text_too_long"
    SUBTEXT_TOO_LONG = "subtext_too_long"
    URL_TOO_LONG = "url_too_long"
    URL_TITLE_TOO_LONG = "url_title_too_long"
    PRIORITY_OUT_OF_RANGE = "priority_out_of_range"
    RETRY_REQUIRED = "retry_required"
    RETRY_TOO_SMALL = "retry_too_small"
    EXPIRE_REQUIRED = "expire_required"
    EXPIRE_NOT_POSITIVE = "expire_not_positive"
    EXPIRE_TOO_LARGE = "expire_too_large"
    CALLBACK_INVALID = "callback_invalid"
    TAG_INVALID = "tag_invalid"
    TTL_NOT_POSITIVE = "ttl_not_positive"
    HTML_WITH_MONOSPACE = "html_with_monospace"
    TIMESTAMP_INVALID = "timestamp_invalid"
    TIMESTAMP_NAIVE = "timestamp_naive"
    VALUE_NOT_INTEGER = "value_not_integer"
    VALUE_NOT_TEXT = "value_not_text"
    ATTACHMENT_CONFLICT = "attachment_conflict"
    ATTACHMENT_TYPE_INVALID = "attachment_type_invalid"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_UNREADABLE = "attachment_unreadable"
    ATTACHMENT_SIZE_MISMATCH = "attachment_size_mismatch"
    ATTACHMENT_FILENAME_INVALID = "attachment_filename_invalid"
    RECEIPT_INVALID = "receipt_invalid"
    GLANCE_EMPTY = "glance_empty"
    PERCENT_OUT_OF_RANGE = "percent_out_of_range"
    ENCRYPTION_KEY_INVALID = "encryption_key_invalid"
    ENCRYPTED_TOO_LONG = "encrypted_too_long"
    ENCRYPTED_TITLE_MISSING = "encrypted_title_missing"


class MessageValidationError(PushoverError, ValueError):
    """A request was refused locally, before anything reached the network.

    ``field`` names the offending request field (``"message"``, ``"priority"``,
    ``"devices"``, ...), ``code`` is a :class:`ValidationCode` and ``placeholders``
    holds the values a translated message needs (all strings, never a key).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str,
        code: ValidationCode,
        placeholders: Mapping[str, str] | None = None,
    ) -> None:
        """Describe the problem in English and in machine-readable form."""
        super().__init__(message)
        self.field = field
        self.code = code
        self.placeholders: dict[str, str] = dict(placeholders or {})


class EncryptionError(PushoverError):
    """A field could not be encrypted or decrypted (never says with what key)."""


class PushoverRequestError(PushoverError):
    """The API refused the request (HTTP 4xx): sending it again unchanged fails too.

    ``errors`` holds the API's sentences and ``field_errors`` its per-field verdicts
    (e.g. ``{"token": "invalid"}``), both with anything key-shaped redacted.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        errors: Iterable[str] = (),
        field_errors: Mapping[str, str] | None = None,
    ) -> None:
        """Keep the API's (scrubbed) explanation alongside the summary."""
        super().__init__(message, status=status, request_id=request_id)
        self.errors: tuple[str, ...] = tuple(errors)
        self.field_errors: dict[str, str] = dict(field_errors or {})


class InvalidTokenError(PushoverRequestError):
    """The API says the application token is invalid."""


class InvalidUserError(PushoverRequestError):
    """The API says the user or group key is invalid."""


class NoActiveDevicesError(PushoverRequestError):
    """The user key is valid but the user has no active device to deliver to."""


class QuotaExceededError(PushoverError):
    """The account used up its monthly message quota (HTTP 429).

    Sending again only helps after ``reset_at`` (taken from the reply's
    ``X-Limit-App-Reset`` header, ``None`` when absent), so it is not retryable.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        reset_at: datetime | None = None,
        errors: Iterable[str] = (),
    ) -> None:
        """Remember when the quota resets."""
        super().__init__(message, status=status, request_id=request_id)
        self.reset_at = reset_at
        self.errors: tuple[str, ...] = tuple(errors)


class ServerError(PushoverError):
    """The API failed (HTTP 5xx); Pushover asks to retry after five seconds."""

    retryable = True


class PushoverConnectionError(PushoverError):
    """The API could not be reached or the connection dropped before a reply."""

    retryable = True


class PushoverTimeoutError(PushoverError):
    """No complete reply came in time."""

    retryable = True


class InvalidResponseError(PushoverError):
    """A reply came that is not what the API sends (bad JSON, wrong shape, 3xx).

    Not retryable for requests that change something (sending a message,
    cancelling, updating a glance): a garbled reply to such a request may still
    mean the API accepted and acted on it, so sending it again could deliver a
    message twice. Reads (``GET``) change nothing and are marked retryable.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        """Record whether the request was safe to repeat."""
        super().__init__(message, status=status, request_id=request_id)
        self.retryable = retryable


class NotPushoverApiError(InvalidResponseError):
    """The address answered, but not as the Pushover API does: a wrong API URL.

    Pushover answers every request, accepted or refused, with a JSON object that
    has a ``status``. A reply without one (a web server's 404 page, any page
    served with 200, another API's JSON) means the API URL points elsewhere;
    Pushover's own ends in ``/1/``. Like any :class:`InvalidResponseError` it is
    retryable only for a read answered with 2xx; a 4xx answer stays as it is.
    """
