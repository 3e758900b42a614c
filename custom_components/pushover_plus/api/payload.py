"""Request bodies: a form, or a form with an attachment built off the event loop.

:func:`form_body` urlencodes a form without a file.

:func:`attachment_payload` turns an :class:`Attachment` into a multipart part: a
:class:`FilePayload` reads its file in the executor while it is uploaded, and
stops the upload (leaving the attachment's problem in ``failure``) when the
file cannot be read or changes size. :func:`multipart` puts the form fields and
that part together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import os
from pathlib import Path
import stat
import string
from typing import IO, Final, NoReturn, Self

import aiohttp
from aiohttp.abc import AbstractStreamWriter

from .errors import MessageValidationError, ValidationCode
from .models import Attachment
from .validation import check_attachment_size

_CHUNK_SIZE: Final = 64 * 1024
#: What each character up to U+00FF other than letters, digits and ``_.-~``
#: becomes in a urlencoded form: ``%XX``, and a space ``+`` (as ``quote_plus``
#: does). Text beyond ASCII is quoted as its UTF-8 bytes read as such characters.
_FORM_ESCAPES: Final = str.maketrans(
    {
        chr(code): "+" if code == 0x20 else f"%{code:02X}"
        for code in range(256)
        if chr(code) not in string.ascii_letters + string.digits + "_.-~"
    }
)


class _AttachmentAbortedError(Exception):
    """Stops an upload; the client then raises the payload's ``failure``."""


class FilePayload(aiohttp.Payload):
    """A file read in chunks in the executor while it is uploaded.

    The file must keep the size it had when it was opened: one that grows or
    shrinks meanwhile stops the upload.
    """

    _autoclose = True

    def __init__(self, handle: IO[bytes], size: int, content_type: str) -> None:
        """Upload ``size`` bytes from the open ``handle``, which it then closes."""
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
            handle, size = await loop.run_in_executor(None, open_regular_file, path)
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


def _form_quote(value: str) -> str:
    """Quote a form key or value in one C call (two more beyond ASCII).

    Beyond ASCII each UTF-8 byte becomes the character of its value, which
    the table turns into its ``%XX``: what ``quote_plus`` does a byte at a time.
    """
    if not value.isascii():
        value = value.encode().decode("latin-1")
    return value.translate(_FORM_ESCAPES)


def form_body(form: Mapping[str, str]) -> bytes:
    """Return ``form`` urlencoded, as ``urllib.parse.urlencode`` does, but faster.

    Every message is one of these: ``urlencode`` quotes a byte at a time, which
    a link (all ``:``, ``/`` and ``?``) makes cost more than the rest of the form.
    """
    return "&".join(
        [f"{_form_quote(key)}={_form_quote(value)}" for key, value in form.items()]
    ).encode()


def open_regular_file(path: Path) -> tuple[IO[bytes], int]:
    """Open a regular file for reading and return it with its size (blocking).

    Anything else (a directory, a device, a named pipe that would block the
    opening thread) is refused before it is opened.
    """
    if not stat.S_ISREG(path.stat().st_mode):
        raise IsADirectoryError(str(path))
    handle = path.open("rb")
    return handle, os.fstat(handle.fileno()).st_size


async def attachment_payload(attachment: Attachment) -> aiohttp.Payload:
    """Turn an attachment into a multipart part, doing any file I/O off-loop."""
    if attachment.path is not None:
        return await FilePayload.open(attachment.path, attachment.content_type)
    if attachment.data is None:
        raise TypeError("an attachment needs a path or bytes")
    return aiohttp.BytesPayload(attachment.data, content_type=attachment.content_type)


def multipart(
    fields: Mapping[str, str], attachment: Attachment, part: aiohttp.Payload
) -> aiohttp.MultipartWriter:
    """Return the form ``fields`` followed by the attachment's ``part``."""
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
