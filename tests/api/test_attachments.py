"""Attachments from a path or bytes arrive byte for byte."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any, cast

import aiohttp
from aiohttp.abc import AbstractStreamWriter
import pytest

from custom_components.pushover_plus.api import (
    MAX_ATTACHMENT_SIZE,
    Attachment,
    Message,
    MessageValidationError,
    PushoverClient,
    ValidationCode,
)
from custom_components.pushover_plus.api.models import guess_content_type
from custom_components.pushover_plus.api.payload import (
    FilePayload,
    attachment_payload,
)
from sandbox.seed import DEMO_TOKEN, DEMO_USER
from sandbox.state import SandboxState

from .conftest import png_bytes

C = ValidationCode


def _message(attachment: Attachment) -> Message:
    return Message(user=DEMO_USER, message="Snapshot", attachment=attachment)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def test_from_path(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    data = png_bytes(300_000)
    path = await asyncio.to_thread(_write, tmp_path / "snap.png", data)
    await client.send_message(_message(Attachment.from_path(path)))

    record = state.messages[0]
    assert record.attachment is not None
    assert record.attachment.data == data
    assert record.attachment.filename == "snap.png"
    assert record.attachment.content_type == "image/png"
    assert record.attachment.source == "multipart"
    assert record.fields["message"] == "Snapshot"
    assert state.requests[0].content_type == "multipart/form-data"


async def test_from_path_at_the_size_limit(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    data = png_bytes(MAX_ATTACHMENT_SIZE)
    path = await asyncio.to_thread(_write, tmp_path / "big.bin", data)
    await client.send_message(
        _message(
            Attachment.from_path(
                str(path), filename="big.png", content_type="image/png"
            )
        )
    )
    attachment = state.messages[0].attachment
    assert attachment is not None
    assert attachment.data == data
    assert attachment.filename == "big.png"


async def test_from_bytes(client: PushoverClient, state: SandboxState) -> None:
    data = b"\xff\xd8\xff" + bytes(range(256)) * 40
    await client.send_message(_message(Attachment.from_bytes(data, filename="a.jpg")))
    attachment = state.messages[0].attachment
    assert attachment is not None
    assert attachment.data == data
    assert attachment.content_type == "image/jpeg"
    assert attachment.filename == "a.jpg"


async def _refused(
    client: PushoverClient, state: SandboxState, attachment: Attachment
) -> MessageValidationError:
    with pytest.raises(MessageValidationError) as caught:
        await client.send_message(_message(attachment))
    assert caught.value.field == "attachment"
    assert state.requests == []
    return caught.value


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


async def test_path_too_large(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    path = await asyncio.to_thread(
        _sparse, tmp_path / "huge.png", MAX_ATTACHMENT_SIZE + 1
    )
    error = await _refused(client, state, Attachment.from_path(path))
    assert error.code is C.ATTACHMENT_TOO_LARGE
    assert error.placeholders["size"] == str(MAX_ATTACHMENT_SIZE + 1)


async def test_path_empty(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    path = await asyncio.to_thread(_sparse, tmp_path / "empty.png", 0)
    error = await _refused(client, state, Attachment.from_path(path))
    assert error.code is C.ATTACHMENT_EMPTY


async def test_path_missing_or_directory(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    for path in (tmp_path / "missing.png", tmp_path):
        error = await _refused(client, state, Attachment.from_path(path))
        assert error.code is C.ATTACHMENT_UNREADABLE
        assert error.placeholders == {"filename": path.name}


async def test_special_files_are_refused(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.png"
    await asyncio.to_thread(os.mkfifo, fifo)
    for path in (fifo, Path("/dev/zero")):
        error = await _refused(client, state, Attachment.from_path(path))
        assert error.code is C.ATTACHMENT_UNREADABLE


def _resize(path: Path, size: int) -> None:
    with path.open("r+b") as handle:
        handle.truncate(size)


@pytest.mark.parametrize("new_size", [150_000, 50_000], ids=["grows", "shrinks"])
async def test_file_changing_while_sent(
    api_url: str, state: SandboxState, tmp_path: Path, new_size: int
) -> None:
    """A file whose size changes after it was opened stops the upload."""
    path = await asyncio.to_thread(_write, tmp_path / "live.png", png_bytes(100_000))

    async def resize(*_: object) -> None:
        await asyncio.to_thread(_resize, path, new_size)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(resize)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = PushoverClient(session, DEMO_TOKEN, base_url=api_url)
        with pytest.raises(MessageValidationError) as caught:
            await client.send_message(_message(Attachment.from_path(path)))
    assert caught.value.code is C.ATTACHMENT_SIZE_MISMATCH
    assert caught.value.field == "attachment"
    assert state.messages == []


def test_attachment_repr_and_types(tmp_path: Path) -> None:
    data = Attachment.from_bytes(b"\x89PNG" * 1000, filename="a.png")
    assert repr(data) == (
        "Attachment(data=<4000 bytes>, filename='a.png', content_type='image/png')"
    )
    path = Attachment.from_path(tmp_path / "b.JPEG")
    assert "path=" in repr(path)
    assert path.content_type == "image/jpeg"
    assert path.filename == "b.JPEG"
    assert Attachment.from_bytes(b"x", filename="c.webp").content_type == "image/webp"
    assert guess_content_type("notes.txt") == "application/octet-stream"
    assert Attachment.from_bytes(b"x").content_type == "application/octet-stream"


class _Collector:
    """Collects what a payload writes."""

    def __init__(self) -> None:
        self.data = bytearray()

    async def write(self, chunk: bytes) -> None:
        self.data += chunk


class _BrokenFile(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise OSError(5, "I/O error")


async def test_file_payload_internals(tmp_path: Path) -> None:
    data = png_bytes(200_000)
    path = await asyncio.to_thread(_write, tmp_path / "p.png", data)
    payload = await FilePayload.open(path, "image/png")
    with pytest.raises(TypeError):
        payload.decode()
    writer = _Collector()
    await payload.write(cast(AbstractStreamWriter, writer))
    assert writer.data == data
    assert payload.consumed
    with pytest.raises(RuntimeError):
        await payload.write(cast(AbstractStreamWriter, writer))
    await payload.aclose()

    broken = FilePayload(cast(Any, _BrokenFile()), 10, "image/png")
    with pytest.raises(Exception, match="could not be read"):
        await broken.write(cast(AbstractStreamWriter, _Collector()))
    assert broken.failure is not None
    assert broken.failure.code is C.ATTACHMENT_UNREADABLE


async def test_attachment_without_source_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        await attachment_payload(Attachment(filename="a.png", content_type="image/png"))
