"""Typed requests and replies of the Pushover API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
import os
from pathlib import Path, PurePath
from typing import Final

from .const import DEFAULT_CONTENT_TYPE

# File name suffix -> MIME type for the images Pushover shows. A fixed table on
# purpose: ``mimetypes`` reads system files on first use, which must not happen
# in the event loop.
_IMAGE_TYPES: Final = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".svg": "image/svg+xml",
}


def guess_content_type(filename: str) -> str:
    """Return the image MIME type for ``filename``'s suffix, or a generic type."""
    return _IMAGE_TYPES.get(PurePath(filename).suffix.lower(), DEFAULT_CONTENT_TYPE)


@dataclass(frozen=True, slots=True, repr=False)
class Attachment:
    """An image sent as the multipart ``attachment`` part of a message.

    Build it with :meth:`from_path` or :meth:`from_bytes`: exactly one of
    ``path`` and ``data`` is set. A file is read in chunks off the event loop
    while it is uploaded.
    """

    filename: str
    content_type: str
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Attachment:
        """Attach the file at ``path``; its size is checked just before sending."""
        file_path = Path(path)
        name = filename if filename is not None else file_path.name
        return cls(
            filename=name,
            content_type=content_type or guess_content_type(name),
            path=file_path,
        )

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        filename: str = "image",
        content_type: str | None = None,
    ) -> Attachment:
        """Attach ``data`` held in memory."""
        return cls(
            filename=filename,
            content_type=content_type or guess_content_type(filename),
            data=bytes(data),
        )

    def __repr__(self) -> str:
        """Describe the attachment without dumping its bytes."""
        if self.path is not None:
            source = f"path={str(self.path)!r}"
        else:
            source = f"data=<{len(self.data or b'')} bytes>"
        return (
            f"Attachment({source}, filename={self.filename!r}, "
            f"content_type={self.content_type!r})"
        )


#: Metadata key of a :class:`Message` field: the form parameter it is sent as.
FORM_PARAMETER: Final = "form_parameter"


def _sent_as(parameter: str) -> dict[str, str]:
    return {FORM_PARAMETER: parameter}


def form_value(value: int | datetime | str | Sequence[str] | None) -> str | None:
    """Return a message field as its form parameter carries it; None leaves it out.

    Empty text and lists, ``False`` and ``None`` are not sent; ``True`` is
    ``1``, numbers are decimal, lists are comma-joined, a time is Unix seconds.
    """
    if isinstance(value, str):
        return value or None
    if value is None or value is False:
        return None
    if value is True:
        return "1"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return str(int(value.timestamp()))
    return ",".join(value) or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A message for ``messages.json``.

    ``user`` is one user or group key, or a sequence of up to 50 keys delivered
    in one request. Fields left at ``None``/empty/``False`` are not sent. Check a
    message early with :func:`validate_message`; the client checks it again.

    With ``encryption_key`` (32 bytes, see :func:`parse_encryption_key`) the
    client sends message, title, url and url_title end-to-end encrypted
    (``encrypted=1``). Such a message needs a title, since Pushover would put a
    plain default title the phone cannot decrypt, and Pushover's length limits
    apply to the encrypted texts. The key is left out of the repr.
    """

    user: str | Sequence[str] = field(repr=False)
    message: str
    # The optional fields of messages.json: each one's metadata names the form
    # parameter it is sent as (see :func:`form_value` for how).
    title: str | None = field(default=None, metadata=_sent_as("title"))
    devices: Sequence[str] = field(default=(), metadata=_sent_as("device"))
    priority: int | None = field(default=None, metadata=_sent_as("priority"))
    retry: int | None = field(default=None, metadata=_sent_as("retry"))
    expire: int | None = field(default=None, metadata=_sent_as("expire"))
    #: The URL Pushover calls on acknowledgement; often holds a webhook secret.
    callback: str | None = field(
        default=None, repr=False, metadata=_sent_as("callback")
    )
    tags: Sequence[str] = field(default=(), metadata=_sent_as("tags"))
    sound: str | None = field(default=None, metadata=_sent_as("sound"))
    timestamp: int | datetime | None = field(
        default=None, metadata=_sent_as("timestamp")
    )
    ttl: int | None = field(default=None, metadata=_sent_as("ttl"))
    url: str | None = field(default=None, metadata=_sent_as("url"))
    url_title: str | None = field(default=None, metadata=_sent_as("url_title"))
    html: bool = field(default=False, metadata=_sent_as("html"))
    monospace: bool = field(default=False, metadata=_sent_as("monospace"))
    attachment: Attachment | None = None
    encryption_key: bytes | None = field(default=None, repr=False)

    @property
    def users(self) -> tuple[str, ...]:
        """Return the recipient keys as a tuple."""
        if isinstance(self.user, str):
            return (self.user,)
        return tuple(self.user)


@dataclass(frozen=True, slots=True, kw_only=True)
class Glance:
    """An update of the Apple Watch complication data (``glances.json``).

    Fields left at ``None`` are not sent; an empty string is sent and clears it.
    """

    user: str = field(repr=False)
    device: str | None = None
    title: str | None = None
    text: str | None = None
    subtext: str | None = None
    count: int | None = None
    percent: int | None = None


@dataclass(frozen=True, slots=True)
class Quota:
    """The account's monthly message allowance, shared by its applications."""

    limit: int
    remaining: int
    #: When the allowance resets, as an aware UTC datetime.
    reset: datetime


@dataclass(frozen=True, slots=True)
class MessageResult:
    """What the API answered to an accepted message."""

    request_id: str
    #: Receipt to poll or cancel; set for emergency-priority messages only.
    receipt: str | None
    #: The quota announced by this reply's headers, when present.
    quota: Quota | None


@dataclass(frozen=True, slots=True)
class UserValidation:
    """A valid user or group key, with the user's active devices."""

    devices: tuple[str, ...]
    licenses: tuple[str, ...]
    is_group: bool


@dataclass(frozen=True, slots=True)
class ReceiptStatus:
    """The state of an emergency-priority message."""

    acknowledged: bool
    acknowledged_at: datetime | None
    #: Key of the user who acknowledged.
    acknowledged_by: str | None = field(repr=False)
    acknowledged_by_device: str | None
    last_delivered_at: datetime | None
    expired: bool
    expires_at: datetime | None
    called_back: bool
    called_back_at: datetime | None
