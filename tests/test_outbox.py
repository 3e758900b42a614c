"""The outbox: what waits, when it is sent again, in which order, and when not."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
import json
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera.const import DATA_COMPONENT as CAMERAS
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

import custom_components.pushover_plus as integration
from custom_components.pushover_plus import (
    outbox as outbox_module,
    outbox_drops,
    outbox_storage,
)
from custom_components.pushover_plus.const import DOMAIN, EVENT_DELIVERY_FAILED
from custom_components.pushover_plus.delivery import signal_sent
from custom_components.pushover_plus.outbox_queue import signal_outbox_changed
from sandbox.seed import DEMO_TOKEN, DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, first_recipient_id, recipient
from tests.images import image_bytes
from tests.outbox_helpers import (
    TEST_TIMEOUT,
    advance,
    fields_as_sent,
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


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a hanging request time out quickly."""
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)


async def test_transient_failure_is_stored_then_sent_after_five_seconds(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    outbox = entry.runtime_data.outbox
    sizes: list[int] = []
    unsubscribe = async_dispatcher_connect(
        hass,
        signal_outbox_changed(entry.entry_id),
        callback(lambda: sizes.append(outbox.size)),
    )
    pushover_sandbox.controls.add_fault("503_html", count=1)
    before = dt_util.utcnow()

    response = await send(hass, "Door open", title="Door")

    assert response["status"] == "queued"
    assert response["messages"] == []
    assert response["reason"] == "Pushover failed with HTTP 503; try again later."
    next_attempt = dt_util.parse_datetime(response["next_attempt"])
    assert next_attempt is not None
    assert next_attempt - before >= timedelta(seconds=5)
    # Stored before the action returned, without the token or any key.
    [stored] = stored_messages(hass, entry)
    assert stored["recipients"] == [first_recipient_id(entry)]
    assert stored["message"]["parts"] == ["Door open"]
    raw = "".join(path.read_text() for path in outbox_folder(hass, entry).iterdir())
    assert DEMO_TOKEN not in raw
    assert DEMO_USER not in raw
    assert "waits in the outbox (Pushover failed with HTTP 503" in caplog.text
    assert outbox.size == 1

    await advance(hass, freezer, 4)
    assert pushover_sandbox.state.messages == []
    await advance(hass, freezer, 2)
    [record] = pushover_sandbox.state.messages
    assert fields_as_sent(record) == {"message": "Door open", "title": "Door"}
    # A late message shows when it was sent, not when it arrived.
    assert int(record.fields["timestamp"]) == stored["message"]["timestamp"]
    assert stored["message"]["timestamp"] == int(before.timestamp())
    assert stored_messages(hass, entry) == []
    assert "Delivered a queued Pushover message for Pushover" in caplog.text
    assert sizes == [1, 0]
    unsubscribe()


async def test_waits_double_up_to_ten_minutes(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=9, path="messages.json")
    assert (await send(hass, "Hi"))["status"] == "queued"
    for attempt, wait in enumerate((5, 10, 20, 40, 80, 160, 320, 600, 600), 2):
        await advance(hass, freezer, wait - 1)
        assert len(message_requests(pushover_sandbox)) == attempt - 1
        await advance(hass, freezer, 1.5)
        assert len(message_requests(pushover_sandbox)) == attempt
    assert texts(pushover_sandbox) == ["Hi"]


async def test_new_messages_queue_behind_older_ones_for_the_same_recipient(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    pushover_sandbox.controls.add_fault("500", count=1)

    assert (await send(hass, "first"))["status"] == "queued"
    sent = len(message_requests(pushover_sandbox))
    second = await send(hass, "second")
    assert second["status"] == "queued"
    assert second["reason"] == "queued behind 1 older message"
    assert len(message_requests(pushover_sandbox)) == sent
    # Another recipient has nothing queued: its message goes at once.
    assert (await send(hass, "to Alex", "notify.alex"))["status"] == "sent"

    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["to Alex", "first", "second"]
    assert pushover_sandbox.state.connections.peak <= 2


async def test_only_the_parts_not_yet_accepted_wait(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox, long_message="split")
    accepted: list[str] = []

    def fail_the_next(*_args: Any) -> None:
        if not accepted:
            pushover_sandbox.controls.add_fault("drop", count=1)
        accepted.append("part")

    async_dispatcher_connect(hass, signal_sent(entry.entry_id), callback(fail_the_next))
    text = " ".join(f"word{index}" for index in range(400))

    response = await send(hass, text)

    assert response["status"] == "queued"
    assert len(response["messages"]) == 1
    [stored] = stored_messages(hass, entry)
    waiting = [part[:5] for part in stored["message"]["parts"]]
    assert waiting == ["(2/4)", "(3/4)", "(4/4)"]
    await advance(hass, freezer, 6)
    parts = texts(pushover_sandbox)
    assert [part.split(" ", 1)[0] for part in parts] == [
        "(1/4)",
        "(2/4)",
        "(3/4)",
        "(4/4)",
    ]
    assert " ".join(part.split(" ", 1)[1] for part in parts) == text
    # The sent-message hook hears of queued parts too.
    assert len(accepted) == 4


@pytest.mark.usefixtures("cameras")
async def test_a_snapshot_is_kept_as_it_was_when_the_action_ran(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    assert (await send(hass, "Doorbell", attachment="camera.front"))["status"] == (
        "queued"
    )
    folder = outbox_folder(hass, entry)
    [kept] = [path for path in folder.iterdir() if path.suffix != ".json"]
    snapshot = kept.read_bytes()
    camera = hass.data[CAMERAS].get_entity("camera.front")
    assert camera is not None
    camera._content = image_bytes("JPEG", (64, 48))  # type: ignore[attr-defined]

    await advance(hass, freezer, 6)
    [record] = pushover_sandbox.state.messages
    assert record.attachment is not None
    assert record.attachment.data == snapshot
    assert record.attachment.content_type == "image/jpeg"
    # Delivered: the message's files are gone.
    assert not any(folder.iterdir())


async def test_a_file_is_kept_as_it_was_when_the_action_ran(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    await setup_entry(hass, pushover_sandbox)
    hass.config.allowlist_external_dirs = {str(tmp_path / "www")}
    picture = tmp_path / "www" / "snap.png"
    picture.parent.mkdir()
    original = image_bytes("PNG", (10, 10))
    picture.write_bytes(original)
    pushover_sandbox.controls.add_fault("500", count=1)
    assert (await send(hass, "Look", attachment="local/snap.png"))["status"] == (
        "queued"
    )
    picture.write_bytes(image_bytes("PNG", (30, 30)))

    await advance(hass, freezer, 6)
    [record] = pushover_sandbox.state.messages
    assert record.attachment is not None
    assert record.attachment.data == original


async def test_an_attachment_that_cannot_be_kept_fails_the_action(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    hass.config.allowlist_external_dirs = {str(tmp_path / "www")}
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "snap.png").write_bytes(image_bytes())

    def disk_full(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outbox_storage.shutil, "copyfile", disk_full)
    pushover_sandbox.controls.add_fault("500", count=1)
    with pytest.raises(HomeAssistantError) as raised:
        await send(hass, "Look", attachment="local/snap.png")
    assert raised.value.translation_key == "attachment_unreadable"
    assert entry.runtime_data.outbox.size == 0


async def test_quota_used_up_waits_for_the_reset_within_the_maximum_age(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = demo_entry(
        pushover_sandbox,
        options={"outbox_max_age": 24 * 40},
        subentries=[recipient("Alex", OTHER_USER)],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    pushover_sandbox.controls.add_fault("500", count=1)
    assert (await send(hass, "first"))["status"] == "queued"
    pushover_sandbox.controls.add_fault("429", count=1)

    response = await send(hass, "for Alex", "notify.alex")

    quota = entry.runtime_data.client.quota
    assert quota is not None
    assert response["status"] == "queued"
    assert dt_util.parse_datetime(response["next_attempt"]) == quota.reset
    sent = len(message_requests(pushover_sandbox))
    await advance(hass, freezer, 3600)
    assert len(message_requests(pushover_sandbox)) == sent
    await advance(hass, freezer, (quota.reset - dt_util.utcnow()).total_seconds() + 1)
    assert texts(pushover_sandbox) == ["first", "for Alex"]


async def test_quota_reset_after_the_maximum_age_fails_at_once(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("429", count=1)
    with pytest.raises(HomeAssistantError) as raised:
        await send(hass, "Hi")
    assert raised.value.translation_key == "quota_exceeded"
    assert entry.runtime_data.outbox.size == 0


async def test_quota_used_up_while_draining_drops_what_would_be_too_old(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox, outbox_max_age=24 * 40)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "short-lived", title="Brief", ttl=60)
    await send(hass, "patient")
    pushover_sandbox.controls.add_fault("429", count=1)

    await advance(hass, freezer, 6)

    [event] = events
    assert event.data["reason"] == "quota_exceeded"
    assert event.data["title"] == "Brief"
    assert entry.runtime_data.outbox.size == 1
    quota = entry.runtime_data.client.quota
    assert quota is not None
    await advance(hass, freezer, (quota.reset - dt_util.utcnow()).total_seconds() + 1)
    assert texts(pushover_sandbox) == ["patient"]


async def test_quota_used_up_without_a_reset_time_drops_everything(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "Hi")
    # An application the API no longer knows gets no quota headers.
    pushover_sandbox.state.seed.apps.clear()
    pushover_sandbox.controls.add_fault("429", count=1)
    await advance(hass, freezer, 6)
    assert [event.data["reason"] for event in events] == ["quota_exceeded"]
    assert entry.runtime_data.outbox.size == 0


async def test_too_old_messages_are_dropped_with_an_event_and_a_repair(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_entry(hass, pushover_sandbox, outbox_max_age=1)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")
    queued_at = dt_util.utcnow()
    await send(hass, "Garage open", title="Garage")
    await send(hass, "Untitled news, longer than a label " + "x" * 80, ttl=30)

    await advance(hass, freezer, 31)
    [untitled] = events
    assert untitled.data["title"] is None
    repair = issue(hass, entry.entry_id)
    assert repair is not None
    assert repair.translation_key == "delivery_failed"
    assert repair.translation_placeholders == {
        "entry": "Pushover",
        "count": "1",
        "title": "Untitled news, longer than a label " + "x" * 25,
    }

    await advance(hass, freezer, 3600)
    [_, garage] = events
    assert garage.data["entry_id"] == entry.entry_id
    assert garage.data["title"] == "Garage"
    assert garage.data["reason"] == "expired"
    assert garage.data["error"].startswith("not delivered in time; last error: ")
    assert dt_util.parse_datetime(garage.data["queued_at"]) is not None
    assert abs(
        dt_util.parse_datetime(garage.data["queued_at"]) - queued_at  # type: ignore[operator]
    ) < timedelta(seconds=1)
    repair = issue(hass, entry.entry_id)
    assert repair is not None
    assert repair.translation_placeholders is not None
    assert repair.translation_placeholders["count"] == "2"
    assert repair.translation_placeholders["title"] == "Garage"
    assert "Gave up on a Pushover message for Pushover" in caplog.text
    assert pushover_sandbox.state.messages == []

    # A day without drops clears the repair.
    await advance(hass, freezer, 24 * 3600 - 3600)
    assert issue(hass, entry.entry_id) is not None
    await advance(hass, freezer, 3600)
    assert issue(hass, entry.entry_id) is None


async def test_a_refusal_while_draining_is_final(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "Hi")
    users = pushover_sandbox.state.seed.users
    users[DEMO_USER] = replace(users[DEMO_USER], devices=())

    await advance(hass, freezer, 6)
    await advance(hass, freezer, 600)

    assert [event.data["reason"] for event in events] == ["refused"]
    assert len(message_requests(pushover_sandbox)) == 2
    assert entry.runtime_data.outbox.size == 0


async def test_an_unreadable_reply_while_draining_is_not_sent_again(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    await setup_entry(hass, pushover_sandbox)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "Hi")
    pushover_sandbox.controls.add_fault("malformed_json", count=1, after=True)

    await advance(hass, freezer, 6)
    await advance(hass, freezer, 600)

    assert texts(pushover_sandbox) == ["Hi"]
    assert [event.data["reason"] for event in events] == ["unconfirmed"]


async def test_a_refused_token_while_draining_waits_for_reauth(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "Hi")
    apps = dict(pushover_sandbox.state.seed.apps)
    pushover_sandbox.state.seed.apps.clear()

    await advance(hass, freezer, 6)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    await advance(hass, freezer, 3600)
    assert len(message_requests(pushover_sandbox)) == 2
    assert len(stored_messages(hass, entry)) == 1

    # The token works again (reauth reloads the entry).
    pushover_sandbox.state.seed.apps.update(apps)
    await hass.config_entries.async_reload(entry.entry_id)
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["Hi"]


async def test_messages_of_a_removed_recipient_are_dropped(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Alex", OTHER_USER)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "for Alex", "notify.alex")
    subentry_id = list(entry.subentries)[1]

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, 6)

    assert [event.data["reason"] for event in events] == ["recipient_removed"]
    assert pushover_sandbox.state.messages == []


async def test_switched_off_the_outbox_still_sends_what_waits(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "old")
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "outbox": False}
    )
    await hass.async_block_till_done()

    # New messages no longer wait, not even behind old ones.
    assert (await send(hass, "new"))["status"] == "sent"
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["new", "old"]


async def test_unloading_waits_for_a_delivery_on_its_way(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "Hi")
    pushover_sandbox.controls.add_fault("slow", count=1, delay=0.3)
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=6))
    await asyncio.sleep(0.1)  # the retry is on its way

    assert await hass.config_entries.async_unload(entry.entry_id)

    assert texts(pushover_sandbox) == ["Hi"]
    assert stored_messages(hass, entry) == []


async def test_a_delivery_cut_short_by_unloading_is_kept(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request still unanswered when unloading gives up is sent again later."""
    monkeypatch.setattr(outbox_module, "STOP_TIMEOUT", 0.05)
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    await send(hass, "Hi")
    pushover_sandbox.controls.add_fault("slow", count=1, delay=0.3)
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=6))
    await asyncio.sleep(0.1)

    open_before = pushover_sandbox.state.connections.current
    await hass.config_entries.async_reload(entry.entry_id)
    # Setup does not wait for the network: let the sandbox see the sender go.
    async with asyncio.timeout(TEST_TIMEOUT):
        # No event tells of a closed connection: look once per loop turn.
        while pushover_sandbox.state.connections.current >= open_before:  # noqa: ASYNC110
            await asyncio.sleep(0)
    await advance(hass, freezer, 6)

    # The sandbox drops a request whose sender went away: no duplicate here.
    assert [request.fault for request in message_requests(pushover_sandbox)] == [
        "500",
        "slow",
        None,
    ]
    assert texts(pushover_sandbox) == ["Hi"]


async def test_removing_the_entry_removes_its_outbox(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_drops, "OUTBOX_MAX_MESSAGES", 2)
    entry = await setup_entry(hass, pushover_sandbox)
    hass.config.allowlist_external_dirs = {str(tmp_path / "www")}
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "snap.png").write_bytes(image_bytes())
    pushover_sandbox.controls.add_fault("500", count=1)
    for text in ("Dropped for room", "Look", "Text"):
        await send(hass, text, attachment="local/snap.png")
    folder = outbox_folder(hass, entry)
    assert len(list(folder.iterdir())) == 4
    assert store_key(entry) in hass_storage
    assert issue(hass, entry.entry_id, "outbox_full") is not None

    assert await hass.config_entries.async_remove(entry.entry_id)

    assert store_key(entry) not in hass_storage
    assert not folder.exists()
    assert issue(hass, entry.entry_id, "outbox_full") is None


def _item(item_id: str, text: str, **changes: Any) -> dict[str, Any]:
    """Return a queued message as the store holds it."""
    return {
        "id": item_id,
        "queued_at": dt_util.utcnow().isoformat(),
        "recipients": ["main"],
        "message": {"parts": [text]},
        "attachment": None,
        "error": "HTTP 503",
    } | changes


async def test_unreadable_entries_of_the_store_are_skipped(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    now = dt_util.utcnow()
    bad: list[Any] = [
        "junk",
        _item("../../etc/passwd", "escape"),
        _item("b" * 32, "no parts", message={"parts": []}),
        _item("c" * 32, "bad attachment", attachment="x"),
        _item("d" * 32, "nameless", attachment={"filename": "", "content_type": ""}),
        _item("e" * 32, "when?", queued_at="yesterday"),
        _item("f" * 32, "to nobody", recipients=[]),
        _item("1" * 32, "priority", message={"parts": ["x"], "priority": "high"}),
        _item("2" * 32, "html", message={"parts": ["x"], "html": "yes"}),
        _item("4" * 32, "parts", message={"parts": "x"}),
        _item("5" * 32, "title", message={"parts": ["x"], "title": 5}),
    ]
    image = _item(
        "3" * 32,
        "with image",
        attachment={"filename": "a.png", "content_type": "image/png"},
    )
    hass_storage[store_key(entry)] = {
        "version": 1,
        "minor_version": 1,
        "key": store_key(entry),
        "data": {
            "messages": [_item("a" * 32, "kept"), image, *bad],
            "dropped": [
                {"at": (now - timedelta(hours=2)).isoformat(), "label": "Recent"},
                {"at": (now - timedelta(days=2)).isoformat(), "label": "Old"},
                "junk",
            ],
        },
    }
    folder = Path(hass.config.path(".storage", f"{store_key(entry)}.files"))
    folder.mkdir(parents=True)
    (stray := folder / "stray").write_bytes(b"left over")
    (folder / image["id"]).write_bytes(image_bytes())

    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    assert f"{len(bad)} unreadable messages in the outbox of Pushover" in caplog.text
    assert not stray.exists()
    repair = issue(hass, entry.entry_id)
    assert repair is not None
    assert repair.translation_placeholders is not None
    assert repair.translation_placeholders["title"] == "Recent"
    assert repair.translation_placeholders["count"] == "1"
    assert len(stored_messages(hass, entry)) == 2
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["kept", "with image"]
    assert pushover_sandbox.state.messages[1].attachment is not None


async def test_a_store_that_is_not_an_outbox_is_set_aside(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    hass_storage[store_key(entry)] = {"version": 1, "data": ["junk"]}
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert "1 unreadable messages in the outbox of Pushover" in caplog.text
    assert entry.runtime_data.outbox.size == 0


@pytest.mark.parametrize(
    ("truncated", "recovered"),
    [(True, 1), (False, 0)],
    ids=["truncated", "garbage"],
)
async def test_a_damaged_store_file_keeps_what_can_be_read(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    truncated: bool,
    recovered: int,
) -> None:
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    whole = json.dumps(
        {
            "version": 1,
            "minor_version": 1,
            "key": store_key(entry),
            "data": {
                "messages": [_item("a" * 32, "kept"), _item("b" * 32, "cut off")],
                "dropped": [],
            },
        },
        indent=4,
    )
    # Cut inside the second message, or nothing but zero bytes.
    damaged = whole[: whole.index("cut off")] if truncated else "\x00" * 64
    path = Path(hass.config.path(".storage", store_key(entry)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(damaged)

    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    assert entry.runtime_data.outbox.size == recovered
    assert f"was damaged: {recovered} queued messages were recovered" in caplog.text
    [aside] = path.parent.glob(f"{path.name}.corrupt.*")
    assert aside.read_text() == damaged
    await advance(hass, freezer, 6)
    assert texts(pushover_sandbox) == ["kept"][:recovered]


async def test_a_whole_store_file_is_left_to_the_store(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, recipient_id="main")
    path = Path(hass.config.path(".storage", store_key(entry)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "data": {"messages": []}}))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert path.exists()
    assert not list(path.parent.glob("*.corrupt.*"))


async def test_messages_waiting_long_raise_a_repair_until_delivered(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")
    assert (await send(hass, "first"))["status"] == "queued"
    [stored] = stored_messages(hass, entry)
    queued_at = dt_util.parse_datetime(stored["queued_at"])
    assert queued_at is not None
    await advance(hass, freezer, 290)
    # A few minutes of waiting are normal: no repair yet.
    assert issue(hass, entry.entry_id, "messages_waiting") is None
    assert (await send(hass, "second"))["status"] == "queued"

    await advance(hass, freezer, 15)
    repair = issue(hass, entry.entry_id, "messages_waiting")
    assert repair is not None
    assert repair.translation_key == "messages_waiting"
    assert repair.translation_placeholders == {
        "entry": "Pushover",
        "count": "2",
        # The user's clock, and why the oldest waits.
        "since": dt_util.as_local(queued_at).strftime("%Y-%m-%d %H:%M"),
        "reason": "Pushover failed with HTTP 500; try again later.",
    }
    # Counted anew as messages join, and still shown after a restart.
    assert (await send(hass, "third"))["status"] == "queued"
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    repair = issue(hass, entry.entry_id, "messages_waiting")
    assert repair is not None
    assert repair.translation_placeholders["count"] == "3"

    pushover_sandbox.controls.clear_faults()
    await advance(hass, freezer, 600)
    assert texts(pushover_sandbox) == ["first", "second", "third"]
    assert issue(hass, entry.entry_id, "messages_waiting") is None


async def test_given_up_messages_clear_the_waiting_repair(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = await setup_entry(hass, pushover_sandbox, outbox_max_age=1)
    pushover_sandbox.controls.add_fault("500", count=1000, path="messages.json")
    assert (await send(hass, "lost"))["status"] == "queued"
    await advance(hass, freezer, 400)
    assert issue(hass, entry.entry_id, "messages_waiting") is not None
    await advance(hass, freezer, 3600)
    assert issue(hass, entry.entry_id, "messages_waiting") is None
    assert issue(hass, entry.entry_id) is not None


@pytest.mark.parametrize(
    ("domain", "action", "target"),
    [
        ("notify", "pushover", {}),
        ("notify", "send_message", {"entity_id": "notify.pushover"}),
        (DOMAIN, "send_message", {"entity_id": "notify.pushover"}),
    ],
)
async def test_a_queued_message_logs_one_warning_with_its_reason(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    domain: str,
    action: str,
    target: dict[str, str],
) -> None:
    await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("503_html", count=1)
    caplog.clear()
    await hass.services.async_call(
        domain, action, {**target, "message": "Door open"}, blocking=True
    )
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.startswith("custom_components.pushover_plus")
    ]
    assert len(warnings) == 1
    assert "wait in the outbox" in warnings[0]
    assert "HTTP 503" in warnings[0]
