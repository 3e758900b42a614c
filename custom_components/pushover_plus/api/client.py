"""An asyncio client for the Pushover API on an injected aiohttp session.

:class:`PushoverClient` checks each request (:mod:`.validation`), waits for its
turn on the API host (:mod:`.limiter`), sends it once with any attachment
streamed off the event loop (:mod:`.payload`) and reads the reply
(:mod:`.replies`): data, or one of the :mod:`.errors` exceptions, never a secret
in a message or a log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import dataclasses
from functools import lru_cache
import logging
from typing import Final
from urllib.parse import quote
import weakref

import aiohttp
from aiohttp import hdrs
from yarl import URL

from .const import DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT
from .encryption import encrypt_fields
from .errors import (
    MessageValidationError,
    PushoverConnectionError,
    PushoverTimeoutError,
    scrub_secrets,
)
from .limiter import FifoLimiter, limiter_for
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
from .payload import FilePayload, attachment_payload, form_body, multipart
from .replies import (
    Json,
    canceled_count,
    decode_json,
    optional_str,
    parse_reply,
    quota_from_headers,
    quota_from_reply,
    receipt_status,
    reply_data,
    reply_request_id,
    sounds,
    user_validation,
)
from .validation import (
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
#: A form without a file goes urlencoded, as bytes made here: aiohttp's FormData
#: would also build a multipart writer for every request.
_FORM_HEADERS: Final = {hdrs.CONTENT_TYPE: "application/x-www-form-urlencoded"}

#: (attribute, form parameter) of every optional field of a :class:`Message`.
_MESSAGE_FORM: Final = tuple(
    (field.name, field.metadata[FORM_PARAMETER])
    for field in dataclasses.fields(Message)
    if FORM_PARAMETER in field.metadata
)


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
            tuple[weakref.ref[asyncio.AbstractEventLoop], FifoLimiter] | None
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
        receipt = parse_reply(
            data, lambda reply: optional_str(reply, "receipt"), read_only=False
        )
        return MessageResult(reply_request_id(data) or "", receipt, quota)

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
        return parse_reply(data, user_validation)

    async def get_sounds(self) -> dict[str, str]:
        """Return every sound the application can use, custom ones included."""
        data, _ = await self._call("GET", "sounds.json", params={"token": self._token})
        return parse_reply(data, sounds)

    async def get_receipt(self, receipt: str) -> ReceiptStatus:
        """Return the state of an emergency message (poll at most every 5 s)."""
        validate_receipt(receipt)
        data, _ = await self._call(
            "GET", f"receipts/{receipt}.json", params={"token": self._token}
        )
        return parse_reply(data, receipt_status)

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
        return parse_reply(data, canceled_count, read_only=False)

    async def get_limits(self) -> Quota:
        """Return the account's monthly quota (and remember it)."""
        data, _ = await self._call(
            "GET", "apps/limits.json", params={"token": self._token}
        )
        quota = parse_reply(data, quota_from_reply)
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

    def _limiter(self) -> FifoLimiter:
        """Return the running loop's limiter for the API host (kept per loop)."""
        loop = asyncio.get_running_loop()
        if self._limiter_of is None or self._limiter_of[0]() is not loop:
            self._limiter_of = (weakref.ref(loop), limiter_for(self._base_url))
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
    ) -> tuple[Json, Quota | None]:
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
                part = await attachment_payload(attachment)
                body = multipart(form or {}, attachment, part)
            elif form is not None:
                body = form_body(form)
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
            if isinstance(part, FilePayload):
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
    ) -> tuple[Json, Quota | None]:
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
        quota = quota_from_headers(headers)
        if quota is not None:
            self._quota = quota
        data = decode_json(raw)
        if debug:
            _LOGGER.debug(
                "Pushover %s %s -> HTTP %s, request %s",
                method,
                scrub_secrets(path, secrets),
                status,
                reply_request_id(data),
            )
        return reply_data(status, data, quota, secrets, read_only=read_only), quota

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
        failure = part.failure if isinstance(part, FilePayload) else None
        if failure is not None:
            return failure
        detail = scrub_secrets(str(err) or type(err).__name__, secrets)
        _LOGGER.debug("Pushover %s failed: %s", request, detail)
        if isinstance(err, TimeoutError):
            return PushoverTimeoutError(f"Pushover did not answer {request} in time.")
        return PushoverConnectionError(
            f"Could not talk to Pushover at {self._base_url.host}: {detail}"
        )


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)
