"""An asyncio client for the Pushover API on an injected aiohttp session."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
import dataclasses
from datetime import UTC, datetime
from functools import lru_cache
import json
import logging
import os
from pathlib import Path
import stat
from typing import IO, Any, Final, NoReturn, Self
from urllib.parse import quote, urlencode
import weakref

import aiohttp
from aiohttp import hdrs
from aiohttp.abc import AbstractStreamWriter
from multidict import CIMultiDictProxy
from yarl import URL

from .const import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
    MAX_CONCURRENT_REQUESTS,
)
from .encryption import encrypt_fields
from .errors import (
    InvalidResponseError,
    InvalidTokenError,
    InvalidUserError,
    MessageValidationError,
    NoActiveDevicesError,
    PushoverConnectionError,
    PushoverRequestError,
    PushoverTimeoutError,
    QuotaExceededError,
    ServerError,
    ValidationCode,
    scrub_secrets,
)
from .models import (
    FORM_PARAMETER,
    Attachment,
    Glance,
    Message,
    MessageResult,
    Quota,
    ReceiptStatus,
    UserValidation,
    form_value,
)
from .validation import (
    check_attachment_size,
    ignored_fields,
    validate_device_name,
    validate_glance,
    validate_message,
    validate_receipt,
    validate_tag,
    validate_token,
    validate_user_key,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = aiohttp.ClientTimeout(
    total=DEFAULT_TOTAL_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT
)
_CHUNK_SIZE: Final = 64 * 1024
# The API refuses a user without active devices with ``"user": "invalid"`` like
# an unknown key; only its sentence tells them apart: "user has no active
# devices", or for a group "group has no enabled members with active devices".
_NO_ACTIVE_DEVICES: Final = "active devices"
_REPLY_META_KEYS: Final = frozenset({"status", "request", "errors"})
#: A form without a file goes urlencoded, as bytes made here: aiohttp's FormData
#: would also build a multipart writer for every request.
_FORM_HEADERS: Final = {hdrs.CONTENT_TYPE: "application/x-www-form-urlencoded"}

type _Json = dict[str, Any]

#: (attribute, form parameter) of every optional field of a :class:`Message`.
_MESSAGE_FORM: Final = tuple(
    (field.name, field.metadata[FORM_PARAMETER])
    for field in dataclasses.fields(Message)
    if FORM_PARAMETER in field.metadata
)


# --------------------------------------------------------------------------
# At most two requests in flight per API host, admitted in call order.
# --------------------------------------------------------------------------


class _FifoLimiter:
    """Admit at most ``limit`` holders at once, strictly in the order they asked.

    :meth:`reserve` takes a place in line synchronously, so requests are admitted
    in the order their coroutines started, whatever each then awaits before it
    waits for its turn.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._active = 0
        self._queue: deque[asyncio.Future[None]] = deque()

    @property
    def active(self) -> int:
        """Return how many holders are admitted right now."""
        return self._active

    def reserve(self) -> asyncio.Future[None]:
        """Take the next place in line; the future completes when admitted."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(future)
        self._admit()
        return future

    def release(self, future: asyncio.Future[None]) -> None:
        """Give back a place, admitted or still waiting (e.g. when cancelled)."""
        if future.done() and not future.cancelled():
            self._active -= 1
        else:
            future.cancel()
            if future in self._queue:
                self._queue.remove(future)
        self._admit()

    def _admit(self) -> None:
        while self._active < self._limit and self._queue:
            future = self._queue.popleft()
            if not future.done():
                self._active += 1
                future.set_result(None)


_LIMITERS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int | None], _FifoLimiter]
] = weakref.WeakKeyDictionary()


def _limiter_for(url: URL) -> _FifoLimiter:
    """Return the limiter shared by every client of ``url``'s host in this loop."""
    per_loop = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    key = (url.host or "", url.port)
    limiter = per_loop.get(key)
    if limiter is None:
        limiter = per_loop[key] = _FifoLimiter(MAX_CONCURRENT_REQUESTS)
    return limiter


