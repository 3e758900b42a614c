"""Emergency receipts: acknowledge, expire, cancel, cancel by tag, callbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
import re

from aiohttp import web
import pytest
import pytest_asyncio

from sandbox import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    OTHER_TOKEN,
    OTHER_USER,
    Clock,
    ControlError,
    SandboxServer,
)

from .conftest import Api

EMERGENCY = {
    "token": DEMO_TOKEN,
    "user": DEMO_USER,
    "message": "Water leak",
    "priority": "2",
    "retry": "30",
    "expire": "300",
}
RECEIPT = re.compile(r"[A-Za-z0-9]{30}")
NOT_FOUND = ["receipt not found; it may be invalid or expired"]


async def send(api: Api, **overrides: str) -> str:
    reply = await api.post("messages.json", EMERGENCY | overrides)
    receipt = reply.body.pop("receipt")
    reply.accepted()
    assert RECEIPT.fullmatch(receipt)
    return str(receipt)


async def status(api: Api, receipt: str, token: str = DEMO_TOKEN) -> dict[str, object]:
    reply = await api.get(f"receipts/{receipt}.json", {"token": token})
    assert reply.status == 200, reply.body
    assert reply.body.pop("status") == 1
    reply.body.pop("request")
    return reply.body


async def test_fresh_receipt(api: Api, pushover_sandbox_clock: Clock) -> None:
    sent = int(pushover_sandbox_clock())
    receipt = await send(api)
    assert await status(api, receipt) == {
        "acknowledged": 0,
        "acknowledged_at": 0,
        "acknowledged_by": "",
        "acknowledged_by_device": "",
        "last_delivered_at": sent,
        "expired": 0,
        "expires_at": sent + 300,
        "called_back": 0,
        "called_back_at": 0,
    }


async def test_each_message_gets_its_own_receipt(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    receipts = [await send(api) for _ in range(3)]
    assert len(set(receipts)) == 3
    assert [m.receipt for m in pushover_sandbox.state.messages] == receipts


async def test_redelivery_every_retry_then_acknowledge(
    api: Api, pushover_sandbox: SandboxServer, pushover_sandbox_clock: Clock
) -> None:
    sent = int(pushover_sandbox_clock())
    receipt = await send(api)
    pushover_sandbox_clock.advance(65)
    assert (await status(api, receipt))["last_delivered_at"] == sent + 60
    reply = await api.control(
        "POST",
        f"receipts/{receipt}/acknowledge",
        {"user": DEMO_USER, "device": "tablet"},
    )
    assert reply.status == 200
    assert reply.body["receipt"]["acknowledged_by_device"] == "tablet"
    pushover_sandbox_clock.advance(100)
    assert await status(api, receipt) == {
        "acknowledged": 1,
        "acknowledged_at": sent + 65,
        "acknowledged_by": DEMO_USER,
        "acknowledged_by_device": "tablet",
        "last_delivered_at": sent + 60,
        "expired": 0,
        "expires_at": sent + 300,
        "called_back": 0,
        "called_back_at": 0,
    }
    reply = await api.control("POST", f"receipts/{receipt}/acknowledge")
    assert (reply.status, reply.body) == (
        409,
        {"status": 0, "error": "receipt is acknowledged, expired or cancelled"},
    )


async def test_repeating_stops_after_fifty_retries(
    api: Api, pushover_sandbox_clock: Clock
) -> None:
    sent = int(pushover_sandbox_clock())
    receipt = await send(api, retry="30", expire="10800")
    pushover_sandbox_clock.advance(50 * 30 + 45)
    state = await status(api, receipt)
    assert (state["last_delivered_at"], state["expired"], state["expires_at"]) == (
        sent + 50 * 30,
        0,
        sent + 10800,
    )
    pushover_sandbox_clock.advance(3600)
    assert (await status(api, receipt))["last_delivered_at"] == sent + 50 * 30


async def test_acknowledge_defaults_and_errors(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    receipt = await send(api, device="desktop")
    controls = pushover_sandbox.controls
    with pytest.raises(ControlError, match="user did not receive this message"):
        await controls.acknowledge(receipt, user=OTHER_USER)
    with pytest.raises(ControlError, match="the message did not go to that device"):
        await controls.acknowledge(receipt, device="phone")
    with pytest.raises(ControlError, match="no receipt nope"):
        await controls.acknowledge("nope")
    reply = await api.control("POST", "receipts/nope/acknowledge")
    assert (reply.status, reply.body) == (
        404,
        {"status": 0, "error": "no receipt nope"},
    )
    found = await controls.acknowledge(receipt)
    assert (found.acknowledged_by, found.acknowledged_by_device) == (
        DEMO_USER,
        "desktop",
    )


async def test_group_receipt_acknowledged_by_a_member(api: Api) -> None:
    receipt = await send(api, user=DEMO_GROUP)
    reply = await api.control(
        "POST", f"receipts/{receipt}/acknowledge", {"user": OTHER_USER}
    )
    assert reply.body["receipt"]["recipients"] == {
        DEMO_USER: ["phone", "tablet", "desktop"],
        OTHER_USER: ["pixel"],
    }
    state = await status(api, receipt)
    assert (state["acknowledged_by"], state["acknowledged_by_device"]) == (
        OTHER_USER,
        "pixel",
    )


async def test_expiry_follows_the_clock(
    api: Api, pushover_sandbox: SandboxServer, pushover_sandbox_clock: Clock
) -> None:
    sent = int(pushover_sandbox_clock())
    receipt = await send(api)
    pushover_sandbox_clock.advance(299)
    assert (await status(api, receipt))["expired"] == 0
    pushover_sandbox_clock.advance(1)
    state = await status(api, receipt)
    assert (state["expired"], state["expires_at"], state["last_delivered_at"]) == (
        1,
        sent + 300,
        sent + 270,
    )
    with pytest.raises(ControlError):
        await pushover_sandbox.controls.acknowledge(receipt)


async def test_expire_now_control(api: Api, pushover_sandbox_clock: Clock) -> None:
    receipt = await send(api)
    pushover_sandbox_clock.advance(40)
    reply = await api.control("POST", f"receipts/{receipt}/expire")
    assert reply.body["receipt"]["expired"] == 1
    state = await status(api, receipt)
    assert (state["expired"], state["expires_at"]) == (1, int(pushover_sandbox_clock()))
    reply = await api.control("POST", f"receipts/{receipt}/expire")
    assert reply.status == 409


async def test_cancel(
    api: Api, pushover_sandbox: SandboxServer, pushover_sandbox_clock: Clock
) -> None:
    sent = int(pushover_sandbox_clock())
    receipt = await send(api)
    pushover_sandbox_clock.advance(45)
    reply = await api.post(f"receipts/{receipt}/cancel.json", {"token": DEMO_TOKEN})
    reply.accepted()
    pushover_sandbox_clock.advance(100)
    state = await status(api, receipt)
    assert (state["acknowledged"], state["expired"], state["last_delivered_at"]) == (
        0,
        0,
        sent + 30,
    )
    assert pushover_sandbox.state.receipts[receipt].cancelled_at == sent + 45
    (
        await api.post(f"receipts/{receipt}/cancel.json", {"token": DEMO_TOKEN})
    ).accepted()
    reply = await api.control("POST", f"receipts/{receipt}/acknowledge")
    assert reply.status == 409


async def test_cancel_by_tag(api: Api, pushover_sandbox: SandboxServer) -> None:
    door = await send(api, tags="door,alarm")
    both = await send(api, tags=" alarm , door ")
    window = await send(api, tags="window")
    other_app = await send(api, token=OTHER_TOKEN, tags="door")
    reply = await api.post("receipts/cancel_by_tag/door.json", {"token": DEMO_TOKEN})
    reply.accepted(canceled=2)
    receipts = pushover_sandbox.state.receipts
    assert receipts[door].cancelled_at is not None
    assert receipts[both].cancelled_at is not None
    assert receipts[window].cancelled_at is None
    assert receipts[other_app].cancelled_at is None
    reply = await api.post("receipts/cancel_by_tag/door.json", {"token": DEMO_TOKEN})
    reply.accepted(canceled=0)
    reply = await api.post("receipts/cancel_by_tag/door.json", {"token": "nope"})
    reply.rejected(400, ["application token is invalid"], token="invalid")


async def test_receipt_lookup_rejections(
    api: Api, pushover_sandbox_clock: Clock
) -> None:
    receipt = await send(api)
    reply = await api.get(f"receipts/{receipt}.json")
    reply.rejected(400, ["application token is invalid"], token="invalid")
    reply = await api.get(
        "receipts/rUnknownReceipt000000000000000.json", {"token": DEMO_TOKEN}
    )
    reply.rejected(404, NOT_FOUND, receipt="not found")
    reply = await api.get(f"receipts/{receipt}.json", {"token": OTHER_TOKEN})
    reply.rejected(404, NOT_FOUND, receipt="not found")
    reply = await api.get("receipts/abc.json", {"token": DEMO_TOKEN})
    reply.rejected(400, ["receipt is not a valid receipt"], receipt="invalid")
    reply = await api.post("receipts/abc/cancel.json", {"token": DEMO_TOKEN})
    reply.rejected(400, ["receipt is not a valid receipt"], receipt="invalid")
    reply = await api.post(
        "receipts/rUnknownReceipt000000000000000/cancel.json", {"token": DEMO_TOKEN}
    )
    reply.rejected(404, NOT_FOUND, receipt="not found")
    pushover_sandbox_clock.advance(7 * 24 * 3600)
    reply = await api.get(f"receipts/{receipt}.json", {"token": DEMO_TOKEN})
    reply.rejected(404, NOT_FOUND, receipt="not found")


@pytest_asyncio.fixture
async def callback_server(
    socket_enabled: None,
) -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A tiny server recording callback forms; /fail answers 500."""
    received: list[dict[str, str]] = []

    async def record(request: web.Request) -> web.Response:
        received.append(
            {name: str(value) for name, value in (await request.post()).items()}
        )
        return web.Response(status=500 if request.path == "/fail" else 200)

    app = web.Application()
    app.router.add_post("/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site.port}", received
    finally:
        await runner.cleanup()


async def test_callback_is_posted_on_acknowledge(
    api: Api,
    pushover_sandbox: SandboxServer,
    pushover_sandbox_clock: Clock,
    callback_server: tuple[str, list[dict[str, str]]],
) -> None:
    url, received = callback_server
    sent = int(pushover_sandbox_clock())
    receipt = await send(api, callback=f"{url}/ack?id=7")
    pushover_sandbox_clock.advance(12)
    reply = await api.control(
        "POST", f"receipts/{receipt}/acknowledge", {"device": "phone"}
    )
    assert reply.status == 200
    assert received == [
        {
            "receipt": receipt,
            "acknowledged": "1",
            "acknowledged_at": str(sent + 12),
            "acknowledged_by": DEMO_USER,
            "acknowledged_by_device": "phone",
        }
    ]
    state = await status(api, receipt)
    assert (state["called_back"], state["called_back_at"]) == (1, sent + 12)
    [attempt] = pushover_sandbox.state.callbacks
    assert (attempt.url, attempt.status, attempt.error) == (
        f"{url}/ack?id=7",
        200,
        None,
    )
    reply = await api.control("GET", "callbacks")
    assert reply.body["callbacks"][0]["form"] == received[0]


async def test_failed_callbacks_are_not_called_back(
    api: Api,
    pushover_sandbox: SandboxServer,
    callback_server: tuple[str, list[dict[str, str]]],
) -> None:
    url, received = callback_server
    failing = await send(api, callback=f"{url}/fail")
    await pushover_sandbox.controls.acknowledge(failing)
    assert (await status(api, failing))["called_back"] == 0
    assert len(received) == 1
    unreachable = await send(api, callback="http://127.0.0.1:9/nobody")
    await pushover_sandbox.controls.acknowledge(unreachable)
    assert (await status(api, unreachable))["called_back"] == 0
    attempts = pushover_sandbox.state.callbacks
    assert [a.status for a in attempts] == [500, None]
    assert attempts[1].error is not None


async def test_callback_is_ignored_below_emergency(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    body = EMERGENCY | {"priority": "1", "callback": "not even a url"}
    (await api.post("messages.json", body)).accepted()
    assert pushover_sandbox.state.receipts == {}


async def test_receipts_listed_by_control_api(api: Api) -> None:
    receipt = await send(api, tags="x")
    reply = await api.control("GET", "receipts")
    [listed] = reply.body["receipts"]
    assert (listed["receipt"], listed["active"], listed["tags"]) == (
        receipt,
        True,
        ["x"],
    )
    reply = await api.control("GET", f"receipts/{receipt}")
    assert reply.body["receipt"] == listed
