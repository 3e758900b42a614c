"""Fault injection: every kind, counts, seeded fractions, paths, order, after."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from sandbox import DEMO_TOKEN, DEMO_USER, FAULT_KINDS, SandboxServer

from .conftest import Api

BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hello"}
SHORT = aiohttp.ClientTimeout(total=0.5)


async def test_500(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.add_fault("500")
    reply = await api.post("messages.json", BASE)
    reply.rejected(500, ["internal server error"])
    assert pushover_sandbox.state.messages == []
    (await api.post("messages.json", BASE)).accepted()


async def test_503_html(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.add_fault("503_html")
    async with api.session.post(
        pushover_sandbox.api_url + "messages.json", data=BASE
    ) as r:
        assert r.status == 503
        assert r.content_type == "text/html"
        assert "Service Unavailable" in await r.text()
    assert pushover_sandbox.state.messages == []


async def test_429(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.add_fault("429")
    reply = await api.post("messages.json", BASE)
    assert reply.headers["X-Limit-App-Remaining"] == "0"
    assert reply.headers["X-Limit-App-Limit"] == "10000"
    reply.rejected(
        429,
        [
            (
                "application has reached its monthly message limit; "
                "sending resumes when the limit resets"
            )
        ],
    )
    assert pushover_sandbox.state.messages == []


async def test_malformed_json(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.add_fault("malformed_json")
    async with api.session.post(
        pushover_sandbox.api_url + "messages.json", data=BASE
    ) as r:
        assert (r.status, r.content_type) == (200, "application/json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(await r.text())


async def test_drop(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.add_fault("drop")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post("messages.json", BASE)
    assert pushover_sandbox.state.messages == []
    [record] = pushover_sandbox.state.requests
    assert (record.fault, record.response_status) == ("drop", None)
    (await api.post("messages.json", BASE)).accepted()


async def test_hang_outlasts_the_client_timeout(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    pushover_sandbox.controls.add_fault("hang")
    with pytest.raises(TimeoutError):
        await api.request("POST", "messages.json", data=BASE, timeout=SHORT)
    assert pushover_sandbox.state.messages == []
    (await api.post("messages.json", BASE)).accepted()


async def test_hang_ends_at_shutdown(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        server = SandboxServer()
        await server.start()
        server.controls.add_fault("hang")
        request = asyncio.ensure_future(
            session.post(server.api_url + "messages.json", data=BASE)
        )
        for _ in range(200):
            if server.state.requests:
                break
            await asyncio.sleep(0.01)
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 1.5
        with pytest.raises(aiohttp.ClientError):
            await request


async def test_slow(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.add_fault("slow", delay=0.2)
    started = time.monotonic()
    (await api.post("messages.json", BASE)).accepted()
    assert time.monotonic() - started >= 0.2
    assert len(pushover_sandbox.state.messages) == 1


async def test_after_delivers_then_fails(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    pushover_sandbox.controls.add_fault("drop", after=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post("messages.json", BASE)
    assert len(pushover_sandbox.state.messages) == 1
    pushover_sandbox.controls.add_fault("500", after=True)
    reply = await api.post("messages.json", BASE)
    assert reply.status == 500
    assert len(pushover_sandbox.state.messages) == 2
    pushover_sandbox.controls.add_fault("slow", after=True, delay=0.05)
    (await api.post("messages.json", BASE)).accepted()
    assert len(pushover_sandbox.state.messages) == 3


async def test_count_order_and_path(api: Api, pushover_sandbox: SandboxServer) -> None:
    controls = pushover_sandbox.controls
    controls.add_fault("503_html", path="sounds.json")
    controls.add_fault("500", count=2)
    controls.add_fault("429")
    statuses = [(await api.post("messages.json", BASE)).status for _ in range(3)]
    statuses.append((await api.post("messages.json", BASE)).status)
    assert statuses == [500, 500, 429, 200]
    async with api.session.get(
        pushover_sandbox.api_url + "sounds.json", params={"token": DEMO_TOKEN}
    ) as r:
        assert r.status == 503
    assert pushover_sandbox.state.faults.pending == []
    assert [r.fault for r in pushover_sandbox.state.requests] == [
        "500",
        "500",
        "429",
        None,
        "503_html",
    ]


async def fraction_pattern(api: Api) -> list[int]:
    reply = await api.control(
        "POST", "faults", {"kind": "500", "fraction": 0.5, "seed": 1}
    )
    assert reply.status == 200
    statuses = [(await api.post("messages.json", BASE)).status for _ in range(20)]
    await api.control("DELETE", "faults")
    return statuses


async def test_fraction_is_reproducible(api: Api) -> None:
    first = await fraction_pattern(api)
    second = await fraction_pattern(api)
    assert first == second
    assert 0 < first.count(500) < 20
    assert set(first) == {200, 500}


async def test_fraction_with_count_and_extremes(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    controls = pushover_sandbox.controls
    controls.add_fault("500", fraction=0.0)
    controls.add_fault("429", fraction=1.0, count=2)
    statuses = [(await api.post("messages.json", BASE)).status for _ in range(3)]
    assert statuses == [429, 429, 200]
    [never] = pushover_sandbox.state.faults.pending
    assert (never.kind, never.applied) == ("500", 0)


async def test_faults_spare_the_page_and_controls(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    pushover_sandbox.controls.add_fault("500")
    assert (await api.control("GET", "messages")).status == 200
    async with api.session.get(pushover_sandbox.base_url) as r:
        assert r.status == 200
    assert len(pushover_sandbox.state.faults.pending) == 1


async def test_fault_control_api(api: Api) -> None:
    reply = await api.control(
        "POST",
        "faults",
        {"kind": "slow", "count": 3, "path": "messages", "delay": 0.5, "after": True},
    )
    assert reply.body == {
        "status": 1,
        "fault": {
            "id": 1,
            "kind": "slow",
            "count": 3,
            "fraction": None,
            "seed": 0,
            "path": "messages",
            "delay": 0.5,
            "after": True,
            "applied": 0,
        },
    }
    reply = await api.control("POST", "faults", {"kind": "hang"})
    assert reply.body["fault"]["delay"] == 300.0
    reply = await api.control("GET", "faults")
    assert [f["kind"] for f in reply.body["faults"]] == ["slow", "hang"]
    reply = await api.control("POST", "faults/clear")
    assert reply.body == {"status": 1}
    assert (await api.control("GET", "faults")).body == {"status": 1, "faults": []}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"kind": "teapot"}, f"kind must be one of {', '.join(FAULT_KINDS)}"),
        ({}, f"kind must be one of {', '.join(FAULT_KINDS)}"),
        ({"kind": "500", "count": 0}, "count must be a positive integer"),
        ({"kind": "500", "count": "2"}, "count must be an integer"),
        ({"kind": "500", "fraction": 2}, "fraction must be between 0 and 1"),
        ({"kind": "slow", "delay": -1}, "delay must not be negative"),
        ({"kind": "500", "path": 5}, "path must be a string"),
    ],
)
async def test_fault_control_rejects(
    api: Api, body: dict[str, object], error: str
) -> None:
    reply = await api.control("POST", "faults", body)
    assert (reply.status, reply.body) == (400, {"status": 0, "error": error})
