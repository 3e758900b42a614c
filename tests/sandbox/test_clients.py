"""Two real third-party Pushover clients against the sandbox.

pushover_complete (what Home Assistant's built-in integration uses) and Apprise's
Pushover plugin both use ``requests`` against a hard-coded URL; the tests point
that URL at the sandbox and run the synchronous calls in a worker thread.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import apprise
from apprise.plugins.pushover import NotifyPushover
from pushover_complete import (  # type: ignore[import-untyped]
    BadAPIRequestError,
    PushoverAPI,
    pushover_api,
)
import pytest

from sandbox import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    NO_DEVICE_USER,
    OTHER_USER,
    SandboxServer,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
UNKNOWN_TOKEN = "aUnknownAppToken00000000000000"


@pytest.fixture
def complete(
    pushover_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> PushoverAPI:
    monkeypatch.setattr(pushover_api, "PUSHOVER_API_URL", pushover_sandbox.api_url)
    return PushoverAPI(DEMO_TOKEN)


async def test_pushover_complete_send_message(
    complete: PushoverAPI, pushover_sandbox: SandboxServer
) -> None:
    reply = await asyncio.to_thread(
        complete.send_message,
        DEMO_USER,
        "Washer finished",
        device="phone",
        title="Laundry",
        priority=1,
        sound="doorbell",
        ttl=3600,
    )
    assert reply["status"] == 1
    assert set(reply) == {"status", "request"}
    [message] = pushover_sandbox.state.messages
    assert message.request_id == reply["request"]
    assert message.fields == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "Washer finished",
        "device": "phone",
        "title": "Laundry",
        "priority": "1",
        "sound": "doorbell",
        "html": "False",
        "ttl": "3600",
    }
    assert message.devices == ["phone"]


async def test_pushover_complete_image(
    complete: PushoverAPI, pushover_sandbox: SandboxServer
) -> None:
    reply = await asyncio.to_thread(
        complete.send_message, DEMO_USER, "Snapshot", image=io.BytesIO(PNG)
    )
    assert reply["status"] == 1
    attachment = pushover_sandbox.state.messages[0].attachment
    assert attachment is not None
    assert (attachment.data, attachment.content_type) == (PNG, "image/png")


async def test_pushover_complete_emergency_receipt(
    complete: PushoverAPI, pushover_sandbox: SandboxServer
) -> None:
    reply = await asyncio.to_thread(
        complete.send_message,
        DEMO_USER,
        "Smoke detected",
        priority=2,
        retry=30,
        expire=600,
    )
    receipt = reply["receipt"]
    status = await asyncio.to_thread(complete.check_receipt, receipt)
    sent = int(pushover_sandbox.clock())
    assert status == {
        "status": 1,
        "acknowledged": 0,
        "acknowledged_at": 0,
        "acknowledged_by": "",
        "acknowledged_by_device": "",
        "last_delivered_at": sent,
        "expired": 0,
        "expires_at": sent + 600,
        "called_back": 0,
        "called_back_at": 0,
        "request": status["request"],
    }
    cancelled = await asyncio.to_thread(complete.cancel_receipt, receipt)
    assert cancelled["status"] == 1
    assert pushover_sandbox.state.receipts[receipt].cancelled_at == sent


async def test_pushover_complete_long_emergency_and_ignored_fields(
    complete: PushoverAPI, pushover_sandbox: SandboxServer
) -> None:
    """What the built-in integration sends unchanged: Pushover takes all of it."""
    long_emergency = await asyncio.to_thread(
        complete.send_message,
        DEMO_USER,
        "Alarm",
        priority=2,
        retry=30,
        expire=3600,
        ttl=60,
    )
    assert len(long_emergency["receipt"]) == 30
    high = await asyncio.to_thread(
        complete.send_message, DEMO_USER, "Door", priority=1, retry=60, expire=3600
    )
    assert set(high) == {"status", "request"}
    assert [message.priority for message in pushover_sandbox.state.messages] == [2, 1]


async def test_pushover_complete_lookups(complete: PushoverAPI) -> None:
    sounds = await asyncio.to_thread(complete.get_sounds)
    assert sounds["doorbell"] == "Doorbell (custom)"
    assert len(sounds) == 24
    valid = await asyncio.to_thread(complete.validate, DEMO_USER)
    assert valid["devices"] == ["phone", "tablet", "desktop"]
    assert valid["licenses"] == ["Android", "iOS"]
    group = await asyncio.to_thread(complete.group_info, DEMO_GROUP)
    assert group["name"] == "Family"
    assert [member["user"] for member in group["users"]] == [DEMO_USER, OTHER_USER]


async def test_pushover_complete_rejections(
    complete: PushoverAPI, pushover_sandbox: SandboxServer
) -> None:
    with pytest.raises(BadAPIRequestError) as raised:
        await asyncio.to_thread(complete.validate, NO_DEVICE_USER)
    assert str(raised.value) == "400: user has no active devices"
    stranger = PushoverAPI(UNKNOWN_TOKEN)
    with pytest.raises(BadAPIRequestError) as raised:
        await asyncio.to_thread(stranger.send_message, DEMO_USER, "hi")
    assert str(raised.value) == "400: application token is invalid"
    with pytest.raises(BadAPIRequestError) as raised:
        await asyncio.to_thread(
            complete.send_message, DEMO_USER, "hi", priority=2, retry=10, expire=60
        )
    assert str(raised.value) == "400: retry must be an integer of at least 30 seconds"
    assert pushover_sandbox.state.messages == []


@pytest.fixture
def apprise_url(
    pushover_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> str:
    url = pushover_sandbox.api_url + "messages.json"
    monkeypatch.setattr(NotifyPushover, "notify_url", url)
    monkeypatch.setattr(NotifyPushover, "request_rate_per_sec", 0)
    return url


def plugin(url: str) -> NotifyPushover:
    instance = apprise.Apprise.instantiate(url)
    assert isinstance(instance, NotifyPushover)
    return instance


async def test_apprise_sends_to_devices(
    apprise_url: str, pushover_sandbox: SandboxServer
) -> None:
    notify = plugin(f"pover://{DEMO_USER}@{DEMO_TOKEN}/phone/tablet?priority=high")
    assert await asyncio.to_thread(notify.send, body="Door open", title="Garage")
    [message] = pushover_sandbox.state.messages
    assert message.fields == {
        "token": DEMO_TOKEN,
        "priority": "1",
        "title": "Garage",
        "message": "Door open",
        "sound": "pushover",
        "user": DEMO_USER,
        "device": "phone,tablet",
    }
    assert message.devices == ["phone", "tablet"]
    [record] = pushover_sandbox.state.requests
    assert record.response_status == 200


async def test_apprise_without_targets_reaches_all_devices(
    apprise_url: str, pushover_sandbox: SandboxServer
) -> None:
    notify = plugin(f"pover://{DEMO_USER}@{DEMO_TOKEN}")
    assert await asyncio.to_thread(notify.send, body="Hello")
    [message] = pushover_sandbox.state.messages
    assert message.fields["device"] == "ALL_DEVICES"
    assert message.all_devices is True
    assert message.unknown_devices == ["ALL_DEVICES"]


async def test_apprise_group_emergency_and_attachment(
    apprise_url: str, pushover_sandbox: SandboxServer, tmp_path: Path
) -> None:
    image = tmp_path / "snapshot.png"
    image.write_bytes(PNG)
    notify = plugin(
        f"pover://{DEMO_USER}@{DEMO_TOKEN}/%23{DEMO_GROUP}"
        "?priority=emergency&retry=60&expire=600"
    )
    attach = apprise.AppriseAttachment(str(image))
    assert await asyncio.to_thread(notify.send, body="Alarm", attach=attach)
    messages = pushover_sandbox.state.messages
    assert [(m.user, m.group) for m in messages] == [
        (DEMO_USER, DEMO_GROUP),
        (OTHER_USER, DEMO_GROUP),
    ]
    assert messages[0].receipt is not None
    assert messages[0].attachment is not None
    assert messages[0].attachment.data == PNG


async def test_apprise_rejected_requests(
    apprise_url: str, pushover_sandbox: SandboxServer
) -> None:
    stranger = plugin(f"pover://{DEMO_USER}@{UNKNOWN_TOKEN}")
    assert await asyncio.to_thread(stranger.send, body="hi") is False
    pushover_sandbox.controls.set_quota(0)
    notify = plugin(f"pover://{DEMO_USER}@{DEMO_TOKEN}")
    assert await asyncio.to_thread(notify.send, body="hi") is False
    rejected, over_quota = pushover_sandbox.state.requests
    assert rejected.response_status == 400
    assert rejected.response_body is not None
    body = json.loads(rejected.response_body)
    assert (body["status"], body["token"], body["errors"]) == (
        0,
        "invalid",
        ["application token is invalid"],
    )
    assert over_quota.response_status == 429
    assert pushover_sandbox.state.messages == []
