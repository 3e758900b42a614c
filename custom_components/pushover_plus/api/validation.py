"""Local checks of everything the API would refuse, run before sending.

Each check raises :class:`MessageValidationError` with the offending ``field``, a
:class:`ValidationCode` and string ``placeholders``. Keys are never put in the
message text nor in the placeholders. Nothing here does I/O: the size of a file
attachment is checked by the client, off the event loop, just before sending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
import re
from typing import TYPE_CHECKING, Final

from yarl import URL

from .const import (
    DEFAULT_CONTENT_TYPE,
    DEVICE_NAME_PATTERN,
    EMERGENCY_PRIORITY,
    KEY_PATTERN,
    MAX_ATTACHMENT_SIZE,
    MAX_DEVICE_NAME_LENGTH,
    MAX_EXPIRE,
    MAX_GLANCE_PERCENT,
    MAX_GLANCE_TEXT_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_PRIORITY,
    MAX_TITLE_LENGTH,
    MAX_URL_LENGTH,
    MAX_URL_TITLE_LENGTH,
    MAX_USERS,
    MIN_GLANCE_PERCENT,
    MIN_PRIORITY,
    MIN_RETRY,
)
from .encryption import encrypted_length, validate_encryption_key
from .errors import MessageValidationError, ValidationCode

if TYPE_CHECKING:
    from .models import Attachment, Glance, Message

# A tag is sent comma-joined and, to cancel by tag, as a URL path segment.
_TAG_PATTERN: Final = re.compile(r"[^,/\\?#%\x00-\x1f\x7f]+")
# Characters that cannot go into a multipart header.
_UNSAFE_HEADER_CHARS: Final = re.compile(r"[\x00-\x1f\x7f\"]")
_MIME_TYPE_PATTERN: Final = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")


def _fail(
    field: str,
    code: ValidationCode,
    text: str,
    placeholders: Mapping[str, str] | None = None,
) -> MessageValidationError:
    return MessageValidationError(
        text, field=field, code=code, placeholders=placeholders
    )


def _key_shaped(value: object, field: str, code: ValidationCode, what: str) -> str:
    """Check that ``value`` has the 30-character shape of every Pushover key."""
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise _fail(field, code, f"{what} must be 30 letters and digits.")
    return value


def validate_token(token: object) -> str:
    """Check the shape of an application token and return it."""
    return _key_shaped(
        token, "token", ValidationCode.TOKEN_INVALID, "The application token"
    )


def validate_user_key(key: object, *, field: str = "user") -> str:
    """Check the shape of a user or group key and return it."""
    return _key_shaped(
        key, field, ValidationCode.USER_KEY_INVALID, "A user or group key"
    )


def validate_receipt(receipt: object) -> str:
    """Check the shape of an emergency-message receipt and return it."""
    return _key_shaped(receipt, "receipt", ValidationCode.RECEIPT_INVALID, "A receipt")


def validate_device_name(name: object, *, field: str = "devices") -> str:
    """Check one device name and return it."""
    if not isinstance(name, str) or not DEVICE_NAME_PATTERN.fullmatch(name):
        shown = name if isinstance(name, str) else repr(name)
        raise _fail(
            field,
            ValidationCode.DEVICE_NAME_INVALID,
            f"Device name {shown!r} is not 1 to {MAX_DEVICE_NAME_LENGTH} letters, "
            "digits, '_' or '-'.",
            {"device": shown, "max": str(MAX_DEVICE_NAME_LENGTH)},
        )
    return name


def validate_tag(tag: object) -> str:
    """Check one emergency-message tag and return it."""
    if not isinstance(tag, str) or not tag.strip() or not _TAG_PATTERN.fullmatch(tag):
        shown = tag if isinstance(tag, str) else repr(tag)
        raise _fail(
            "tags",
            ValidationCode.TAG_INVALID,
            f"Tag {shown!r} must be non-blank and must not contain control "
            "characters or any of , / \\ ? # %.",
            {"tag": shown},
        )
    return tag


def _wrong_type(field: str, code: ValidationCode, what: str) -> MessageValidationError:
    """Return the error for a field whose value is not of the type it takes."""
    return _fail(field, code, f"The {field} field must be {what}.", {"field": field})


def _integer(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(field, ValidationCode.VALUE_NOT_INTEGER, "a whole number")
    return value


def _in_range(
    value: object,
    field: str,
    bounds: tuple[int, int],
    code: ValidationCode,
    what: str,
) -> None:
    """Check that ``value`` is a whole number within ``bounds`` (both included)."""
    low, high = bounds
    if not low <= _integer(value, field) <= high:
        raise _fail(
            field,
            code,
            f"{what} must be between {low} and {high}.",
            {"min": str(low), "max": str(high)},
        )


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(field, ValidationCode.VALUE_NOT_TEXT, "text")
    return value


def _max_length(
    value: str | None, field: str, limit: int, code: ValidationCode
) -> None:
    if value is None:
        return
    length = len(_text(value, field))
    if length > limit:
        raise _fail(
            field,
            code,
            f"The {field} field is {length} characters long; the limit is {limit}.",
            {"max": str(limit), "length": str(length)},
        )


def _string_list(value: str | Sequence[str], field: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    # Tuples and lists first: the Sequence check is slow for every message.
    if not isinstance(value, (tuple, list, Sequence)):
        raise _wrong_type(
            field, ValidationCode.VALUE_NOT_TEXT, "text or a list of text"
        )
    return tuple(value)


def validate_users(user: str | Sequence[str]) -> tuple[str, ...]:
    """Check the recipients of a message and return them as a tuple."""
    users = _string_list(user, "user")
    if not users:
        raise _fail("user", ValidationCode.USER_MISSING, "No recipient was given.")
    if len(users) > MAX_USERS:
        raise _fail(
            "user",
            ValidationCode.TOO_MANY_USERS,
            f"Too many recipients ({len(users)}); one request takes at most "
            f"{MAX_USERS}.",
            {"max": str(MAX_USERS), "count": str(len(users))},
        )
    for key in users:
        validate_user_key(key)
    return users


def validate_timestamp(value: int | datetime) -> int:
    """Check a message time and return it as Unix seconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _fail(
                "timestamp",
                ValidationCode.TIMESTAMP_NAIVE,
                "The message time must carry a time zone.",
            )
        value = int(value.timestamp())
    seconds = _integer(value, "timestamp")
    if seconds < 0:
        raise _fail(
            "timestamp",
            ValidationCode.TIMESTAMP_INVALID,
            "The message time must not be before 1970.",
        )
    return seconds


