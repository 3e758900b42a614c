"""How the outbox keeps its messages on disk.

Every queued message is a small JSON file of its own, ``<id>.json``, in the
entry's outbox folder, next to the bytes of its image, ``<id>``. Queueing a
message writes its files once, however many messages already wait; sending a
part rewrites that one file, and a delivered or dropped message takes its files
with it. The entry's store keeps what is not a message: the drops behind the
repair issues. Earlier versions kept every message in that store; such a store
is turned into files when it is read.

Reading is forgiving: an unreadable file is counted and removed, a missing
image leaves the text to send, and a store file cut short keeps the messages
written before the cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
import re
import shutil
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.json import save_json
from homeassistant.helpers.storage import STORAGE_DIR
from homeassistant.util.file import WriteError
from homeassistant.util.json import json_loads

from .api import Attachment
from .const import DOMAIN
from .message import Outgoing
from .storage import (
    aware_time,
    parse_each,
    text_or_none,
    texts,
    whole_number_or_none,
)

STORAGE_VERSION: Final = 1

#: The lists of the store file: messages (of old versions), and drops.
STORE_LISTS: Final = ("messages", "dropped")
_ID: Final = re.compile(r"[0-9a-f]{32}")
_SUFFIX: Final = ".json"


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """The image of a queued message; its bytes wait in a file of the outbox."""

    filename: str
    content_type: str
    #: Bytes of the file (read from the disk, not stored).
    size: int = field(default=0, compare=False)


@dataclass(slots=True)
class QueuedMessage:
    """A message in the outbox; ``outgoing.parts`` holds the parts not yet sent."""

    id: str
    #: Its place in the queue: messages go out in this order.
    seq: int
    queued_at: datetime
    recipient_ids: tuple[str, ...]
    outgoing: Outgoing
    #: Goes with the first part still to send.
    attachment: StoredAttachment | None
    #: Why it is queued: the last failure, in English, without any key.
    error: str


@dataclass(frozen=True, slots=True)
class Drop:
    """A message given up in the last day, for the repair issue."""

    at: datetime
    label: str


@dataclass(slots=True)
class Folder:
    """What reading the outbox folder found."""

    items: list[QueuedMessage]
    #: Message files that could not be read (they are removed).
    unreadable: int
    #: Messages whose image file was gone: they are sent without it.
    without_image: int
    #: Whether every message of an old-format store now has its file.
    converted: bool = True


# JSON ----------------------------------------------------------------------------


def item_to_json(item: QueuedMessage) -> dict[str, Any]:
    """Describe a queued message as its file holds it."""
    return {
        "id": item.id,
        "seq": item.seq,
        "queued_at": item.queued_at.isoformat(),
        "recipients": list(item.recipient_ids),
        "message": item.outgoing.to_json(),
        "attachment": None
        if item.attachment is None
        else {
            "filename": item.attachment.filename,
            "content_type": item.attachment.content_type,
        },
        "error": item.error,
    }


def item_from_json(data: object) -> QueuedMessage:
    """Read a queued message; raise TypeError if it is not one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("message"), Mapping):
        raise TypeError("not a queued message")
    item_id = data.get("id")
    # The id names the message's files: nothing but hex digits may reach a path.
    if not isinstance(item_id, str) or not _ID.fullmatch(item_id):
        raise TypeError("no valid id")
    attachment = data.get("attachment")
    stored = None
    if attachment is not None:
        if not isinstance(attachment, Mapping):
            raise TypeError("not an attachment")
        filename = text_or_none(attachment.get("filename"))
        content_type = text_or_none(attachment.get("content_type"))
        if not filename or not content_type:
            raise TypeError("an attachment without name or type")
        stored = StoredAttachment(filename, content_type)
    if not (recipient_ids := texts(data.get("recipients"))):
        raise TypeError("no recipient")
    return QueuedMessage(
        id=item_id,
        seq=whole_number_or_none(data.get("seq")) or 0,
        queued_at=aware_time(data.get("queued_at")),
        recipient_ids=recipient_ids,
        outgoing=Outgoing.from_json(data["message"]),
        attachment=stored,
        error=text_or_none(data.get("error")) or "",
    )


