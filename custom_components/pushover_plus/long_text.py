"""Long texts: cut with an ellipsis, or split into numbered parts, as sent.

Pushover measures an encrypted text after encryption: every length here is
the one Pushover sees (see :func:`text_length`).
"""

from __future__ import annotations

from .api import MAX_MESSAGE_LENGTH, encrypted_length, longest_encrypted_prefix

ELLIPSIS = "…"
#: How far back a cut looks for the end of a word before cutting through one.
WORD_SEARCH = 40


def text_length(text: str, encrypted: bool) -> int:
    """Return the length Pushover measures: of the text as sent."""
    return encrypted_length(text) if encrypted else len(text)


def _fitting(text: str, limit: int, encrypted: bool) -> int:
    """Return how many leading characters of text fit limit as sent."""
    if encrypted:
        return longest_encrypted_prefix(text, limit)
    return min(len(text), limit)


def split_message(
    text: str, limit: int = MAX_MESSAGE_LENGTH, *, encrypted: bool = False
) -> tuple[str, ...]:
    """Split text into numbered parts that fit, at word boundaries where possible.

    A word longer than a part (a long URL, say) is the only thing ever cut.
    Encrypted, each part fits once encrypted.
    """
    count = 1
    while True:
        chunks = _chunks(text, limit, f"({count}/{count}) ", encrypted)
        if len(chunks) <= count:
            break
        count = len(chunks)
    total = len(chunks)
    return tuple(f"({index}/{total}) {chunk}" for index, chunk in enumerate(chunks, 1))


def _chunks(text: str, limit: int, marker: str, encrypted: bool) -> list[str]:
    """Cut text into chunks that fit limit after the (longest) part marker."""
    chunks: list[str] = []
    rest = text.strip()
    while (room := _fitting(marker + rest, limit, encrypted) - len(marker)) < len(rest):
        cut = max(rest.rfind(" ", 0, room + 1), rest.rfind("\n", 0, room + 1))
        if cut <= 0:
            cut = room
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    chunks.append(rest)
    return chunks


def _shorten(text: str, limit: int) -> str:
    """Cut text to limit with an ellipsis, after a whole word where one is near."""
    room = limit - len(ELLIPSIS)
    cut = text.rfind(" ", room - WORD_SEARCH, room + 1)
    return text[: cut if cut > 0 else room].rstrip() + ELLIPSIS


def cut_to(text: str, limit: int, encrypted: bool) -> str:
    """Return text, or text cut with an ellipsis, that fits limit as sent."""
    room = _fitting(text, limit, encrypted)
    if room == len(text):
        return text
    # Encrypted, the ellipsis and the cut change how well the text compresses.
    while text_length(cut := _shorten(text, room), encrypted) > limit:
        room -= 1
    return cut
