"""The monthly quota: X-Limit-App-* headers, 429, apps/limits.json, resets.

Since 1 May 2026 the quota belongs to the account and all of its applications
draw on it; the demo seed puts DEMO_TOKEN and OTHER_TOKEN in one account.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import dataclasses
from datetime import UTC, datetime

import aiohttp
from pushover_complete import (  # type: ignore[import-untyped]
    PushoverAPI,
    pushover_api,
)
import pytest
import pytest_asyncio

from sandbox import (
    DEMO_ACCOUNT,
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    OTHER_TOKEN,
    OTHER_USER,
    Clock,
    SandboxServer,
    default_seed,
)
from sandbox.seed import AccountSeed, AppSeed
from sandbox.state import next_reset

from .conftest import Api

BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hello"}
TEAM_ACCOUNT = "team"
TEAM_TOKEN = "aSandboxTeamAppToken0000000005"
TEAM_LIMIT = 25000
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
    reply = await api.get("apps/limits.json", {"token": DEMO_TOKEN})
    reply.accepted(limit=10000, remaining=9997, reset=int(reset))


async def test_two_tokens_of_one_account_share_the_quota(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    reply = await api.post("messages.json", BASE)
    assert reply.headers["X-Limit-App-Remaining"] == "9999"
    reply = await api.post("messages.json", BASE | {"token": OTHER_TOKEN})
    assert reply.headers["X-Limit-App-Limit"] == "10000"
    assert reply.headers["X-Limit-App-Remaining"] == "9998"
    for token in (DEMO_TOKEN, OTHER_TOKEN):
        reply = await api.get("apps/limits.json", {"token": token})
        assert (reply.body["limit"], reply.body["remaining"]) == (10000, 9998)

    # Used up through one token, the other is refused too.
    pushover_sandbox.controls.set_quota(1, token=OTHER_TOKEN)
    (await api.post("messages.json", BASE)).accepted()
    reply = await api.post("messages.json", BASE | {"token": OTHER_TOKEN})
    reply.rejected(429, OVER_QUOTA)
    pushover_sandbox.controls.reset_quota(DEMO_TOKEN)
    reply = await api.get("apps/limits.json", {"token": OTHER_TOKEN})
    assert reply.body["remaining"] == 10000


@pytest_asyncio.fixture
async def two_accounts(socket_enabled: None) -> AsyncIterator[SandboxServer]:
    """The demo seed plus a second account with its own application."""
    demo = default_seed()
    seed = dataclasses.replace(
        demo,
        apps={**demo.apps, TEAM_TOKEN: AppSeed(TEAM_TOKEN, "Team app", TEAM_ACCOUNT)},
        accounts={
            **demo.accounts,
            TEAM_ACCOUNT: AccountSeed(TEAM_ACCOUNT, TEAM_LIMIT),
        },
    )
    async with SandboxServer(seed=seed, clock=Clock.frozen(utc(2026, 5, 9))) as server:
        yield server


async def test_a_second_account_is_independent(two_accounts: SandboxServer) -> None:
    async with aiohttp.ClientSession() as session:
        api = Api(session, two_accounts)
        reply = await api.post("messages.json", BASE | {"token": TEAM_TOKEN})
        assert reply.headers["X-Limit-App-Limit"] == str(TEAM_LIMIT)
        assert reply.headers["X-Limit-App-Remaining"] == str(TEAM_LIMIT - 1)
        reply = await api.get("apps/limits.json", {"token": OTHER_TOKEN})
        assert (reply.body["limit"], reply.body["remaining"]) == (10000, 10000)

        two_accounts.controls.set_quota(0, account=DEMO_ACCOUNT)
        (await api.post("messages.json", BASE)).rejected(429, OVER_QUOTA)
        (await api.post("messages.json", BASE | {"token": TEAM_TOKEN})).accepted()

        reply = await api.control("POST", "quota/reset", {"account": DEMO_ACCOUNT})
        assert reply.body["accounts"] == {
            DEMO_ACCOUNT: {
                "limit": 10000,
                "remaining": 10000,
                "reset": int(utc(2026, 6, 1, 5)),
                "apps": [DEMO_TOKEN, OTHER_TOKEN],
            },
            TEAM_ACCOUNT: {
                "limit": TEAM_LIMIT,
                "remaining": TEAM_LIMIT - 2,
                "reset": int(utc(2026, 6, 1, 5)),
                "apps": [TEAM_TOKEN],
            },
        }


async def test_a_third_party_client_sees_the_shared_count(
    pushover_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pushover_api, "PUSHOVER_API_URL", pushover_sandbox.api_url)
    demo, other = PushoverAPI(DEMO_TOKEN), PushoverAPI(OTHER_TOKEN)
    await asyncio.to_thread(demo.send_message, DEMO_USER, "From the demo app")
    await asyncio.to_thread(other.send_message, DEMO_GROUP, "From the other app")
    # pushover_complete has no call for apps/limits.json; its generic GET does it.
    for client in (demo, other):
        limits = await asyncio.to_thread(client._generic_get, "apps/limits.json")
        assert (limits["limit"], limits["remaining"]) == (10000, 9997)


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
    reply = await api.control("POST", "quota", {"token": OTHER_TOKEN, "remaining": 3})
    assert reply.body["quotas"][DEMO_TOKEN]["remaining"] == 3
    reply = await api.control("POST", "quota/reset", {"token": DEMO_TOKEN})
    assert reply.body["quotas"][OTHER_TOKEN]["remaining"] == 50
    reply = await api.control("POST", "quota", {"account": DEMO_ACCOUNT, "limit": 60})
    assert reply.body["quotas"][OTHER_TOKEN]["limit"] == 60
    reply = await api.control("GET", "quota")
    assert reply.body == {
        "status": 1,
        "accounts": {
            DEMO_ACCOUNT: {
                "limit": 60,
                "remaining": 50,
                "reset": reset,
                "apps": [DEMO_TOKEN, OTHER_TOKEN],
            }
        },
        "quotas": {
            token: {"limit": 60, "remaining": 50, "reset": reset}
            for token in (DEMO_TOKEN, OTHER_TOKEN)
        },
    }
    reply = await api.control("POST", "quota", {"token": "aNoSuchApp", "remaining": 1})
    assert (reply.status, reply.body) == (
        404,
        {"status": 0, "error": "no application with token aNoSuchApp"},
    )
    reply = await api.control("POST", "quota/reset", {"account": "nobody"})
    assert (reply.status, reply.body["error"]) == (404, "no account nobody")
    reply = await api.control(
        "POST", "quota/reset", {"account": DEMO_ACCOUNT, "token": DEMO_TOKEN}
    )
    assert (reply.status, reply.body["error"]) == (
        400,
        "give a token or an account, not both",
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
    # Apps without an account are accounts of their own; the old per-app limit
    # is the limit of that account.
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
