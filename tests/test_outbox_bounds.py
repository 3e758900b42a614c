"""The outbox's limits, and how it keeps its messages on disk.

A full outbox drops its oldest messages for the newest, never the newest;
each message is a file of its own, gone once the message is; a store of the
old format (every message in one file) still loads.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
import threading
from typing import Any

from atomicwrites import AtomicWriter
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.pushover_plus import outbox_drops, outbox_queue
from custom_components.pushover_plus.const import EVENT_DELIVERY_FAILED
from custom_components.pushover_plus.delivery import signal_sent
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.images import image_bytes
from tests.outbox_helpers import (
    advance,
    issue,
    message_requests,
    outbox_folder,
    send,
    setup_entry,
    store_key,
    stored_messages,
    texts,
)

pytestmark = pytest.mark.freeze_time(tick=True)


def limit(monkeypatch: pytest.MonkeyPatch, messages: int, size: int) -> None:
    """Let the outbox hold ``messages`` messages and ``size`` bytes of images."""
    monkeypatch.setattr(outbox_drops, "OUTBOX_MAX_MESSAGES", messages)
    monkeypatch.setattr(outbox_drops, "OUTBOX_MAX_BYTES", size)


def pictures(hass: HomeAssistant, tmp_path: Path, *sizes: tuple[int, int]) -> int:
    """Write www/0.png, www/1.png... of these sizes; return the largest's bytes."""
    folder = tmp_path / "www"
    folder.mkdir()
    hass.config.allowlist_external_dirs = {str(folder)}
    written = [image_bytes("PNG", size) for size in sizes]
    for index, data in enumerate(written):
        (folder / f"{index}.png").write_bytes(data)
    return max(len(data) for data in written)


