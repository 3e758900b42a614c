"""The Pushover API's rules, as the sandbox enforces them.

Each rule broken yields a :class:`Problem`: the per-field key and value of the
reply (``"token": "invalid"``) and an English sentence for ``errors``. The checks
here are pure functions of the request fields and the seed.

Choices where the public documentation says nothing exact:

* Keys are taken exactly as sent: surrounding spaces make a key invalid.
* Empty optional fields count as absent (``priority=`` is priority 0).
* A user with no active devices (or a group without any) is refused with
  ``"user": "invalid"`` and a sentence saying there are no active devices.
* Any retry/expire pair within the bounds is accepted; repeating stops after
  50 retries (see :class:`sandbox.model.Receipt`), as Pushover documents.
* Fields that only apply to emergency priority (retry, expire, callback, tags)
  are ignored with another priority, and ``ttl`` is ignored with priority 2.
* ``html`` and ``monospace`` are on for ``1``/``true``/``yes``/``on``.
* ``device`` is not even checked when it is ignored (several users, or a group).
* ``encrypted=1`` messages are checked as sent: the length limits apply to the
  encrypted (base64) texts, and a field that does not decrypt is delivered all
  the same (only the phone finds out, see :mod:`sandbox.e2ee`). So a message
  with an encrypted ``url_title`` (108 characters at the least, over its 100)
  is always refused: the safe reading of what Pushover does, which clients
  must not count on either way (Pushover Plus leaves ``url_title`` out).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import re
from urllib.parse import urlsplit

from .seed import KEY_PATTERN, Seed

MAX_MESSAGE = 1024
MAX_TITLE = 250
MAX_URL = 512
MAX_URL_TITLE = 100
MAX_CALLBACK = 512
MAX_USERS = 50
MAX_ATTACHMENT = 5_242_880
MIN_RETRY = 30
MAX_EXPIRE = 10_800
MAX_GLANCE_TEXT = 100
DEVICE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,25}")
INT_PATTERN = re.compile(r"[-+]?[0-9]{1,15}")

BUILTIN_SOUNDS: Mapping[str, str] = {
    "pushover": "Pushover (default)",
    "bike": "Bike",
    "bugle": "Bugle",
    "cashregister": "Cash Register",
    "classical": "Classical",
    "cosmic": "Cosmic",
    "falling": "Falling",
    "gamelan": "Gamelan",
    "incoming": "Incoming",
    "intermission": "Intermission",
    "magic": "Magic",
    "mechanical": "Mechanical",
    "pianobar": "Piano Bar",
    "siren": "Siren",
    "spacealarm": "Space Alarm",
    "tugboat": "Tug Boat",
    "alien": "Alien Alarm (long)",
    "climb": "Climb (long)",
    "persistent": "Persistent (long)",
    "echo": "Pushover Echo (long)",
    "updown": "Up Down (long)",
    "vibrate": "Vibrate Only",
    "none": "None (silent)",
}

IMAGE_SIGNATURES: Sequence[tuple[bytes, str]] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


@dataclass(frozen=True)
class Problem:
    """One broken rule: the reply's per-field key and value, and a sentence."""

    field: str | None
    code: str
    sentence: str


