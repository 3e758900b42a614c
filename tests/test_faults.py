"""Every fault the sandbox can inject, through every way in: nothing lost.

For each fault and each way a message comes in (a notify entity, the legacy
notify.<name> action, pushover_plus.send_message) these tests check what the
caller saw, what the log says, and that the sandbox finally holds every
message as it was sent, in order. Faults marked "after" hit the reply of a
request Pushover already carried out: the message is sent again and arrives
twice, which is what "at least once" means.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

import custom_components.pushover_plus as integration
from custom_components.pushover_plus.const import DOMAIN
from sandbox.server import SandboxServer
from tests.action_helpers import (
    ACTION_WAYS,
    press_every_link,
    reachable,
    send_with_actions,
)
from tests.conftest import COMPANION_CALL
from tests.fault_figures import FIGURES, FaultCase
from tests.outbox_helpers import (
    TEST_TIMEOUT,
    advance,
    fields_as_sent,
    message_requests,
    outbox_folder,
    restart,
    setup_entry,
    stored_messages,
    texts,
)

pytestmark = pytest.mark.freeze_time(tick=True)

#: How each fault is planned in the sandbox (once, on messages.json).
FAULTS: dict[str, dict[str, Any]] = {
    "500": {"kind": "500"},
    "503_html": {"kind": "503_html"},
    "hang": {"kind": "hang"},
    "drop": {"kind": "drop"},
    "slow": {"kind": "slow", "delay": TEST_TIMEOUT / 4},
    # A 200 whose body is broken: Pushover carried the request out.
    "malformed_json": {"kind": "malformed_json", "after": True},
    "429": {"kind": "429"},
    "500_after": {"kind": "500", "after": True},
    "hang_after": {"kind": "hang", "after": True},
    "drop_after": {"kind": "drop", "after": True},
}
#: Faults after which the message waits in the outbox.
QUEUED = {"500", "503_html", "hang", "drop", "429"} | {
    "500_after",
    "hang_after",
    "drop_after",
}
WAYS = ("notify_entity", "legacy_action", "send_message")


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a hanging request time out quickly."""
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)


async def call(hass: HomeAssistant, way: str, message: str) -> str:
    """Send ``message`` (titled after itself) one way; return what the caller saw."""
    data = {"message": message, "title": f"T {message}"}
    try:
        if way == "send_message":
            response = await hass.services.async_call(
                DOMAIN,
                "send_message",
                {"entity_id": "notify.pushover", **data},
                blocking=True,
                return_response=True,
            )
            assert response is not None
            status: str = response["notify.pushover"]["status"]  # type: ignore[index,call-overload]
            return status
        if way == "notify_entity":
            await hass.services.async_call(
                "notify",
                "send_message",
                {"entity_id": "notify.pushover", **data},
                blocking=True,
            )
        else:
            await hass.services.async_call("notify", "pushover", data, blocking=True)
    except HomeAssistantError as err:
        return f"error: {err.translation_key}"
    return "success"


def seen(way: str, status: str) -> str:
    """Return what a caller of ``way`` sees of a send that ended in ``status``."""
    return status if way == "send_message" else "success"


def record(
    sandbox: SandboxServer,
    fault: str,
    way: str,
    sent: list[str],
    told_failed: set[str],
    caller_saw: str,
    note: str = "",
    injected: int | None = None,
) -> FaultCase:
    """Count what arrived of ``sent`` and add the figures to the report."""
    arrived = texts(sandbox)
    case = FaultCase(
        fault=fault,
        way=way,
        injected=sum(1 for request in message_requests(sandbox) if request.fault)
        if injected is None
        else injected,
        sent=len(sent),
        delivered=len(set(arrived) & set(sent)),
        lost=sum(1 for text in sent if text not in arrived and text not in told_failed),
        duplicates=len(arrived) - len(set(arrived)),
        caller_saw=caller_saw,
        note=note,
    )
    FIGURES.cases.append(case)
    return case


