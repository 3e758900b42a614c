"""users/validate, sounds, apps/limits, groups and glances through real HTTP."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    NO_DEVICE_USER,
    OTHER_USER,
    SandboxServer,
)
from sandbox.state import next_reset

from .conftest import Api

UNKNOWN_USER = "uUnknownUserKey000000000000000"
TOKEN_INVALID = ["application token is invalid"]
USER_INVALID = ["user identifier is not a valid user, group, or subscribed user key"]
BUILTIN = [
    "pushover",
    "bike",
    "bugle",
    "cashregister",
    "classical",
    "cosmic",
    "falling",
    "gamelan",
    "incoming",
    "intermission",
    "magic",
    "mechanical",
    "pianobar",
    "siren",
    "spacealarm",
    "tugboat",
    "alien",
    "climb",
    "persistent",
    "echo",
    "updown",
    "vibrate",
    "none",
]


async def test_validate_user(api: Api) -> None:
    reply = await api.post(
        "users/validate.json", {"token": DEMO_TOKEN, "user": DEMO_USER}
    )
    reply.accepted(
        group=0, devices=["phone", "tablet", "desktop"], licenses=["Android", "iOS"]
    )


async def test_validate_user_with_device(api: Api) -> None:
    body = {"token": DEMO_TOKEN, "user": OTHER_USER, "device": "pixel"}
    reply = await api.post("users/validate.json", body)
    reply.accepted(group=0, devices=["pixel"], licenses=["Android"])


async def test_validate_group_unions_members(api: Api) -> None:
    reply = await api.post(
        "users/validate.json", {"token": DEMO_TOKEN, "user": DEMO_GROUP}
    )
    reply.accepted(
        group=1,
        devices=["phone", "tablet", "desktop", "pixel"],
        licenses=["Android", "iOS"],
    )
    body = {"token": DEMO_TOKEN, "user": DEMO_GROUP, "device": "pixel"}
    (await api.post("users/validate.json", body)).accepted(
        group=1,
        devices=["phone", "tablet", "desktop", "pixel"],
        licenses=["Android", "iOS"],
    )


@pytest.mark.parametrize(
    ("body", "errors", "per_field"),
    [
        ({"user": DEMO_USER}, TOKEN_INVALID, {"token": "invalid"}),
        ({"token": DEMO_TOKEN}, USER_INVALID, {"user": "invalid"}),
        (
            {"token": DEMO_TOKEN, "user": UNKNOWN_USER},
            USER_INVALID,
            {"user": "invalid"},
        ),
        (
            {"token": DEMO_TOKEN, "user": f"{DEMO_USER},{OTHER_USER}"},
            USER_INVALID,
            {"user": "invalid"},
        ),
        (
            {"token": DEMO_TOKEN, "user": NO_DEVICE_USER},
            ["user has no active devices"],
            {"user": "invalid"},
        ),
        (
            {"token": DEMO_TOKEN, "user": DEMO_USER, "device": "pixel"},
            ["device name is not an active device of this user"],
            {"device": "invalid"},
        ),
        (
            {"token": DEMO_TOKEN, "user": DEMO_USER, "device": "phone,tablet"},
            ["device names must be 1 to 25 letters, digits, underscores or dashes"],
            {"device": "invalid"},
        ),
    ],
)
async def test_validate_rejects(
    api: Api, body: dict[str, str], errors: list[str], per_field: dict[str, str]
) -> None:
    reply = await api.post("users/validate.json", body)
    reply.rejected(400, errors, **per_field)


async def test_group_without_active_members_is_refused(socket_enabled: None) -> None:
    seed = {
        "apps": {DEMO_TOKEN: {}},
        "users": {DEMO_USER: {"devices": ["phone"]}, NO_DEVICE_USER: {}},
        "groups": {
            DEMO_GROUP: {
                "name": "Idle",
                "users": [
                    {"user": DEMO_USER, "disabled": True},
                    {"user": NO_DEVICE_USER},
                ],
            }
        },
    }
    async with SandboxServer(seed=seed) as server, aiohttp.ClientSession() as session:
        api = Api(session, server)
        body = {"token": DEMO_TOKEN, "user": DEMO_GROUP, "message": "hi"}
        for path in ("users/validate.json", "messages.json", "glances.json"):
            reply = await api.post(path, body | {"title": "x"})
            reply.rejected(
                400,
                ["group has no enabled members with active devices"],
                user="invalid",
            )


async def test_sounds(api: Api) -> None:
    reply = await api.get("sounds.json", {"token": DEMO_TOKEN})
    sounds = reply.body.pop("sounds")
    reply.accepted()
    assert list(sounds) == [*BUILTIN, "doorbell"]
    assert sounds["doorbell"] == "Doorbell (custom)"
    assert sounds["pushover"] == "Pushover (default)"
    reply = await api.get("sounds.json")
    reply.rejected(400, TOKEN_INVALID, token="invalid")


async def test_token_in_a_get_body_is_read(api: Api) -> None:
    reply = await api.request(
        "GET",
        "sounds.json",
        data={"token": DEMO_TOKEN},
    )
    assert reply.status == 200


async def test_limits(api: Api, pushover_sandbox: SandboxServer) -> None:
    reset = next_reset(pushover_sandbox.clock())
    reply = await api.get("apps/limits.json", {"token": DEMO_TOKEN})
    reply.accepted(limit=10000, remaining=10000, reset=reset)
    (await api.get("apps/limits.json")).rejected(400, TOKEN_INVALID, token="invalid")


async def test_group_info(api: Api) -> None:
    reply = await api.get(f"groups/{DEMO_GROUP}.json", {"token": DEMO_TOKEN})
    reply.accepted(
        name="Family",
        users=[
            {"user": DEMO_USER, "device": None, "memo": "", "disabled": False},
            {"user": OTHER_USER, "device": None, "memo": "", "disabled": False},
        ],
    )


async def test_group_info_rejects(api: Api) -> None:
    reply = await api.get(f"groups/{DEMO_GROUP}.json")
    reply.rejected(400, TOKEN_INVALID, token="invalid")
    reply = await api.get(
        "groups/gUnknownGroupKey00000000000000.json", {"token": DEMO_TOKEN}
    )
    reply.rejected(404, ["group not found"], group="not found")
    reply = await api.get("groups/short.json", {"token": DEMO_TOKEN})
    reply.rejected(400, ["group key is invalid"], group="invalid")


async def test_glance(api: Api, pushover_sandbox: SandboxServer) -> None:
    body = {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "device": "phone",
        "title": "Garage",
        "text": "Open",
        "subtext": "since 10:00",
        "count": "-3",
        "percent": "100",
    }
    (await api.post("glances.json", body)).accepted()
    [glance] = pushover_sandbox.state.glances
    assert (glance.user, glance.devices, glance.fields) == (DEMO_USER, ["phone"], body)
    (await api.post("glances.json", {**body, "user": DEMO_GROUP})).accepted()
    assert [g.user for g in pushover_sandbox.state.glances] == [
        DEMO_USER,
        DEMO_USER,
        OTHER_USER,
    ]
    assert pushover_sandbox.state.messages == []


@pytest.mark.parametrize(
    ("overrides", "errors", "per_field"),
    [
        ({"token": "x"}, TOKEN_INVALID, {"token": "invalid"}),
        ({"user": UNKNOWN_USER}, USER_INVALID, {"user": "invalid"}),
        (
            {"user": NO_DEVICE_USER},
            ["user has no active devices"],
            {"user": "invalid"},
        ),
        (
            {"device": "bad name"},
            ["device names must be 1 to 25 letters, digits, underscores or dashes"],
            {"device": "invalid"},
        ),
        (
            {"title": "t" * 101},
            ["title is too long; at most 100 characters are allowed"],
            {"title": "too long"},
        ),
        (
            {"text": "t" * 101},
            ["text is too long; at most 100 characters are allowed"],
            {"text": "too long"},
        ),
        (
            {"subtext": "t" * 101},
            ["subtext is too long; at most 100 characters are allowed"],
            {"subtext": "too long"},
        ),
        ({"count": "many"}, ["count must be an integer"], {"count": "invalid"}),
        (
            {"percent": "101"},
            ["percent must be an integer from 0 to 100"],
            {"percent": "invalid"},
        ),
        (
            {"percent": "-1"},
            ["percent must be an integer from 0 to 100"],
            {"percent": "invalid"},
        ),
        (
            {"title": ""},
            ["at least one of title, text, subtext, count or percent must be given"],
            {},
        ),
    ],
)
async def test_glance_rejects(
    api: Api,
    overrides: dict[str, str],
    errors: list[str],
    per_field: dict[str, str],
) -> None:
    body = {"token": DEMO_TOKEN, "user": DEMO_USER, "title": "Garage", **overrides}
    reply = await api.post("glances.json", body)
    reply.rejected(400, errors, **per_field)