# --------------------------------------------------------------------------
# Attachment bodies that never block the event loop.
# --------------------------------------------------------------------------


class _AttachmentAbortedError(Exception):
    """Stops an upload; the client then raises the payload's ``failure``."""


class _FilePayload(aiohttp.Payload):
    """A file read in chunks in the executor while it is uploaded.

    The file must keep the size it had when it was opened: one that grows or
    shrinks meanwhile stops the upload.
    """

    _autoclose = True

    def __init__(self, handle: IO[bytes], size: int, content_type: str) -> None:
        super().__init__(None, content_type=content_type)
        self._handle: IO[bytes] | None = handle
        self._size = size
        self._remaining = size
        #: Set when the upload was stopped because of the attachment itself.
        self.failure: MessageValidationError | None = None

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Refuse: the bytes are only produced while uploading."""
        raise TypeError("an attachment upload cannot be decoded")

    def _abort(self, code: ValidationCode, text: str) -> NoReturn:
        self.failure = MessageValidationError(text, field="attachment", code=code)
        raise _AttachmentAbortedError(text)

    async def _send_chunk(self, writer: AbstractStreamWriter, chunk: bytes) -> None:
        if len(chunk) > self._remaining:
            self._abort(
                ValidationCode.ATTACHMENT_SIZE_MISMATCH,
                f"The attachment file grew past {self._size} bytes during upload.",
            )
        self._remaining -= len(chunk)
        await writer.write(chunk)

    def _check_complete(self) -> None:
        if self._remaining:
            self._abort(
                ValidationCode.ATTACHMENT_SIZE_MISMATCH,
                f"The attachment file shrank from {self._size} bytes during upload.",
            )

    @classmethod
    async def open(cls, path: Path, content_type: str) -> Self:
        """Open ``path`` and check its size, off the event loop."""
        loop = asyncio.get_running_loop()
        try:
            handle, size = await loop.run_in_executor(None, _open_regular_file, path)
        except OSError:
            raise MessageValidationError(
                f"The attachment file {path.name!r} cannot be read.",
                field="attachment",
                code=ValidationCode.ATTACHMENT_UNREADABLE,
                placeholders={"filename": path.name},
            ) from None
        payload = cls(handle, size, content_type)
        try:
            check_attachment_size(size)
        except MessageValidationError:
            await payload.aclose()
            raise
        return payload

    async def write(self, writer: AbstractStreamWriter) -> None:
        """Upload the file, reading each chunk in the executor."""
        self._consumed = True
        loop = asyncio.get_running_loop()
        handle = self._handle
        if handle is None:
            raise RuntimeError("the attachment file was already sent or closed")
        try:
            while True:
                try:
                    chunk = await loop.run_in_executor(None, handle.read, _CHUNK_SIZE)
                except OSError:
                    self._abort(
                        ValidationCode.ATTACHMENT_UNREADABLE,
                        "The attachment file could not be read to the end.",
                    )
                if not chunk:
                    break
                await self._send_chunk(writer, chunk)
            self._check_complete()
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the file (in the executor); safe to call more than once."""
        handle, self._handle = self._handle, None
        if handle is not None:
            await asyncio.get_running_loop().run_in_executor(None, handle.close)


def _open_regular_file(path: Path) -> tuple[IO[bytes], int]:
    """Open a regular file for reading and return it with its size (blocking).

    Anything else (a directory, a device, a named pipe that would block the
    opening thread) is refused before it is opened.
    """
    if not stat.S_ISREG(path.stat().st_mode):
        raise IsADirectoryError(str(path))
    handle = path.open("rb")
    return handle, os.fstat(handle.fileno()).st_size