def validate_repeats(retry: int | None, expire: int | None) -> None:
    """Check the repeats of an emergency-priority message: both given, in bounds."""
    if retry is None:
        raise _fail(
            "retry",
            ValidationCode.RETRY_REQUIRED,
            "An emergency-priority message needs a retry interval.",
        )
    if expire is None:
        raise _fail(
            "expire",
            ValidationCode.EXPIRE_REQUIRED,
            "An emergency-priority message needs an expiry time.",
        )
    if retry < MIN_RETRY:
        raise _fail(
            "retry",
            ValidationCode.RETRY_TOO_SMALL,
            f"The retry interval must be at least {MIN_RETRY} seconds.",
            {"min": str(MIN_RETRY)},
        )
    if expire <= 0:
        raise _fail(
            "expire",
            ValidationCode.EXPIRE_NOT_POSITIVE,
            "The expiry time must be at least one second.",
        )
    if expire > MAX_EXPIRE:
        raise _fail(
            "expire",
            ValidationCode.EXPIRE_TOO_LARGE,
            f"The expiry time must be at most {MAX_EXPIRE} seconds.",
            {"max": str(MAX_EXPIRE)},
        )


def _validate_emergency(message: Message) -> None:
    """Check the fields of an emergency-priority message.

    Any retry/expire pair within Pushover's bounds is accepted: Pushover stops
    after 50 repeats by itself. With another priority these fields are left out
    of the request (see :func:`ignored_fields`), so they are not checked.
    """
    retry = None if message.retry is None else _integer(message.retry, "retry")
    expire = None if message.expire is None else _integer(message.expire, "expire")
    validate_repeats(retry, expire)
    if message.callback:
        _max_length(
            message.callback, "callback", MAX_URL_LENGTH, ValidationCode.URL_TOO_LONG
        )
        try:
            callback = URL(message.callback)
        except ValueError:
            callback = None
        if (
            callback is None
            or callback.scheme not in ("http", "https")
            or not callback.host
        ):
            raise _fail(
                "callback",
                ValidationCode.CALLBACK_INVALID,
                "The callback must be an absolute http or https URL.",
            )
    for tag in _string_list(message.tags, "tags"):
        validate_tag(tag)


