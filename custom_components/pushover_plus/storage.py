"""What the integration stores: read forgivingly, written soon.

The readers below check the type of one stored value and raise ``TypeError``
when it is not what was written; callers count such entries as unreadable and
keep the rest. :func:`salvage` recovers the whole entries of a file cut short.
:class:`SoonWrite` writes a store within a delay of its first change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
import json
from pathlib import Path
import re
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

_SEPARATORS: Final = frozenset(" \t\r\n,")
_DECODER: Final = json.JSONDecoder()


def texts(value: object) -> tuple[str, ...]:
    """Read a list of text."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("not a list of text")
    return tuple(value)


def text_or_none(value: object) -> str | None:
    """Read text, or null."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError("not text")


def whole_number_or_none(value: object) -> int | None:
    """Read a whole number, or null."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError("not a whole number")


def flag(value: object) -> bool:
    """Read true or false."""
    if isinstance(value, bool):
        return value
    raise TypeError("not true or false")


def aware_time(value: object) -> datetime:
    """Read an ISO 8601 time with its time zone."""
    parsed = dt_util.parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise TypeError("not a time")
    return parsed


def parse[T](
    data: object, key: str, parse_one: Callable[[object], T]
) -> tuple[list[T], int]:
    """Return the readable entries of the list under ``key``, and how many were not.

    Data not shaped the way it was written counts as one unreadable entry.
    """
    entries = data.get(key, []) if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        return [], 1
    return parse_each(entries, parse_one)


def parse_each[S, T](
    entries: Sequence[S], parse_one: Callable[[S], T]
) -> tuple[list[T], int]:
    """Return what ``parse_one`` reads of ``entries``, and how many it could not.

    ``parse_one`` raises TypeError for an entry it cannot read.
    """
    parsed: list[T] = []
    for entry in entries:
        try:
            parsed.append(parse_one(entry))
        except TypeError:
            continue
    return parsed, len(entries) - len(parsed)


def _whole_objects(text: str, key: str) -> list[Any]:
    """Return the complete values at the start of the list under ``key``.

    For a damaged file: reading stops at the first value that is cut off.
    """
    match = re.search(rf'"{key}"\s*:\s*\[', text)
    if match is None:
        return []
    values: list[Any] = []
    position = match.end()
    while True:
        while position < len(text) and text[position] in _SEPARATORS:
            position += 1
        try:
            value, position = _DECODER.raw_decode(text, position)
        except ValueError:
            return values
        values.append(value)


def salvage(
    path: Path, keys: Iterable[str]
) -> tuple[dict[str, list[Any]], Path] | None:
    """Read the lists under ``keys`` of a damaged file and move it aside (blocking).

    Returns what was read and where the file went, or None when there is no
    file or it is whole JSON.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    try:
        json.loads(text)
    except ValueError:
        pass
    else:
        return None
    found = {key: _whole_objects(text, key) for key in keys}
    aside = path.with_name(f"{path.name}.corrupt.{dt_util.utcnow():%Y%m%dT%H%M%S}")
    path.rename(aside)
    return found, aside


async def async_remove_store(hass: HomeAssistant, version: int, key: str) -> None:
    """Delete a removed entry's store file."""
    await Store[dict[str, Any]](hass, version, key).async_remove()


class SoonWrite:
    """Has a store written within a delay of its first change, however many follow.

    ``Store.async_delay_save`` starts its delay again at every call: while
    changes keep coming (a message a second), nothing would be written, and
    each change would pay for a new timer.
    """

    def __init__(
        self,
        store: Store[dict[str, Any]],
        data: Callable[[], dict[str, Any]],
        delay: float,
    ) -> None:
        """Write what ``data`` returns to ``store`` ``delay`` seconds after a change."""
        self._store = store
        self._data = data
        self._delay = delay
        self._due = False

    @callback
    def async_request(self) -> None:
        """Ask for a write; one asked for earlier and not yet done covers it."""
        if not self._due:
            self._due = True
            self._store.async_delay_save(self._current, self._delay)

    async def async_write_now(self) -> None:
        """Write at once (the write due, if any, is this one)."""
        await self._store.async_save(self._current())

    def _current(self) -> dict[str, Any]:
        """Return what to write; a change from now on asks for another write."""
        self._due = False
        return self._data()