async def _attachment_payload(attachment: Attachment) -> aiohttp.Payload:
    """Turn an attachment into a multipart part, doing any file I/O off-loop."""
    if attachment.path is not None:
        return await _FilePayload.open(attachment.path, attachment.content_type)
    if attachment.data is None:
        raise TypeError("an attachment needs a path or bytes")
    return aiohttp.BytesPayload(attachment.data, content_type=attachment.content_type)


def _multipart(
    fields: Mapping[str, str], attachment: Attachment, part: aiohttp.Payload
) -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("form-data")
    for name, value in fields.items():
        text = aiohttp.StringPayload(value)
        text.set_content_disposition("form-data", name=name)
        writer.append_payload(text)
    part.set_content_disposition(
        "form-data", name="attachment", filename=attachment.filename
    )
    writer.append_payload(part)
    return writer


# --------------------------------------------------------------------------
# Reading replies.
# --------------------------------------------------------------------------


def _unix_time(value: object, what: str) -> datetime | None:
    """Return an aware UTC datetime for Unix seconds; 0 or null mean none."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidResponseError(f"The reply's {what} is not a Unix time.")
    return datetime.fromtimestamp(value, UTC)


def _quota_from_headers(headers: CIMultiDictProxy[str]) -> Quota | None:
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


def _flag(data: _Json, key: str) -> bool:
    value = data.get(key, 0)
    if not isinstance(value, int):
        raise InvalidResponseError(f"The reply's {key} is not 0 or 1.")
    return bool(value)


def _optional_str(data: _Json, key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidResponseError(f"The reply's {key} is not text.")
    return value


def _str_tuple(data: _Json, key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidResponseError(f"The reply's {key} is not a list of text.")
    return tuple(value)


def _integer(data: _Json, key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidResponseError(f"The reply's {key} is not a whole number.")
    return value


# --------------------------------------------------------------------------
# The client.
# --------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _endpoint(base_url: URL, path: str) -> URL:
    """Return the URL of ``path`` under the API base URL (joined once)."""
    return base_url.join(URL(path, encoded=True))


def _normalize_base_url(base_url: str | URL) -> URL:
    url = URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("The API base URL must be an absolute http or https URL.")
    if url.user is not None or url.password is not None:
        raise ValueError("The API base URL must not contain credentials.")
    if url.query_string or url.fragment:
        raise ValueError("The API base URL must not have a query or fragment.")
    path = url.path if url.path.endswith("/") else url.path + "/"
    return url.with_path(path)


class PushoverClient:
    """Talks to the Pushover API with an aiohttp session owned by the caller.

    The session is neither created nor closed here. At most
    :data:`MAX_CONCURRENT_REQUESTS` requests per API host are open at once,
    shared by every client of that host on the same event loop, and they start
    in the order they were made. No request is ever sent twice by the client.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str,
        *,
        base_url: str | URL = DEFAULT_BASE_URL,
        timeout: float | aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        """Bind the client to a session, an application token and an API URL.

        ``timeout`` is an :class:`aiohttp.ClientTimeout` or the total seconds per
        request (the connection phase then gets at most 10 s of it).

        Raises :class:`MessageValidationError` for a malformed token and
        :class:`ValueError` for an unusable base URL.
        """
        self._session = session
        self._token = validate_token(token)
        self._base_url = _normalize_base_url(base_url)
        if isinstance(timeout, aiohttp.ClientTimeout):
            self._timeout = timeout
        else:
            self._timeout = aiohttp.ClientTimeout(
                total=timeout, connect=min(timeout, DEFAULT_CONNECT_TIMEOUT)
            )
        self._quota: Quota | None = None
        self._limiter_of: (
            tuple[weakref.ref[asyncio.AbstractEventLoop], _FifoLimiter] | None
        ) = None

    def __repr__(self) -> str:
        """Name the API without showing the token."""
        return f"PushoverClient(base_url={str(self._base_url)!r})"

    @property
    def base_url(self) -> str:
        """Return the API base URL, always ending with a slash."""
        return str(self._base_url)

    @property
    def quota(self) -> Quota | None:
        """Return the latest quota seen in a reply, or ``None`` before any."""
        return self._quota

    # -- endpoints ---------------------------------------------------------

    async def send_message(self, message: Message) -> MessageResult:
        """Send ``message``; return the request id, receipt and quota snapshot.

        The message is validated first; nothing is sent when it is refused. With
        an ``encryption_key`` its texts are sent end-to-end encrypted.
        """
        users = validate_message(message)
        fields: dict[str, str] = {
            "token": self._token,
            "user": ",".join(users),
            "message": message.message,
        }
        given = {
            parameter: value
            for attribute, parameter in _MESSAGE_FORM
            if (value := form_value(getattr(message, attribute))) is not None
        }
        if ignored := [key for key in ignored_fields(message.priority) if key in given]:
            _LOGGER.debug(
                "Leaving out %s: Pushover ignores them at priority %s",
                ", ".join(ignored),
                message.priority or 0,
            )
        fields.update(
            {key: value for key, value in given.items() if key not in ignored}
        )
        if message.encryption_key is not None:
            fields = encrypt_fields(message.encryption_key, fields)
        data, quota = await self._call(
            "POST",
            "messages.json",
            form=fields,
            attachment=message.attachment,
            secrets=users,
        )
        receipt = _parse_reply(
            data, lambda reply: _optional_str(reply, "receipt"), read_only=False
        )
        return MessageResult(_request_id(data) or "", receipt, quota)

    async def validate_user(
        self, user_key: str, device: str | None = None
    ) -> UserValidation:
        """Check a user or group key (and optionally one of its devices)."""
        validate_user_key(user_key)
        fields = {"token": self._token, "user": user_key}
        if device is not None:
            fields["device"] = validate_device_name(device, field="device")
        data, _ = await self._call(
            "POST",
            "users/validate.json",
            form=fields,
            secrets=(user_key,),
            read_only=True,
        )
        return _parse_reply(data, _user_validation)

    async def get_sounds(self) -> dict[str, str]:
        """Return every sound the application can use, custom ones included."""
        data, _ = await self._call("GET", "sounds.json", params={"token": self._token})
        return _parse_reply(data, _sounds)

    async def get_receipt(self, receipt: str) -> ReceiptStatus:
        """Return the state of an emergency message (poll at most every 5 s)."""
        validate_receipt(receipt)
        data, _ = await self._call(
            "GET", f"receipts/{receipt}.json", params={"token": self._token}
        )
        return _parse_reply(data, _receipt_status)

    async def cancel_receipt(self, receipt: str) -> None:
        """Stop an emergency message from repeating."""
        validate_receipt(receipt)
        await self._call(
            "POST", f"receipts/{receipt}/cancel.json", form={"token": self._token}
        )

    async def cancel_receipts_by_tag(self, tag: str) -> int:
        """Cancel every emergency message tagged ``tag``; return how many."""
        validate_tag(tag)
        data, _ = await self._call(
            "POST",
            f"receipts/cancel_by_tag/{quote(tag, safe='')}.json",
            form={"token": self._token},
        )
        return _parse_reply(data, _canceled_count, read_only=False)

    async def get_limits(self) -> Quota:
        """Return the account's monthly quota (and remember it)."""
        data, _ = await self._call(
            "GET", "apps/limits.json", params={"token": self._token}
        )
        quota = _parse_reply(data, _quota_from_reply)
        self._quota = quota
        return quota

    async def update_glance(self, glance: Glance) -> None:
        """Update the user's Apple Watch complication data."""
        validate_glance(glance)
        fields = {"token": self._token, "user": glance.user}
        optional = {
            "device": glance.device,
            "title": glance.title,
            "text": glance.text,
            "subtext": glance.subtext,
            "count": _str_or_none(glance.count),
            "percent": _str_or_none(glance.percent),
        }
        fields.update({k: v for k, v in optional.items() if v is not None})
        await self._call("POST", "glances.json", form=fields, secrets=(glance.user,))

    # -- transport ---------------------------------------------------------

    def _limiter(self) -> _FifoLimiter:
        """Return the running loop's limiter for the API host (kept per loop)."""
        loop = asyncio.get_running_loop()
        if self._limiter_of is None or self._limiter_of[0]() is not loop:
            self._limiter_of = (weakref.ref(loop), _limiter_for(self._base_url))
        return self._limiter_of[1]

    async def _call(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        attachment: Attachment | None = None,
        secrets: tuple[str, ...] = (),
        read_only: bool = False,
    ) -> tuple[_Json, Quota | None]:
        """Wait for a free slot on the host, then run one exchange.

        ``read_only`` says the request changes nothing at Pushover (all ``GET``
        requests are), so a garbled reply to it is worth asking again.
        """
        limiter = self._limiter()
        # Take a place in line before the first await: requests go in call order.
        turn = limiter.reserve()
        part: aiohttp.Payload | None = None
        try:
            body: aiohttp.MultipartWriter | bytes | None = None
            if attachment is not None:
                part = await _attachment_payload(attachment)
                body = _multipart(form or {}, attachment, part)
            elif form is not None:
                body = urlencode(form).encode()
            await turn
            return await self._exchange(
                method,
                path,
                body=body,
                params=params,
                part=part,
                secrets=secrets,
                read_only=read_only or method == "GET",
            )
        finally:
            limiter.release(turn)
            if isinstance(part, _FilePayload):
                await part.aclose()

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        body: aiohttp.MultipartWriter | bytes | None,
        params: Mapping[str, str] | None,
        part: aiohttp.Payload | None,
        secrets: tuple[str, ...],
        read_only: bool,
    ) -> tuple[_Json, Quota | None]:
        """Send one request and turn the reply into data or an exception."""
        secrets = (self._token, *secrets)
        debug = _LOGGER.isEnabledFor(logging.DEBUG)
        if debug:
            _LOGGER.debug("Pushover %s %s", method, scrub_secrets(path, secrets))
        try:
            async with self._session.request(
                method,
                _endpoint(self._base_url, path),
                params=params,
                data=body,
                headers=_FORM_HEADERS if isinstance(body, bytes) else None,
                timeout=self._timeout,
                allow_redirects=False,
                raise_for_status=False,
            ) as response:
                status, headers = response.status, response.headers
                raw = await response.read()
        except (TimeoutError, aiohttp.ClientError) as err:
            request = f"{method} {scrub_secrets(path, secrets)}"
            raise self._transport_error(err, part, request, secrets) from None
        quota = _quota_from_headers(headers)
        if quota is not None:
            self._quota = quota
        data = _decode_json(raw)
        if debug:
            _LOGGER.debug(
                "Pushover %s %s -> HTTP %s, request %s",
                method,
                scrub_secrets(path, secrets),
                status,
                _request_id(data),
            )
        return _reply_data(status, data, quota, secrets, read_only=read_only), quota

    def _transport_error(
        self,
        err: TimeoutError | aiohttp.ClientError,
        part: aiohttp.Payload | None,
        request: str,
        secrets: tuple[str, ...],
    ) -> MessageValidationError | PushoverTimeoutError | PushoverConnectionError:
        """Return the error for a request that got no reply.

        An upload stopped by the attachment itself reports the attachment's
        problem; ``request`` is the method and the scrubbed path, for messages.
        """
        failure = part.failure if isinstance(part, _FilePayload) else None
        if failure is not None:
            return failure
        detail = scrub_secrets(str(err) or type(err).__name__, secrets)
        _LOGGER.debug("Pushover %s failed: %s", request, detail)
        if isinstance(err, TimeoutError):
            return PushoverTimeoutError(f"Pushover did not answer {request} in time.")
        return PushoverConnectionError(
            f"Could not talk to Pushover at {self._base_url.host}: {detail}"
        )


