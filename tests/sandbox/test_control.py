"""The control API, connection metrics, the clock and seeds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import re

import aiohttp
import pytest

from sandbox import (
    DEMO_ACCOUNT,
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    NO_DEVICE_USER,
    OTHER_TOKEN,
    OTHER_USER,
    Clock,
    SandboxServer,
    default_seed,
    load_seed,
)
from sandbox.seed import SeedError, resolve_seed

from .conftest import Api

BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hello"}


def test_seed_constants_look_like_real_keys() -> None:
    keys = [DEMO_TOKEN, OTHER_TOKEN, DEMO_USER, OTHER_USER, NO_DEVICE_USER, DEMO_GROUP]
    assert all(re.fullmatch(r"[A-Za-z0-9]{30}", key) for key in keys)
    assert all("Sandbox" in key for key in keys)
    assert len(set(keys)) == len(keys)
    seed = default_seed()
    assert seed.users[DEMO_USER].devices == ("phone", "tablet", "desktop")
    assert seed.users[OTHER_USER].devices == ("pixel",)
    assert seed.users[NO_DEVICE_USER].devices == ()
    assert seed.groups[DEMO_GROUP].name == "Family"
    assert [m.user for m in seed.groups[DEMO_GROUP].members] == [DEMO_USER, OTHER_USER]
    assert dict(seed.sounds) == {"doorbell": "Doorbell (custom)"}
    assert seed.monthly_limit == 10000
    assert (seed.first_token, seed.first_user) == (DEMO_TOKEN, DEMO_USER)
    assert seed.account_of(DEMO_TOKEN) == seed.account_of(OTHER_TOKEN) == DEMO_ACCOUNT
    assert seed.account_ids() == [DEMO_ACCOUNT]


def test_seed_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(
        json.dumps(
            {
                "apps": {DEMO_TOKEN: {"name": "Mine", "limit": 5}},
                "users": {DEMO_USER: {"devices": ["watch"], "licenses": ["iOS"]}},
                "groups": {
                    DEMO_GROUP: {
                        "name": "Team",
                        "users": [{"user": DEMO_USER, "device": "watch", "memo": "me"}],
                    }
                },
                "sounds": {"gong": "Gong"},
            }
        )
    )
    seed = load_seed(path)
    assert resolve_seed(str(path)) == seed
    assert seed.apps[DEMO_TOKEN].name == "Mine"
    assert seed.limit_for(DEMO_TOKEN) == 5
    assert seed.account_of(DEMO_TOKEN) == DEMO_TOKEN
    assert seed.monthly_limit == 10000
    assert seed.groups[DEMO_GROUP].members[0].device == "watch"
    assert dict(seed.sounds) == {"gong": "Gong"}


def test_seed_accounts() -> None:
    seed = resolve_seed(
        {
            "accounts": {"home": {"limit": 25000}, "spare": {}},
            "apps": {
                DEMO_TOKEN: {"account": "home"},
                OTHER_TOKEN: {"account": "home", "limit": 25000},
                NO_DEVICE_USER: {"account": "work", "limit": 50},
            },
            "monthly_limit": 7500,
        }
    )
    assert seed.account_ids() == ["home", "spare", "work"]
    assert seed.limit_for(DEMO_TOKEN) == seed.limit_for(OTHER_TOKEN) == 25000
    assert seed.limit_for(NO_DEVICE_USER) == 50
    assert seed.account_limit("spare") == 7500


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"accounts": []}, "accounts must be an object keyed by account id"),
        ({"accounts": {"home": 5}}, "accounts.home must be an object"),
        (
            {"accounts": {"home": {"limit": "5"}}},
            "accounts.home.limit must be a non-negative integer",
        ),
        (
            {"apps": {DEMO_TOKEN: {"account": 1}}},
            f"apps.{DEMO_TOKEN}.account must be a string",
        ),
        (
            {
                "accounts": {"home": {"limit": 5}},
                "apps": {DEMO_TOKEN: {"account": "home", "limit": 6}},
            },
            f"apps.{DEMO_TOKEN}.limit: account home already has limit 5",
        ),
        ({"apps": []}, "apps must be an object keyed by 30-character keys"),
        ({"apps": {"short": {}}}, "apps: 'short' is not 30 characters of [A-Za-z0-9]"),
        ({"users": {DEMO_USER: []}}, f"users.{DEMO_USER} must be an object"),
        (
            {"users": {DEMO_USER: {"devices": "phone"}}},
            f"users.{DEMO_USER}.devices must be a list",
        ),
        (
            {"apps": {DEMO_TOKEN: {"limit": -1}}},
            f"apps.{DEMO_TOKEN}.limit must be a non-negative integer",
        ),
        (
            {"groups": {DEMO_GROUP: {"users": [{"user": "x"}]}}},
            f"groups.{DEMO_GROUP}.users: 'x' is not 30 characters of [A-Za-z0-9]",
        ),
        ({"sounds": ["gong"]}, "sounds must be an object of name to description"),
    ],
)
def test_bad_seeds(data: dict[str, object], error: str) -> None:
    with pytest.raises(SeedError) as raised:
        resolve_seed(data)
    assert str(raised.value) == error


def test_unreadable_seed_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read seed file"):
        load_seed(tmp_path / "missing.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(SeedError, match="a seed file must hold a JSON object"):
        load_seed(tmp_path / "list.json")


def test_clock() -> None:
    clock = Clock.frozen(1000.0)
    assert clock() == 1000.0
    assert clock.advance(5) == 1005.0
    assert clock.set(2000.0) == 2000.0
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    ticking = iter([10.0, 11.0])
    follow = Clock(lambda: next(ticking))
    follow.advance(100)
    assert follow() == 111.0


async def test_messages_and_requests_listing(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    emergency = BASE | {"priority": "2", "retry": "30", "expire": "60"}
    await api.post("messages.json", emergency)
    await api.post("messages.json", {"token": DEMO_TOKEN})
    reply = await api.control("GET", "messages")
    [message] = reply.body["messages"]
    receipt = pushover_sandbox.state.messages[0].receipt
    assert message == {
        "id": 1,
        "request": pushover_sandbox.state.requests[0].id,
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "group": None,
        "fields": emergency,
        "attachment": None,
        "received_at": pushover_sandbox.clock(),
        "priority": 2,
        "devices": ["phone", "tablet", "desktop"],
        "all_devices": True,
        "unknown_devices": [],
        "receipt": receipt,
        "encrypted": False,
        "decryption": None,
    }
    reply = await api.control("GET", "requests")
    first, second = reply.body["requests"]
    assert (first["method"], first["path"], first["response_status"]) == (
        "POST",
        "/1/messages.json",
        200,
    )
    assert first["content_type"] == "application/x-www-form-urlencoded"
    assert second["fields"] == {"token": DEMO_TOKEN}
    assert json.loads(second["response_body"])["errors"][0] == (
        "user identifier is not a valid user, group, or subscribed user key"
    )
    assert (await api.control("POST", "messages/clear")).body == {"status": 1}
    assert (await api.control("GET", "messages")).body == {"status": 1, "messages": []}
    await api.post("messages.json", BASE)
    await api.control("DELETE", "messages")
    assert pushover_sandbox.state.messages == []
    await api.control("DELETE", "requests")
    assert pushover_sandbox.state.requests == []
    await api.post("messages.json", BASE)
    await api.control("POST", "requests/clear")
    assert pushover_sandbox.state.requests == []


async def test_glances_listing(api: Api) -> None:
    await api.post(
        "glances.json", {"token": DEMO_TOKEN, "user": OTHER_USER, "count": "4"}
    )
    reply = await api.control("GET", "glances")
    [glance] = reply.body["glances"]
    assert (glance["user"], glance["devices"], glance["fields"]["count"]) == (
        OTHER_USER,
        ["pixel"],
        "4",
    )


async def test_devices_and_sounds_change_at_runtime(api: Api) -> None:
    reply = await api.control(
        "POST", f"users/{DEMO_USER}/devices", {"devices": ["phone", "watch"]}
    )
    assert reply.body == {"status": 1, "devices": ["phone", "watch"]}
    reply = await api.post(
        "users/validate.json", {"token": DEMO_TOKEN, "user": DEMO_USER}
    )
    assert reply.body["devices"] == ["phone", "watch"]
    reply = await api.control("POST", "sounds", {"name": "trumpet"})
    assert reply.body["sounds"]["trumpet"] == "trumpet"
    reply = await api.get("sounds.json", {"token": DEMO_TOKEN})
    assert reply.body["sounds"]["trumpet"] == "trumpet"

    reply = await api.control("POST", "users/nobody/devices", {"devices": []})
    assert reply.status == 404
    reply = await api.control("POST", f"users/{DEMO_USER}/devices", {"devices": "x"})
    assert reply.status == 400
    assert (await api.control("POST", "sounds", {})).status == 400


async def test_clock_control(api: Api, pushover_sandbox: SandboxServer) -> None:
    start = pushover_sandbox.clock()
    assert (await api.control("GET", "clock")).body == {"status": 1, "now": start}
    reply = await api.control("POST", "clock", {"advance": 90})
    assert reply.body == {"status": 1, "now": start + 90}
    reply = await api.control("POST", "clock", {"advance": -1})
    assert (reply.status, reply.body["error"]) == (
        400,
        "advance must be a non-negative number of seconds",
    )
    reply = await api.request(
        "POST",
        "_sandbox/clock",
        base=pushover_sandbox.base_url,
        data="{",
        headers={"Content-Type": "application/json"},
    )
    assert (reply.status, reply.body) == (
        400,
        {
            "status": 0,
            "error": (
                "body is not JSON: Expecting property name enclosed in double quotes"
            ),
        },
    )


async def wait_for_no_connections(server: SandboxServer) -> None:
    for _ in range(200):
        if server.state.connections.current == 0:
            return
        await asyncio.sleep(0.01)
    pytest.fail("connections stayed open")


async def test_connection_peak(pushover_sandbox: SandboxServer) -> None:
    controls = pushover_sandbox.controls
    url = pushover_sandbox.api_url + "messages.json"
    controls.add_fault("slow", count=6, delay=0.1)
    connector = aiohttp.TCPConnector(limit=2)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send() -> int:
            async with session.post(url, data=BASE) as response:
                return response.status

        assert await asyncio.gather(*(send() for _ in range(6))) == [200] * 6
    await wait_for_no_connections(pushover_sandbox)
    stats = pushover_sandbox.state.connections
    assert (stats.current, stats.peak, stats.total) == (0, 2, 2)

    controls.reset_metrics()
    controls.add_fault("slow", count=5, delay=0.1)
    async with aiohttp.ClientSession() as session:

        async def send_alone() -> int:
            async with session.post(url, data=BASE) as response:
                return response.status

        assert await asyncio.gather(*(send_alone() for _ in range(5))) == [200] * 5
        async with session.get(pushover_sandbox.base_url + "_sandbox/metrics") as r:
            metrics = await r.json()
    assert metrics["connections"] == {"current": 5, "peak": 5, "total": 5}
    assert (metrics["requests"], metrics["messages"], metrics["faults_pending"]) == (
        11,
        11,
        0,
    )
    await wait_for_no_connections(pushover_sandbox)


async def test_metrics_reset_over_http(api: Api) -> None:
    await api.post("messages.json", BASE)
    assert (await api.control("POST", "metrics/reset")).body == {"status": 1}
    reply = await api.control("GET", "metrics")
    assert reply.body["connections"] == {"current": 1, "peak": 1, "total": 1}


async def test_server_urls(socket_enabled: None) -> None:
    server = SandboxServer(port=0)
    assert server.api_url == "http://127.0.0.1:0/1/"
    async with server:
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}/"
        assert server.api_url == f"http://127.0.0.1:{server.port}/1/"
        assert server.page_url == server.base_url
        assert server.ca_file is None
        assert server.client_ssl_context() is None
    assert SandboxServer(host="::1", port=1).base_url == "http://[::1]:1/"


async def test_taken_port_fails_cleanly(pushover_sandbox: SandboxServer) -> None:
    second = SandboxServer(port=pushover_sandbox.port)
    with pytest.raises(OSError, match="address already in use"):
        await second.start()
    await second.stop()