#: Fields that Pushover only reads for emergency-priority messages.
EMERGENCY_ONLY_FIELDS: Final = ("retry", "expire", "callback", "tags")


def ignored_fields(priority: int | None) -> tuple[str, ...]:
    """Return the fields that Pushover ignores at ``priority``.

    Retry, expire, callback and tags apply to emergency priority only, and a
    time to live does not apply to it. Such fields are left out of the request
    rather than refused, as Pushover itself accepts and ignores them.
    """
    if priority == EMERGENCY_PRIORITY:
        return ("ttl",)
    return EMERGENCY_ONLY_FIELDS


def validate_attachment(attachment: Attachment) -> None:
    """Check what can be checked of an attachment without reading a file."""
    name = attachment.filename
    if (
        not isinstance(name, str)
        or not name
        or len(name) > 255
        or _UNSAFE_HEADER_CHARS.search(name)
    ):
        raise _fail(
            "attachment",
            ValidationCode.ATTACHMENT_FILENAME_INVALID,
            "The attachment needs a file name of 1 to 255 printable characters "
            "without double quotes.",
        )
    validate_content_type(attachment.content_type, "attachment")
    if (attachment.path is None) == (attachment.data is None):
        raise _fail(
            "attachment",
            ValidationCode.ATTACHMENT_CONFLICT,
            "An attachment needs exactly one of a path or bytes.",
        )
    if attachment.data is not None:
        check_attachment_size(len(attachment.data))


def validate_content_type(value: object, field: str) -> str:
    """Check an attachment's MIME type and return it.

    Pushover takes images only: ``image/*``, or ``application/octet-stream``
    for bytes of unknown type that the API inspects.
    """
    if (
        not isinstance(value, str)
        or not _MIME_TYPE_PATTERN.fullmatch(value)
        or not (
            value.lower().startswith("image/") or value.lower() == DEFAULT_CONTENT_TYPE
        )
    ):
        raise _fail(
            field,
            ValidationCode.ATTACHMENT_TYPE_INVALID,
            "The attachment must be an image, with a type such as image/jpeg.",
        )
    return value


def check_attachment_size(size: int) -> None:
    """Refuse an empty attachment or one larger than the API accepts."""
    if size == 0:
        raise _fail(
            "attachment", ValidationCode.ATTACHMENT_EMPTY, "The attachment is empty."
        )
    if size > MAX_ATTACHMENT_SIZE:
        raise _fail(
            "attachment",
            ValidationCode.ATTACHMENT_TOO_LARGE,
            f"The attachment is larger than the limit of {MAX_ATTACHMENT_SIZE} bytes.",
            {"max": str(MAX_ATTACHMENT_SIZE), "size": str(size)},
        )


def _text_fields(
    message: Message,
) -> tuple[tuple[str, str | None, int, ValidationCode], ...]:
    """Return the fields with a length limit: name, value, limit, code."""
    return (
        (
            "message",
            message.message,
            MAX_MESSAGE_LENGTH,
            ValidationCode.MESSAGE_TOO_LONG,
        ),
        ("title", message.title, MAX_TITLE_LENGTH, ValidationCode.TITLE_TOO_LONG),
        ("url", message.url, MAX_URL_LENGTH, ValidationCode.URL_TOO_LONG),
        (
            "url_title",
            message.url_title,
            MAX_URL_TITLE_LENGTH,
            ValidationCode.URL_TITLE_TOO_LONG,
        ),
    )