async def test_a_full_outbox_drops_the_oldest_with_events_and_a_repair(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit(monkeypatch, 3, 10**9)
    entry = await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")

    responses = [await send(hass, f"m{index}", title=f"T{index}") for index in range(5)]

    assert [response["status"] for response in responses] == ["queued"] * 5
    assert [event.data["reason"] for event in events] == ["outbox_full"] * 2
    assert [event.data["title"] for event in events] == ["T0", "T1"]
    assert events[0].data["entry_id"] == entry.entry_id
    assert events[0].data["error"].startswith("the outbox was full (3 messages")
    assert entry.runtime_data.outbox.size == 3
    # The dropped messages' files are gone.
    assert [stored["message"]["parts"] for stored in stored_messages(hass, entry)] == [
        ["m2"],
        ["m3"],
        ["m4"],
    ]
    assert len(list(outbox_folder(hass, entry).iterdir())) == 3
    repair = issue(hass, entry.entry_id, "outbox_full")
    assert repair is not None
    assert repair.translation_placeholders == {
        "entry": "Pushover",
        "count": "2",
        "max_messages": "3",
        "max_megabytes": "1000",
    }
    # Not counted again as messages that could not be delivered.
    assert issue(hass, entry.entry_id) is None

    # The repair survives a restart while messages still wait.
    await hass.config_entries.async_reload(entry.entry_id)
    assert issue(hass, entry.entry_id, "outbox_full") is not None

    pushover_sandbox.controls.clear_faults()
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["m2", "m3", "m4"]
    assert issue(hass, entry.entry_id, "outbox_full") is None
    assert not any(outbox_folder(hass, entry).iterdir())
    await advance(hass, freezer, 600)
    # Each delivered exactly once, the newest included.
    assert texts(pushover_sandbox) == ["m2", "m3", "m4"]
    assert len(events) == 2


async def test_images_past_the_limit_drop_the_oldest_never_the_newest(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    largest = pictures(hass, tmp_path, (40, 40), (40, 40), (60, 60))
    limit(monkeypatch, 100, largest + largest // 2)
    entry = await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")

    await send(hass, "first", attachment="local/0.png")
    await send(hass, "second", attachment="local/1.png")
    # Two images are more than allowed: the first makes room.
    assert [event.data["reason"] for event in events] == ["outbox_full"]
    await send(hass, "text only")
    assert len(events) == 1

    # An image larger than the whole limit still gets in, alone.
    limit(monkeypatch, 100, largest // 2)
    assert (await send(hass, "newest", attachment="local/2.png"))["status"] == (
        "queued"
    )
    assert len(events) == 3
    assert entry.runtime_data.outbox.size == 1
    assert sorted(path.suffix for path in outbox_folder(hass, entry).iterdir()) == [
        "",
        ".json",
    ]

    pushover_sandbox.controls.clear_faults()
    await advance(hass, freezer, 6)
    [record] = pushover_sandbox.state.messages
    assert record.fields["message"] == "newest"
    assert record.attachment is not None
    assert record.attachment.data == (tmp_path / "www" / "2.png").read_bytes()
    assert not any(outbox_folder(hass, entry).iterdir())


async def test_a_message_on_its_way_is_not_dropped_for_room(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Dropping it could report as lost a message Pushover is taking."""
    limit(monkeypatch, 1, 10**9)
    entry = await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "first")
    pushover_sandbox.controls.add_fault("slow", count=1, delay=0.3)
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=6))
    async_fire_time_changed(hass)
    await asyncio.sleep(0.1)
    assert len(message_requests(pushover_sandbox)) == 2  # the retry is on its way

    assert (await send(hass, "second"))["status"] == "queued"
    assert entry.runtime_data.outbox.size == 2
    await hass.async_block_till_done(wait_background_tasks=True)

    assert texts(pushover_sandbox) == ["first", "second"]
    assert events == []


async def test_room_made_while_the_used_up_quota_drops_drops_each_once(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new message makes room while the quota's drops wait for a slow disk."""
    entry = await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    for text in ("first", "second"):
        await send(hass, text, title=text, ttl=60)
    # The quota resets after both are too old: the drain gives both up.
    pushover_sandbox.controls.add_fault("429", count=1)
    deleting, disk_done = threading.Event(), threading.Event()
    delete_message = outbox_queue.delete_message

    def slow_disk(*args: Any) -> None:
        if not deleting.is_set():
            deleting.set()
            disk_done.wait(5)
        delete_message(*args)

    monkeypatch.setattr(outbox_queue, "delete_message", slow_disk)
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=6))
    async_fire_time_changed(hass)
    assert await hass.async_add_executor_job(deleting.wait, 5)

    # "first" is being given up; "second" makes room for the newest.
    limit(monkeypatch, 1, 10**9)
    assert (await send(hass, "newest"))["status"] == "queued"
    disk_done.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [(event.data["title"], event.data["reason"]) for event in events] == [
        ("second", "outbox_full"),
        ("first", "quota_exceeded"),
    ]
    assert entry.runtime_data.outbox.size == 1
    # The newest waits for the quota's reset like the rest would have.
    sent = len(message_requests(pushover_sandbox))
    await advance(hass, freezer, 3600)
    assert len(message_requests(pushover_sandbox)) == sent


async def test_a_split_message_keeps_only_what_is_left_on_disk(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    pictures(hass, tmp_path, (20, 20))
    entry = await setup_entry(hass, pushover_sandbox, long_message="split")
    pushover_sandbox.controls.add_fault("500", count=1)
    text = " ".join(f"word{index}" for index in range(200))
    assert (await send(hass, text, attachment="local/0.png"))["status"] == "queued"
    folder = outbox_folder(hass, entry)
    assert len(list(folder.iterdir())) == 2

    def fail_the_next(*_args: Any) -> None:
        pushover_sandbox.controls.add_fault("500", count=1)

    unsubscribe = async_dispatcher_connect(
        hass, signal_sent(entry.entry_id), callback(fail_the_next)
    )
    await advance(hass, freezer, 6)
    unsubscribe()

    # The first part went with the image: the image's file is gone.
    [stored] = stored_messages(hass, entry)
    assert stored["attachment"] is None
    assert stored["message"]["parts"][0].startswith("(2/2)")
    assert [path.suffix for path in folder.iterdir()] == [".json"]
    await advance(hass, freezer, 11)
    assert len(pushover_sandbox.state.messages) == 2
    assert pushover_sandbox.state.messages[0].attachment is not None
    assert not any(folder.iterdir())


def _old_store(key: str, queued_at: str, image_id: str) -> dict[str, Any]:
    """Return an outbox store as the previous version wrote its file."""
    old: dict[str, Any] = {
        "recipients": ["main"],
        "attachment": None,
        "error": "Pushover failed with HTTP 503; try again later.",
        "queued_at": queued_at,
    }
    text = json.dumps(
        {
            "version": 1,
            "minor_version": 1,
            "key": key,
            "data": {
                "messages": [
                    old
                    | {
                        "id": "a" * 32,
                        "message": {"parts": ["old first"], "title": "Old"},
                    },
                    old
                    | {
                        "id": image_id,
                        "message": {"parts": ["old second"]},
                        "attachment": {
                            "filename": "snap.png",
                            "content_type": "image/png",
                        },
                    },
                ],
                "dropped": [{"at": queued_at, "label": "Earlier"}],
            },
        },
        indent=4,
    )
    stored: dict[str, Any] = json.loads(text)
    return stored


async def test_an_outbox_of_the_old_format_is_turned_into_files(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    queued_at = dt_util.utcnow().isoformat()
    image = "b" * 32
    hass_storage[store_key(entry)] = _old_store(store_key(entry), queued_at, image)
    folder = outbox_folder(hass, entry)
    folder.mkdir(parents=True)
    (folder / image).write_bytes(picture := image_bytes())

    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    assert [stored["message"]["parts"] for stored in stored_messages(hass, entry)] == [
        ["old first"],
        ["old second"],
    ]
    assert hass_storage[store_key(entry)]["data"] == {
        "dropped": [{"at": queued_at, "label": "Earlier"}],
        "full": 0,
    }
    assert issue(hass, entry.entry_id) is not None
    assert (await send(hass, "new"))["reason"] == "queued behind 2 older messages"

    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["old first", "old second", "new"]
    assert pushover_sandbox.state.messages[0].fields["title"] == "Old"
    attachment = pushover_sandbox.state.messages[1].attachment
    assert attachment is not None
    assert attachment.data == picture
    assert not any(folder.iterdir())


async def test_a_conversion_cut_short_then_a_full_disk_sends_each_once(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Home Assistant stopped after the first message's file; now the disk is full.

    The file already written is used, not written again; the message the disk
    refuses is kept from memory.
    """
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    key = store_key(entry)
    image = "b" * 32
    hass_storage[key] = _old_store(key, dt_util.utcnow().isoformat(), image)
    folder = outbox_folder(hass, entry)
    folder.mkdir(parents=True)
    first = hass_storage[key]["data"]["messages"][0]
    (folder / f"{first['id']}.json").write_text(json.dumps(first | {"seq": 0}))
    (folder / image).write_bytes(image_bytes())

    def disk_full(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(AtomicWriter, "get_fileobject", disk_full)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.runtime_data.outbox.size == 2

    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["old first", "old second"]
    assert not any(folder.iterdir())
    # Nothing is left waiting, not even as a count: the next goes at once.
    assert (await send(hass, "new"))["status"] == "sent"


async def test_damaged_message_files_and_missing_images_do_not_stop_setup(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    pictures(hass, tmp_path, (20, 20))
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "image gone", attachment="local/0.png")
    await send(hass, "damaged")
    await send(hass, "renamed")
    await send(hass, "fine")
    assert await hass.config_entries.async_unload(entry.entry_id)
    folder = outbox_folder(hass, entry)
    by_text = {
        stored["message"]["parts"][0]: stored for stored in stored_messages(hass, entry)
    }
    (folder / by_text["image gone"]["id"]).unlink()
    (folder / f"{by_text['damaged']['id']}.json").write_text('{"id": ')
    renamed = folder / f"{by_text['renamed']['id']}.json"
    renamed.rename(folder / f"{'c' * 32}.json")
    (folder / "left.tmp").write_text("from a write cut short")

    assert await hass.config_entries.async_setup(entry.entry_id)

    assert "2 unreadable messages in the outbox of Pushover" in caplog.text
    assert "The images of 1 queued messages of Pushover were gone" in caplog.text
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        f"{by_text[text]['id']}.json" for text in ("image gone", "fine")
    )
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["image gone", "fine"]
    assert pushover_sandbox.state.messages[0].attachment is None


async def test_a_disk_refusing_the_files_loses_nothing_until_a_restart(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Setup works and every message is delivered from memory."""
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    key = store_key(entry)
    hass_storage[key] = _old_store(key, dt_util.utcnow().isoformat(), "b" * 32)
    # A file where the folder should be: nothing can be written in it.
    blocker = outbox_folder(hass, entry)
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")

    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.runtime_data.outbox.size == 2
    assert "The images of 1 queued messages of Pushover were gone" in caplog.text
    # Not converted: the old store keeps its messages.
    assert len(hass_storage[key]["data"]["messages"]) == 2
    assert (await send(hass, "new"))["status"] == "queued"
    assert "could not be saved" in caplog.text

    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["old first", "old second", "new"]
    assert "could not be deleted" in caplog.text
    assert blocker.read_text() == "in the way"


async def test_an_empty_outbox_forgets_messages_dropped_for_room(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
) -> None:
    entry = demo_entry(pushover_sandbox)
    hass_storage[store_key(entry)] = {
        "version": 1,
        "minor_version": 1,
        "key": store_key(entry),
        "data": {"dropped": [], "full": 3},
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert issue(hass, entry.entry_id, "outbox_full") is None
    assert hass_storage[store_key(entry)]["data"] == {"dropped": [], "full": 0}


async def test_a_message_file_as_this_version_writes_it_keeps_every_field(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    folder = outbox_folder(hass, entry)
    folder.mkdir(parents=True)
    item_id = "d" * 32
    message = {
        "parts": ["(1/2) first", "(2/2) second"],
        "title": "Written",
        "devices": [],
        "priority": 1,
        "retry": None,
        "expire": None,
        "callback": None,
        "tags": [],
        "sound": "bike",
        "timestamp": 1_700_000_000,
        "ttl": 600,
        "url": "https://example.com/door",
        "url_title": "Door",
        "html": True,
        "monospace": False,
    }
    stored = {
        "id": item_id,
        "seq": 0,
        "queued_at": dt_util.utcnow().isoformat(),
        "recipients": ["main"],
        "message": message,
        "attachment": None,
        "error": "Pushover failed with HTTP 503; try again later.",
    }
    (folder / f"{item_id}.json").write_text(json.dumps(stored))

    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await advance(hass, freezer, 6)

    first, second = (record.fields for record in pushover_sandbox.state.messages)
    assert first["message"] == "(1/2) first"
    assert second["message"] == "(2/2) second"
    for fields in (first, second):
        assert {
            key: fields.get(key)
            for key in ("title", "priority", "sound", "timestamp", "ttl", "url")
        } == {
            "title": "Written",
            "priority": "1",
            "sound": "bike",
            "timestamp": "1700000000",
            "ttl": "600",
            "url": "https://example.com/door",
        }
        assert (fields.get("url_title"), fields.get("html")) == ("Door", "1")
    assert not any(folder.iterdir())