def _reply_data(
    status: int,
    data: _Json | None,
    quota: Quota | None,
    secrets: tuple[str, ...],
    *,
    read_only: bool,
) -> _Json:
    """Return the data of a successful reply; raise the error any other means."""
    request_id = _request_id(data)
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
    if 400 <= status < 500:
        raise _api_error(status, data, request_id, secrets)
    if not 200 <= status < 300:
        problem = f"Pushover answered with unexpected HTTP status {status}."
    elif data is None:
        problem = "Pushover's reply is not a JSON object."
    elif data.get("status") == 1:
        return data
    elif "errors" in data:
        raise _api_error(status, data, request_id, secrets)
    else:
        problem = "Pushover's reply does not say whether the request succeeded."
    raise InvalidResponseError(
        problem, status=status, request_id=request_id, retryable=read_only
    )


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def _decode_json(raw: bytes) -> _Json | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _request_id(data: _Json | None) -> str | None:
    value = data.get("request") if data is not None else None
    return value if isinstance(value, str) else None


def _errors(data: _Json | None, secrets: tuple[str, ...]) -> tuple[str, ...]:
    errors = data.get("errors") if data is not None else None
    if not isinstance(errors, list):
        return ()
    return tuple(scrub_secrets(e, secrets) for e in errors if isinstance(e, str))