async def drain(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Wait past the next attempt, or the quota's reset when it ran out."""
    quota = entry.runtime_data.client.quota
    if quota is not None and quota.remaining == 0:
        await advance(hass, freezer, (quota.reset - dt_util.utcnow()).total_seconds())
    await advance(hass, freezer, 6)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_fault_matrix(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    way: str,
) -> None:
    # Long enough for the quota's reset (the 1st of next month) to be waited for.
    entry = await setup_entry(hass, pushover_sandbox, outbox_max_age=24 * 40)
    pushover_sandbox.controls.add_fault(**FAULTS[fault], count=1, path="messages")

    first = await call(hass, way, "first")
    second = await call(hass, way, "second")

    status = "queued" if fault in QUEUED else "sent"
    if fault == "malformed_json":
        assert first == "error: send_failed"
    else:
        assert first == seen(way, status)
    assert second == seen(way, status)
    assert ("waits in the outbox" in caplog.text) == (fault in QUEUED)
    assert entry.runtime_data.outbox.size == (2 if fault in QUEUED else 0)

    await drain(hass, freezer, entry)

    expected = ["first", "first", "second"] if fault.endswith("_after") else None
    assert texts(pushover_sandbox) == (expected or ["first", "second"])
    for delivered in pushover_sandbox.state.messages:
        text = delivered.fields["message"]
        assert fields_as_sent(delivered) == {"message": text, "title": f"T {text}"}
    assert entry.runtime_data.outbox.size == 0
    if fault in QUEUED:
        assert "Delivered a queued Pushover message for Pushover" in caplog.text
    assert pushover_sandbox.state.connections.peak <= 2
    case = record(
        pushover_sandbox,
        fault,
        way,
        ["first", "second"],
        {"first"} if fault == "malformed_json" else set(),
        first if first != "success" else f"success ({status})",
        note="reply lost after delivery: sent again (at least once)"
        if expected
        else "",
    )
    assert case.lost == 0


@pytest.mark.usefixtures("cameras")
async def test_notify_group_member(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    notify_group: list[ServiceCall],
) -> None:
    """Through a notify group, whose members' errors nobody sees: nothing lost."""
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1, path="messages")
    sent = ["group 1", "group 2"]
    for text in sent:
        await hass.services.async_call(
            "notify", "family", COMPANION_CALL | {"message": text}, blocking=True
        )
    await hass.async_block_till_done()
    await drain(hass, freezer, entry)

    assert texts(pushover_sandbox) == sent
    assert all(m.attachment is not None for m in pushover_sandbox.state.messages)
    assert len(notify_group) == 2
    case = record(
        pushover_sandbox,
        "notify group member",
        "notify group",
        sent,
        set(),
        "success (queued)",
        note="companion app keys; image attached",
    )
    assert case.lost == 0


