"""Reading request fields the way the Pushover API accepts them.

Fields come from the query string and from the body, the body winning: a
form-encoded body (also on GET, which some clients send), a multipart body with
file parts, or a JSON object (numbers become their text, booleans ``1``/``0``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, hdrs, web

from .rules import MAX_ATTACHMENT, FilePart


class BodyError(ValueError):
    """A body the API does not accept."""


@dataclass
class RequestData:
    """The fields and files of a request, or why the body could not be read."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)
    error: str | None = None


async def read_request(request: web.Request) -> RequestData:
    """Read the query string and body of ``request``."""
    data = RequestData(fields=dict(request.query))
    content_type = request.content_type
    try:
        if content_type.startswith("multipart/"):
            await _read_multipart(request, data)
        elif content_type == "application/json":
            _read_json(await request.text(), data)
        elif request.can_read_body:
            text = await request.text()
            data.fields.update(parse_qsl(text, keep_blank_values=True))
    except web.HTTPRequestEntityTooLarge:
        data.error = "the body is too large"
    except (ValueError, UnicodeDecodeError) as err:
        data.error = str(err) or type(err).__name__
    return data


async def _read_multipart(request: web.Request, data: RequestData) -> None:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise BodyError("nested multipart bodies are not accepted")
        name = part.name or ""
        if part.filename is None:
            data.fields[name] = await part.text()
            continue
        kept = bytearray()
        size = 0
        while chunk := await part.read_chunk():
            size += len(chunk)
            if len(kept) <= MAX_ATTACHMENT:
                kept.extend(chunk[: MAX_ATTACHMENT + 1 - len(kept)])
        data.files.append(
            FilePart(
                name,
                part.filename,
                part.headers.get(hdrs.CONTENT_TYPE),
                bytes(kept),
                size,
            )
        )


def _read_json(text: str, data: RequestData) -> None:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as err:
        raise BodyError(f"invalid JSON ({err.msg})") from err
    if not isinstance(body, dict):
        raise BodyError("a JSON body must be an object")
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool):
            data.fields[name] = "1" if value else "0"
        elif isinstance(value, int | float | str):
            data.fields[name] = str(value)
        else:
            raise BodyError(f"field {name} must be a string, number or boolean")