class ApiError(Exception):
    """A rejected request: HTTP status, problems and extra reply headers."""

    def __init__(
        self,
        status: int,
        problems: Sequence[Problem],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Reject with ``status`` for ``problems``."""
        super().__init__("; ".join(problem.sentence for problem in problems))
        self.status = status
        self.problems = list(problems)
        self.headers = dict(headers or {})


TOKEN_INVALID = Problem("token", "invalid", "application token is invalid")
USER_INVALID = Problem(
    "user",
    "invalid",
    "user identifier is not a valid user, group, or subscribed user key",
)
TOO_MANY_USERS = Problem(
    "user", "invalid", f"too many user keys; at most {MAX_USERS} may be given at once"
)
USER_NO_DEVICES = Problem("user", "invalid", "user has no active devices")
GROUP_NO_DEVICES = Problem(
    "user", "invalid", "group has no enabled members with active devices"
)
DEVICE_NAME_INVALID = Problem(
    "device",
    "invalid",
    "device names must be 1 to 25 letters, digits, underscores or dashes",
)
DEVICE_NOT_FOUND = Problem(
    "device", "invalid", "device name is not an active device of this user"
)
MESSAGE_BLANK = Problem("message", "cannot be blank", "message cannot be blank")
PRIORITY_INVALID = Problem(
    "priority", "invalid", "priority must be an integer from -2 to 2"
)
RETRY_MISSING = Problem(
    "retry", "invalid", "retry is required with emergency priority (2)"
)
RETRY_INVALID = Problem(
    "retry", "invalid", f"retry must be an integer of at least {MIN_RETRY} seconds"
)
EXPIRE_MISSING = Problem(
    "expire", "invalid", "expire is required with emergency priority (2)"
)
EXPIRE_INVALID = Problem(
    "expire",
    "invalid",
    f"expire must be a positive integer of at most {MAX_EXPIRE} seconds",
)
CALLBACK_INVALID = Problem(
    "callback",
    "invalid",
    f"callback must be an http or https URL of at most {MAX_CALLBACK} characters",
)
HTML_AND_MONOSPACE = Problem(
    "monospace", "invalid", "html and monospace cannot both be set"
)
TTL_INVALID = Problem(
    "ttl", "invalid", "ttl must be a positive integer number of seconds"
)
SOUND_INVALID = Problem(
    "sound", "invalid", "sound is not a valid sound for this application"
)
TIMESTAMP_INVALID = Problem(
    "timestamp", "invalid", "timestamp must be a Unix time in whole seconds"
)
ATTACHMENT_TOO_LARGE = Problem(
    "attachment",
    "too large",
    f"attachment is too large; at most {MAX_ATTACHMENT} bytes are allowed",
)
ATTACHMENT_NOT_IMAGE = Problem(
    "attachment", "invalid", "attachment must be an image (an image/* content type)"
)
ATTACHMENT_EMPTY = Problem("attachment", "invalid", "attachment is empty")
ATTACHMENT_NOT_FILE = Problem(
    "attachment", "invalid", "attachment must be sent as a file part"
)
ATTACHMENT_TWICE = Problem(
    "attachment", "invalid", "only one attachment may be sent with a message"
)
BASE64_INVALID = Problem(
    "attachment_base64", "invalid", "attachment_base64 is not valid base64 data"
)
BASE64_TOO_LARGE = Problem(
    "attachment_base64",
    "too large",
    f"attachment is too large; at most {MAX_ATTACHMENT} bytes are allowed",
)
ATTACHMENT_TYPE_INVALID = Problem(
    "attachment_type",
    "invalid",
    "attachment_type must be an image MIME type such as image/jpeg",
)
QUOTA_EXCEEDED = Problem(
    None,
    "",
    "application has reached its monthly message limit; "
    "sending resumes when the limit resets",
)
RECEIPT_INVALID = Problem("receipt", "invalid", "receipt is not a valid receipt")
RECEIPT_NOT_FOUND = Problem(
    "receipt", "not found", "receipt not found; it may be invalid or expired"
)
GROUP_INVALID = Problem("group", "invalid", "group key is invalid")
GROUP_NOT_FOUND = Problem("group", "not found", "group not found")
GLANCE_EMPTY = Problem(
    None, "", "at least one of title, text, subtext, count or percent must be given"
)
COUNT_INVALID = Problem("count", "invalid", "count must be an integer")
PERCENT_INVALID = Problem(
    "percent", "invalid", "percent must be an integer from 0 to 100"
)
NOT_FOUND = Problem(None, "", "the requested resource was not found")
METHOD_NOT_ALLOWED = Problem(None, "", "this method is not allowed for the resource")


def too_long(name: str, limit: int) -> Problem:
    """Return the problem of field ``name`` being longer than ``limit`` characters."""
    return Problem(
        name,
        "too long",
        f"{name} is too long; at most {limit} characters are allowed",
    )


def bad_body(detail: str) -> Problem:
    """Return the problem of a body that could not be read."""
    return Problem(None, "", f"request body could not be read: {detail}")


def parse_int(value: str) -> int | None:
    """Return ``value`` as an integer, or None when it is not a plain integer."""
    if not INT_PATTERN.fullmatch(value):
        return None
    return int(value)


def is_on(value: str | None) -> bool:
    """Return whether a flag field is switched on."""
    return value is not None and value.strip().lower() in {"1", "true", "yes", "on"}


def is_key(value: str) -> bool:
    """Return whether ``value`` has the shape of a token, user, group or receipt."""
    return KEY_PATTERN.fullmatch(value) is not None


def optional(fields: Mapping[str, str], name: str) -> str | None:
    """Return an optional field, treating an empty value as absent."""
    value = fields.get(name)
    return value if value else None


def check_token(seed: Seed, fields: Mapping[str, str]) -> str:
    """Return the application token, or raise the 400 reply for a bad one."""
    token = fields.get("token", "")
    if not is_key(token) or token not in seed.apps:
        raise ApiError(400, [TOKEN_INVALID])
    return token


def sniff_image(data: bytes) -> str | None:
    """Return the image MIME type the bytes start like, if any."""
    for signature, mime in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_image_type(content_type: str | None) -> bool:
    """Return whether a MIME type names an image."""
    return content_type is not None and content_type.lower().startswith("image/")


@dataclass(frozen=True)
class Delivery:
    """Where one user's copy of a message goes."""

    user: str
    devices: tuple[str, ...]
    all_devices: bool
    unknown_devices: tuple[str, ...] = ()
    group: str | None = None


@dataclass
class Recipients:
    """The users a ``user``/``device`` pair resolves to, and what was wrong."""

    deliveries: list[Delivery] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def split_devices(device: str | None) -> tuple[list[str], list[Problem]]:
    """Split a ``device`` field into names, checking each name's shape."""
    if not device:
        return [], []
    names = device.split(",")
    if not all(DEVICE_PATTERN.fullmatch(name) for name in names):
        return [], [DEVICE_NAME_INVALID]
    return list(dict.fromkeys(names)), []


def user_delivery(
    seed: Seed, user: str, names: Sequence[str], group: str | None = None
) -> Delivery | None:
    """Return where a user's copy goes, or None when they have no active devices.

    An unknown device name sends the message to every device, like the real API.
    """
    account = seed.users[user]
    if not account.devices:
        return None
    unknown = tuple(name for name in names if name not in account.devices)
    if names and not unknown:
        return Delivery(user, tuple(names), all_devices=False, group=group)
    return Delivery(user, account.devices, True, unknown, group)


def group_deliveries(seed: Seed, group: str) -> list[Delivery]:
    """Return where the enabled members of a group with active devices get it."""
    deliveries = []
    for member in seed.groups[group].members:
        if member.disabled or member.user not in seed.users:
            continue
        names = [member.device] if member.device else []
        delivery = user_delivery(seed, member.user, names, group)
        if delivery is not None:
            deliveries.append(delivery)
    return deliveries


def resolve_recipients(seed: Seed, user: str, device: str | None) -> Recipients:
    """Resolve the ``user`` (one key or up to 50) and ``device`` fields."""
    result = Recipients()
    keys = user.split(",") if user else []
    if not keys:
        result.problems.append(USER_INVALID)
        return result
    if len(keys) > MAX_USERS:
        result.problems.append(TOO_MANY_USERS)
        return result
    if not all(
        is_key(key) and (key in seed.users or key in seed.groups) for key in keys
    ):
        result.problems.append(USER_INVALID)
        return result
    names: list[str] = []
    single_user = len(keys) == 1 and keys[0] in seed.users
    if single_user:
        names, problems = split_devices(device)
        result.problems.extend(problems)
    seen: set[str] = set()
    for key in keys:
        if key in seed.groups:
            found = group_deliveries(seed, key)
            if not found:
                result.problems.append(GROUP_NO_DEVICES)
        else:
            delivery = user_delivery(seed, key, names)
            if delivery is None:
                result.problems.append(USER_NO_DEVICES)
            found = [] if delivery is None else [delivery]
        for delivery in found:
            if delivery.user not in seen:
                seen.add(delivery.user)
                result.deliveries.append(delivery)
    result.problems = list(dict.fromkeys(result.problems))
    return result


@dataclass(frozen=True)
class FilePart:
    """A file part of a multipart body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes
    size: int
    """The part's full size; ``data`` stops one byte past the attachment limit."""


@dataclass
class CheckedAttachment:
    """An attachment that passed the rules."""

    data: bytes
    content_type: str
    filename: str | None
    source: str


def check_attachment(
    fields: Mapping[str, str], files: Sequence[FilePart]
) -> tuple[CheckedAttachment | None, list[Problem]]:
    """Check the ``attachment`` file part or ``attachment_base64``/``_type``."""
    parts = [part for part in files if part.name == "attachment"]
    encoded = optional(fields, "attachment_base64")
    if optional(fields, "attachment") is not None:
        return None, [ATTACHMENT_NOT_FILE]
    if len(parts) > 1 or (parts and encoded is not None):
        return None, [ATTACHMENT_TWICE]
    if parts:
        return _check_file_part(parts[0])
    if encoded is None:
        return None, []
    return _check_base64(encoded, optional(fields, "attachment_type"))


def _check_file_part(part: FilePart) -> tuple[CheckedAttachment | None, list[Problem]]:
    if part.size == 0:
        return None, [ATTACHMENT_EMPTY]
    if part.size > MAX_ATTACHMENT:
        return None, [ATTACHMENT_TOO_LARGE]
    declared = (part.content_type or "").split(";")[0].strip().lower()
    if is_image_type(declared):
        return CheckedAttachment(part.data, declared, part.filename, "multipart"), []
    if declared in {"", "application/octet-stream"}:
        sniffed = sniff_image(part.data)
        if sniffed is not None:
            return CheckedAttachment(part.data, sniffed, part.filename, "multipart"), []
    return None, [ATTACHMENT_NOT_IMAGE]


def _check_base64(
    encoded: str, content_type: str | None
) -> tuple[CheckedAttachment | None, list[Problem]]:
    if content_type is None or not is_image_type(content_type):
        return None, [ATTACHMENT_TYPE_INVALID]
    if len(encoded) > (MAX_ATTACHMENT + 2) // 3 * 4 + 1024:
        return None, [BASE64_TOO_LARGE]
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except binascii.Error, ValueError:
        return None, [BASE64_INVALID]
    if not data:
        return None, [ATTACHMENT_EMPTY]
    if len(data) > MAX_ATTACHMENT:
        return None, [BASE64_TOO_LARGE]
    return CheckedAttachment(data, content_type.lower(), None, "base64"), []


@dataclass
class MessageSpec:
    """The parts of a valid messages.json request the sandbox acts on."""

    priority: int = 0
    retry: int = 0
    expire: int = 0
    callback: str | None = None
    tags: frozenset[str] = frozenset()
    attachment: CheckedAttachment | None = None


def check_lengths(fields: Mapping[str, str]) -> list[Problem]:
    """Check the message text and the optional text fields' lengths."""
    problems = []
    message = fields.get("message", "")
    if not message.strip():
        problems.append(MESSAGE_BLANK)
    elif len(message) > MAX_MESSAGE:
        problems.append(too_long("message", MAX_MESSAGE))
    for name, limit in (
        ("title", MAX_TITLE),
        ("url", MAX_URL),
        ("url_title", MAX_URL_TITLE),
    ):
        if len(fields.get(name, "")) > limit:
            problems.append(too_long(name, limit))
    return problems


def check_emergency(fields: Mapping[str, str], spec: MessageSpec) -> list[Problem]:
    """Check retry, expire and callback of an emergency-priority message."""
    problems = []
    retry_text = optional(fields, "retry")
    expire_text = optional(fields, "expire")
    retry = None if retry_text is None else parse_int(retry_text)
    expire = None if expire_text is None else parse_int(expire_text)
    if retry_text is None:
        problems.append(RETRY_MISSING)
    elif retry is None or retry < MIN_RETRY:
        problems.append(RETRY_INVALID)
    if expire_text is None:
        problems.append(EXPIRE_MISSING)
    elif expire is None or not 0 < expire <= MAX_EXPIRE:
        problems.append(EXPIRE_INVALID)
    if not problems and retry is not None and expire is not None:
        spec.retry, spec.expire = retry, expire
    callback = optional(fields, "callback")
    if callback is not None:
        parts = urlsplit(callback)
        if (
            len(callback) > MAX_CALLBACK
            or parts.scheme not in {"http", "https"}
            or not parts.netloc
        ):
            problems.append(CALLBACK_INVALID)
        spec.callback = callback
    tags = optional(fields, "tags")
    if tags is not None:
        spec.tags = frozenset(tag.strip() for tag in tags.split(",") if tag.strip())
    return problems


def check_message(
    fields: Mapping[str, str], files: Sequence[FilePart], sounds: Mapping[str, str]
) -> tuple[MessageSpec, list[Problem]]:
    """Check every messages.json field rule except the recipients."""
    spec = MessageSpec()
    problems = check_lengths(fields)
    priority_text = optional(fields, "priority")
    if priority_text is not None:
        priority = parse_int(priority_text)
        if priority is None or not -2 <= priority <= 2:
            problems.append(PRIORITY_INVALID)
        else:
            spec.priority = priority
    if spec.priority == 2:
        problems.extend(check_emergency(fields, spec))
    if is_on(fields.get("html")) and is_on(fields.get("monospace")):
        problems.append(HTML_AND_MONOSPACE)
    ttl = None if spec.priority == 2 else optional(fields, "ttl")
    if ttl is not None and ((seconds := parse_int(ttl)) is None or seconds <= 0):
        problems.append(TTL_INVALID)
    sound = optional(fields, "sound")
    if sound is not None and sound not in sounds:
        problems.append(SOUND_INVALID)
    timestamp = optional(fields, "timestamp")
    if timestamp is not None and ((when := parse_int(timestamp)) is None or when < 0):
        problems.append(TIMESTAMP_INVALID)
    spec.attachment, attachment_problems = check_attachment(fields, files)
    problems.extend(attachment_problems)
    return spec, problems


def check_glance(fields: Mapping[str, str]) -> list[Problem]:
    """Check the glances.json data fields."""
    problems = []
    given = False
    for name in ("title", "text", "subtext"):
        value = fields.get(name)
        if value:
            given = True
            if len(value) > MAX_GLANCE_TEXT:
                problems.append(too_long(name, MAX_GLANCE_TEXT))
    count = optional(fields, "count")
    if count is not None:
        given = True
        if parse_int(count) is None:
            problems.append(COUNT_INVALID)
    percent_text = optional(fields, "percent")
    if percent_text is not None:
        given = True
        percent = parse_int(percent_text)
        if percent is None or not 0 <= percent <= 100:
            problems.append(PERCENT_INVALID)
    if not given:
        problems.append(GLANCE_EMPTY)
    return problems