def drop_to_json(drop: Drop) -> dict[str, Any]:
    """Describe a dropped message as the store holds it."""
    return {"at": drop.at.isoformat(), "label": drop.label}


def drop_from_json(data: object) -> Drop:
    """Read a dropped message; raise TypeError if it is not one."""
    if not isinstance(data, Mapping):
        raise TypeError("not a dropped message")
    return Drop(aware_time(data.get("at")), text_or_none(data.get("label")) or "")


def full_drops(data: object) -> int:
    """Return how many messages the store says were dropped to make room."""
    count = data.get("full") if isinstance(data, Mapping) else None
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    return 0


# The folder of messages -------------------------------------------------------------


def paths(hass: HomeAssistant, entry_id: str) -> tuple[str, Path]:
    """Return the store key and the message folder of an entry's outbox."""
    key = f"{DOMAIN}.outbox.{entry_id}"
    return key, Path(hass.config.path(STORAGE_DIR, f"{key}.files"))


def write_attachment(folder: Path, name: str, attachment: Attachment) -> int:
    """Keep the image's bytes as they are now; return their number (blocking)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    if attachment.path is not None:
        shutil.copyfile(attachment.path, target)
    else:
        target.write_bytes(attachment.data or b"")
    return target.stat().st_size


def write_message(folder: Path, item: QueuedMessage) -> None:
    """Write (or rewrite) the file of one queued message, all or nothing (blocking).

    Raises HomeAssistantError when the disk refuses it.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as err:
        raise WriteError(err) from err
    save_json(
        str(folder / f"{item.id}{_SUFFIX}"),
        item_to_json(item),
        private=True,
        atomic_writes=True,
    )


def delete_message(folder: Path, item_id: str, text: bool = True) -> None:
    """Delete a message's file (when ``text``), then its image (blocking)."""
    if text:
        (folder / f"{item_id}{_SUFFIX}").unlink(missing_ok=True)
    (folder / item_id).unlink(missing_ok=True)


def _read_message(path: Path) -> QueuedMessage:
    """Read one message file; raise TypeError if it is not a message of its name."""
    try:
        item = item_from_json(json_loads(path.read_bytes()))
    except (OSError, ValueError) as err:
        raise TypeError("unreadable") from err
    if f"{item.id}{_SUFFIX}" != path.name:
        raise TypeError("not the message its name says")
    return item


def _find_images(folder: Path, items: list[QueuedMessage]) -> int:
    """Note the size of each message's image; forget missing ones (blocking).

    Returns how many images were missing.
    """
    missing = 0
    for item in items:
        if item.attachment is None:
            continue
        try:
            size = (folder / item.id).stat().st_size
        except OSError:
            missing += 1
            item.attachment = None
            with suppress(HomeAssistantError):  # read the same way next time
                write_message(folder, item)
        else:
            item.attachment = replace(item.attachment, size=size)
    return missing


def load_folder(folder: Path, legacy: Sequence[QueuedMessage]) -> Folder:
    """Read the queued messages, oldest first, and remove every other file (blocking).

    ``legacy`` are the messages of a store of the old format: each gets its
    file first (unless a conversion cut short wrote it already); one the disk
    refuses is kept from memory.
    """
    unwritten: list[QueuedMessage] = []
    for seq, item in enumerate(legacy):
        item.seq = seq
        if not (folder / f"{item.id}{_SUFFIX}").exists():
            try:
                write_message(folder, item)
            except HomeAssistantError:
                unwritten.append(item)
    found = list(folder.iterdir()) if folder.is_dir() else []
    files = [path for path in found if path.name.endswith(_SUFFIX)]
    items, unreadable = parse_each(files, _read_message)
    items += unwritten
    missing = _find_images(folder, items)
    keep = {f"{item.id}{_SUFFIX}" for item in items} | {
        item.id for item in items if item.attachment is not None
    }
    for path in found:
        if path.name not in keep:
            path.unlink(missing_ok=True)
    items.sort(key=lambda item: item.seq)
    return Folder(items, unreadable, missing, converted=not unwritten)