async def test_home_assistant_stopped_with_queued_messages(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What is on disk when the actions returned is enough after a restart."""
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("503_html", count=1)
    sent = [f"{way} message" for way in WAYS]
    for way, text in zip(WAYS, sent, strict=True):
        await call(hass, way, text)
    folder = outbox_folder(hass, entry)
    on_disk = {path.name: path.read_bytes() for path in folder.iterdir()}

    # Stopped before any retry, then started again from the stored files.
    assert await hass.config_entries.async_unload(entry.entry_id)
    shutil.rmtree(folder)
    folder.mkdir()
    for name, content in on_disk.items():
        (folder / name).write_bytes(content)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert "3 queued Pushover messages of Pushover are sent again" in caplog.text
    await advance(hass, freezer, 6)

    assert texts(pushover_sandbox) == sent
    record(pushover_sandbox, "restart while queued", "all three", sent, set(), "-")


async def test_entry_reloaded_mid_retry(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    sent = [f"{way} message" for way in WAYS]
    for way, text in zip(WAYS, sent, strict=True):
        await call(hass, way, text)
    # The retry is on its way, slowly, when the entry reloads.
    pushover_sandbox.controls.add_fault("slow", count=1, delay=0.3)
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=6))
    await asyncio.sleep(0.1)

    await hass.config_entries.async_reload(entry.entry_id)
    assert len(stored_messages(hass, entry)) == 2
    await advance(hass, freezer, 6)

    assert texts(pushover_sandbox) == sent
    record(pushover_sandbox, "reload mid-retry", "all three", sent, set(), "-")


async def test_outbox_file_damaged_on_start(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A message file cut short: the others are sent, the cut-off one reported."""
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("500", count=1)
    for text in ("kept 1", "cut off", "kept 2"):
        await call(hass, "send_message", text)
    assert await hass.config_entries.async_unload(entry.entry_id)
    [damaged] = [
        path
        for path in outbox_folder(hass, entry).iterdir()
        if '"cut off"' in path.read_text()
    ]
    whole = damaged.read_text()
    damaged.write_text(whole[: whole.index('"cut off"')])

    assert await hass.config_entries.async_setup(entry.entry_id)
    assert "1 unreadable messages in the outbox of Pushover" in caplog.text
    await advance(hass, freezer, 6)

    assert texts(pushover_sandbox) == ["kept 1", "kept 2"]
    assert not damaged.exists()
    record(
        pushover_sandbox,
        "outbox file truncated",
        "send_message",
        ["kept 1", "kept 2"],
        set(),
        "queued",
        note="1 message file cut off: reported in the log, not sendable",
        injected=1,
    )


async def test_start_while_pushover_is_down(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Started from what it stored; every message waits, then goes once."""
    entry = await setup_entry(hass, pushover_sandbox)
    assert await hass.config_entries.async_unload(entry.entry_id)
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    sent = [f"{way} message" for way in WAYS]
    seen_first = [
        await call(hass, way, text) for way, text in zip(WAYS, sent, strict=True)
    ]
    assert seen_first == ["success", "success", "queued"]
    assert entry.runtime_data.outbox.size == 3
    injected = len(pushover_sandbox.state.requests)
    pushover_sandbox.controls.clear_faults()
    for _ in range(3):
        await advance(hass, freezer, 11)

    assert texts(pushover_sandbox) == sent
    case = record(
        pushover_sandbox,
        "start while Pushover is down",
        "all three",
        sent,
        set(),
        "success (queued)",
        injected=injected,
    )
    assert case.lost == 0


async def test_action_page_pushover_down_when_sent(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Queued with their actions, even across a restart; each link then works."""
    await reachable(hass)
    entry = await setup_entry(hass, pushover_sandbox)
    pushover_sandbox.controls.add_fault("drop", fraction=1.0)
    sent = [f"{way} with actions" for way in ACTION_WAYS]
    for way, text in zip(ACTION_WAYS, sent, strict=True):
        await send_with_actions(hass, way, text)
    assert entry.runtime_data.outbox.size == 3
    kept = stored_messages(hass, entry)
    assert [len(item["message"]["actions"]) for item in kept] == [4, 4, 4]
    await restart(hass, entry)
    injected = len(pushover_sandbox.state.requests)
    pushover_sandbox.controls.clear_faults()
    for _ in range(3):
        await advance(hass, freezer, 11)

    assert texts(pushover_sandbox) == sent
    pressed = await press_every_link(
        hass, await hass_client_no_auth(), pushover_sandbox
    )
    case = record(
        pushover_sandbox,
        "action page: Pushover down at send",
        "all three",
        sent,
        set(),
        "success (queued)",
        note="queued with actions, restarted while queued; every link pressed",
        injected=injected,
    )
    case.lost += len(set(sent) - set(pressed))
    assert sorted(pressed) == sorted(sent)
    assert case.lost == 0


async def test_action_page_restart_between_send_and_press(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
) -> None:
    """Home Assistant restarts after the messages went: their links still work."""
    await reachable(hass)
    entry = await setup_entry(hass, pushover_sandbox)
    sent = [f"{way} before a restart" for way in ACTION_WAYS]
    for way, text in zip(ACTION_WAYS, sent, strict=True):
        await send_with_actions(hass, way, text)
    await restart(hass, entry)

    pressed = await press_every_link(
        hass, await hass_client_no_auth(), pushover_sandbox
    )
    case = record(
        pushover_sandbox,
        "action page: restart before the press",
        "all three",
        sent,
        set(),
        "success",
        note="every link pressed after the restart",
        injected=1,
    )
    case.lost += len(set(sent) - set(pressed))
    assert sorted(pressed) == sorted(sent)
    assert case.lost == 0