def _api_error(
    status: int, data: _Json | None, request_id: str | None, secrets: tuple[str, ...]
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


def _parse_reply[T](
    data: _Json, parse: Callable[[_Json], T], *, read_only: bool = True
) -> T:
    """Run ``parse`` on a successful reply, tagging shape errors with its id.

    A reply of the wrong shape is retryable only when the request changed nothing
    (see :class:`InvalidResponseError`).
    """
    try:
        return parse(data)
    except InvalidResponseError as err:
        err.request_id = _request_id(data)
        err.retryable = read_only
        raise


def _canceled_count(data: _Json) -> int:
    return _integer(data, "canceled") if "canceled" in data else 0


def _user_validation(data: _Json) -> UserValidation:
    group = data.get("group", 0)
    if not isinstance(group, int):
        raise InvalidResponseError("The reply's group flag is not 0 or 1.")
    return UserValidation(
        devices=_str_tuple(data, "devices"),
        licenses=_str_tuple(data, "licenses"),
        is_group=bool(group),
    )


def _sounds(data: _Json) -> dict[str, str]:
    sounds = data.get("sounds")
    if not isinstance(sounds, dict) or not all(
        isinstance(name, str) and isinstance(text, str) for name, text in sounds.items()
    ):
        raise InvalidResponseError(
            "The reply's sounds are not a map of names to descriptions."
        )
    return dict(sounds)


def _receipt_status(data: _Json) -> ReceiptStatus:
    return ReceiptStatus(
        acknowledged=_flag(data, "acknowledged"),
        acknowledged_at=_unix_time(data.get("acknowledged_at"), "acknowledged_at"),
        acknowledged_by=_optional_str(data, "acknowledged_by"),
        acknowledged_by_device=_optional_str(data, "acknowledged_by_device"),
        last_delivered_at=_unix_time(
            data.get("last_delivered_at"), "last_delivered_at"
        ),
        expired=_flag(data, "expired"),
        expires_at=_unix_time(data.get("expires_at"), "expires_at"),
        called_back=_flag(data, "called_back"),
        called_back_at=_unix_time(data.get("called_back_at"), "called_back_at"),
    )


def _quota_from_reply(data: _Json) -> Quota:
    reset = _unix_time(_integer(data, "reset"), "reset")
    if reset is None:
        raise InvalidResponseError("The reply's reset time is missing.")
    return Quota(_integer(data, "limit"), _integer(data, "remaining"), reset)