def _validate_encrypted(message: Message) -> None:
    """Check an end-to-end encrypted message: key, title, encrypted lengths.

    The limits apply to the encrypted text, whose length does not depend on the
    random IV (see :func:`encrypted_length`).
    """
    validate_encryption_key(message.encryption_key)
    if not message.title:
        raise _fail(
            "title",
            ValidationCode.ENCRYPTED_TITLE_MISSING,
            "An encrypted message needs a title: Pushover would add its own "
            "title in clear, which the phone cannot decrypt.",
        )
    for name, value, limit, _ in _text_fields(message):
        if not value:
            continue
        length = encrypted_length(_text(value, name))
        if length > limit:
            raise _fail(
                name,
                ValidationCode.ENCRYPTED_TOO_LONG,
                f"The {name} field is {length} characters long once encrypted; "
                f"the limit is {limit}.",
                {"max": str(limit), "length": str(length)},
            )


def _validate_texts(message: Message) -> None:
    """Check the message text and the lengths of the text fields."""
    text = _text(message.message, "message")
    if not text.strip():
        raise _fail("message", ValidationCode.MESSAGE_EMPTY, "The message is empty.")
    if message.encryption_key is None:
        for name, value, limit, code in _text_fields(message):
            _max_length(value, name, limit, code)
    else:
        _validate_encrypted(message)


def validate_message(message: Message) -> tuple[str, ...]:
    """Check a message against the API's rules; return its recipient keys.

    Checks that need file I/O (the size of a file attachment) happen when sending.
    """
    users = validate_users(message.user)
    _validate_texts(message)
    devices = _string_list(message.devices, "devices")
    for device in devices:
        validate_device_name(device)
    if devices and len(users) > 1:
        raise _fail(
            "devices",
            ValidationCode.DEVICES_WITH_MULTIPLE_USERS,
            "Device names cannot be combined with several recipients: the API "
            "would ignore them.",
        )
    if message.priority is not None:
        _in_range(
            message.priority,
            "priority",
            (MIN_PRIORITY, MAX_PRIORITY),
            ValidationCode.PRIORITY_OUT_OF_RANGE,
            "The priority",
        )
    if message.priority == EMERGENCY_PRIORITY:
        _validate_emergency(message)
    elif message.ttl is not None and _integer(message.ttl, "ttl") <= 0:
        raise _fail(
            "ttl",
            ValidationCode.TTL_NOT_POSITIVE,
            "The time to live must be at least one second.",
        )
    if message.html and message.monospace:
        raise _fail(
            "monospace",
            ValidationCode.HTML_WITH_MONOSPACE,
            "A message can be HTML or monospace, not both.",
        )
    if message.timestamp is not None:
        validate_timestamp(message.timestamp)
    if message.sound is not None:
        _text(message.sound, "sound")
    if message.attachment is not None:
        validate_attachment(message.attachment)
    return users


def validate_glance(glance: Glance) -> None:
    """Check a glance update against the API's rules."""
    validate_user_key(glance.user)
    if glance.device is not None:
        validate_device_name(glance.device, field="device")
    fields = (glance.title, glance.text, glance.subtext, glance.count, glance.percent)
    if all(value is None for value in fields):
        raise _fail(
            "glance",
            ValidationCode.GLANCE_EMPTY,
            "A glance update needs at least one of title, text, subtext, count "
            "or percent.",
        )
    for name, value, code in (
        ("title", glance.title, ValidationCode.TITLE_TOO_LONG),
        ("text", glance.text, ValidationCode.TEXT_TOO_LONG),
        ("subtext", glance.subtext, ValidationCode.SUBTEXT_TOO_LONG),
    ):
        _max_length(value, name, MAX_GLANCE_TEXT_LENGTH, code)
    if glance.count is not None:
        _integer(glance.count, "count")
    if glance.percent is not None:
        _in_range(
            glance.percent,
            "percent",
            (MIN_GLANCE_PERCENT, MAX_GLANCE_PERCENT),
            ValidationCode.PERCENT_OUT_OF_RANGE,
            "The percentage",
        )


def is_valid_key(value: object) -> bool:
    """Return whether ``value`` has the shape of a token, user or group key."""
    return isinstance(value, str) and KEY_PATTERN.fullmatch(value) is not None
