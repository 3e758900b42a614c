"""The monthly quota: X-Limit-App-* headers, 429, apps/limits.json, resets."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from sandbox import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    OTHER_TOKEN,
    OTHER_USER,
    Clock,
    SandboxServer,
)
from sandbox.state import next_reset

from .conftest import Api

BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hello"}
OVER_QUOTA = [
    (
        "application has reached its monthly message limit; "
        "sending resumes when the limit resets"
    )
]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        (utc(2025, 1, 15, 12), utc(2025, 2, 1, 6)),  # CST is UTC-6
        (utc(2025, 6, 10), utc(2025, 7, 1, 5)),  # CDT is UTC-5
        (utc(2025, 12, 31, 23), utc(2026, 1, 1, 6)),
        (utc(2025, 2, 1, 6), utc(2025, 3, 1, 6)),  # exactly at a reset
        (utc(2025, 2, 1, 5, 59), utc(2025, 2, 1, 6)),
    ],
)
def test_next_reset_is_first_of_month_midnight_central(
    now: float, reset: float
) -> None:
    assert next_reset(now) == int(reset)


async def test_headers_count_down(api: Api, pushover_sandbox: SandboxServer) -> None:
    reset = str(next_reset(pushover_sandbox.clock()))
    for remaining in ("9999", "9998", "9997"):
        reply = await api.post("messages.json", BASE)
        assert reply.status == 200
        assert reply.headers["X-Limit-App-Limit"] == "10000"
        assert reply.headers["X-Limit-App-Remaining"] == remaining
        assert reply.headers["X-Limit-App-Reset"] == reset
    other = await api.post("messages.json", BASE | {"token": OTHER_TOKEN})
    assert other.headers["X-Limit-App-Remaining"] == "9999"
    reply = await api.get("apps/limits.json", {"token": DEMO_TOKEN})
    reply.accepted(limit=10000, remaining=9997, reset=int(reset))


async def test_over_quota_is_429(api: Api, pushover_sandbox: SandboxServer) -> None:
    pushover_sandbox.controls.set_quota(1, token=DEMO_TOKEN)
    reply = await api.post("messages.json", BASE)
    assert reply.headers["X-Limit-App-Remaining"] == "0"
    reply.accepted()
    reply = await api.post("messages.json", BASE)
    assert reply.headers["X-Limit-App-Limit"] == "10000"
    assert reply.headers["X-Limit-App-Remaining"] == "0"
    reply.rejected(429, OVER_QUOTA)
    assert len(pushover_sandbox.state.messages) == 1
    reply = await api.get("apps/limits.json", {"token": DEMO_TOKEN})
    assert reply.body["remaining"] == 0


async def test_each_user_of_a_request_counts(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    pushover_sandbox.controls.set_quota(1)
    reply = await api.post("messages.json", BASE | {"user": DEMO_GROUP})
    assert reply.headers["X-Limit-App-Remaining"] == "1"
    reply.rejected(429, OVER_QUOTA)
    reply = await api.post(
        "messages.json", BASE | {"user": f"{DEMO_USER},{OTHER_USER}"}
    )
    reply.rejected(429, OVER_QUOTA)
    assert pushover_sandbox.state.messages == []


async def test_quota_controls_over_http(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    reset = next_reset(pushover_sandbox.clock())
    reply = await api.control("POST", "quota", {"remaining": 5, "limit": 50})
    assert reply.status == 200
    assert reply.body["quotas"][DEMO_TOKEN] == {
        "limit": 50,
        "remaining": 5,
        "reset": reset,
    }
    reply = await api.post("messages.json", BASE)
    assert reply.headers["X-Limit-App-Limit"] == "50"
    assert reply.headers["X-Limit-App-Remaining"] == "4"
    reply = await api.control("POST", "quota/reset", {"token": DEMO_TOKEN})
    assert reply.body["quotas"][DEMO_TOKEN]["remaining"] == 50
    assert reply.body["quotas"][OTHER_TOKEN]["remaining"] == 5
    reply = await api.control("GET", "quota")
    assert reply.body["quotas"][OTHER_TOKEN] == {
        "limit": 50,
        "remaining": 5,
        "reset": reset,
    }
    reply = await api.control("POST", "quota", {"token": "aNoSuchApp", "remaining": 1})
    assert (reply.status, reply.body) == (
        404,
        {"status": 0, "error": "no application with token aNoSuchApp"},
    )
    reply = await api.control("POST", "quota", {"remaining": -1})
    assert (reply.status, reply.body["error"]) == (
        400,
        "remaining must be a non-negative integer",
    )


async def test_quota_renews_when_the_clock_passes_the_reset(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    clock = pushover_sandbox.clock
    first_reset = next_reset(clock())
    pushover_sandbox.controls.set_quota(0)
    (await api.post("messages.json", BASE)).rejected(429, OVER_QUOTA)
    clock.set(first_reset)
    reply = await api.post("messages.json", BASE)
    assert reply.headers["X-Limit-App-Remaining"] == "9999"
    assert reply.headers["X-Limit-App-Reset"] == str(next_reset(first_reset))
    assert int(reply.headers["X-Limit-App-Reset"]) > first_reset


async def test_seed_sets_limits(socket_enabled: None) -> None:
    seed = {
        "apps": {DEMO_TOKEN: {"limit": 3}, OTHER_TOKEN: {}},
        "users": {DEMO_USER: {"devices": ["phone"]}},
        "monthly_limit": 7500,
    }
    clock = Clock.frozen(utc(2025, 3, 9, 12))
    async with (
        SandboxServer(seed=seed, clock=clock) as server,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, server)
        reply = await api.get("apps/limits.json", {"token": DEMO_TOKEN})
        reply.accepted(limit=3, remaining=3, reset=int(utc(2025, 4, 1, 5)))
        reply = await api.get("apps/limits.json", {"token": OTHER_TOKEN})
        reply.accepted(limit=7500, remaining=7500, reset=int(utc(2025, 4, 1, 5)))
