"""messages.json through real HTTP: every documented rule, accepted and rejected."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import aiohttp
import pytest

from sandbox import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    NO_DEVICE_USER,
    OTHER_TOKEN,
    OTHER_USER,
    SandboxServer,
)

from .conftest import Api, Reply

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hello"}
UNKNOWN_USER = "uUnknownUserKey000000000000000"
TOKEN_INVALID = ["application token is invalid"]
USER_INVALID = ["user identifier is not a valid user, group, or subscribed user key"]
EMERGENCY = {"priority": "2", "retry": "30", "expire": "300"}


def fields(**overrides: str | None) -> dict[str, str]:
    """Return the base message fields with overrides (None removes a field)."""
    result = {**BASE, **overrides}
    return {name: value for name, value in result.items() if value is not None}


async def test_minimal_message_is_delivered_to_all_devices(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    reply = await api.post("messages.json", BASE)
    request_id = reply.body["request"]
    reply.accepted()
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    [message] = pushover_sandbox.state.messages
    assert message.fields == BASE
    assert message.request_id == request_id
    assert message.user == DEMO_USER
    assert message.devices == ["phone", "tablet", "desktop"]
    assert message.all_devices is True
    assert message.unknown_devices == []
    assert message.priority == 0
    assert message.receipt is None
    assert message.received_at == pushover_sandbox.clock()


REJECTIONS: list[tuple[dict[str, str | None], list[str], dict[str, str]]] = [
    ({"token": None}, TOKEN_INVALID, {"token": "invalid"}),
    ({"token": "aUnknownAppToken00000000000000"}, TOKEN_INVALID, {"token": "invalid"}),
    ({"token": DEMO_TOKEN + " "}, TOKEN_INVALID, {"token": "invalid"}),
    ({"token": "short"}, TOKEN_INVALID, {"token": "invalid"}),
    ({"user": None}, USER_INVALID, {"user": "invalid"}),
    ({"user": UNKNOWN_USER}, USER_INVALID, {"user": "invalid"}),
    ({"user": " " + DEMO_USER}, USER_INVALID, {"user": "invalid"}),
    ({"user": DEMO_USER + "\n"}, USER_INVALID, {"user": "invalid"}),
    ({"user": f"{DEMO_USER},{UNKNOWN_USER}"}, USER_INVALID, {"user": "invalid"}),
    (
        {"user": ",".join([DEMO_USER] * 51)},
        ["too many user keys; at most 50 may be given at once"],
        {"user": "invalid"},
    ),
    (
        {"user": NO_DEVICE_USER},
        ["user has no active devices"],
        {"user": "invalid"},
    ),
    ({"message": None}, ["message cannot be blank"], {"message": "cannot be blank"}),
    ({"message": ""}, ["message cannot be blank"], {"message": "cannot be blank"}),
    ({"message": " \n "}, ["message cannot be blank"], {"message": "cannot be blank"}),
    (
        {"message": "x" * 1025},
        ["message is too long; at most 1024 characters are allowed"],
        {"message": "too long"},
    ),
    (
        {"title": "t" * 251},
        ["title is too long; at most 250 characters are allowed"],
        {"title": "too long"},
    ),
    (
        {"url": "https://example.com/" + "u" * 493},
        ["url is too long; at most 512 characters are allowed"],
        {"url": "too long"},
    ),
    (
        {"url_title": "u" * 101},
        ["url_title is too long; at most 100 characters are allowed"],
        {"url_title": "too long"},
    ),
    (
        {"priority": "3"},
        ["priority must be an integer from -2 to 2"],
        {"priority": "invalid"},
    ),
    (
        {"priority": "-3"},
        ["priority must be an integer from -2 to 2"],
        {"priority": "invalid"},
    ),
    (
        {"priority": "high"},
        ["priority must be an integer from -2 to 2"],
        {"priority": "invalid"},
    ),
    (
        {"priority": "1.5"},
        ["priority must be an integer from -2 to 2"],
        {"priority": "invalid"},
    ),
    (
        {**EMERGENCY, "retry": None},
        ["retry is required with emergency priority (2)"],
        {"retry": "invalid"},
    ),
    (
        {**EMERGENCY, "expire": None},
        ["expire is required with emergency priority (2)"],
        {"expire": "invalid"},
    ),
    (
        {**EMERGENCY, "retry": "29"},
        ["retry must be an integer of at least 30 seconds"],
        {"retry": "invalid"},
    ),
    (
        {**EMERGENCY, "retry": "often"},
        ["retry must be an integer of at least 30 seconds"],
        {"retry": "invalid"},
    ),
    (
        {**EMERGENCY, "expire": "10801"},
        ["expire must be a positive integer of at most 10800 seconds"],
        {"expire": "invalid"},
    ),
    (
        {**EMERGENCY, "expire": "0"},
        ["expire must be a positive integer of at most 10800 seconds"],
        {"expire": "invalid"},
    ),
    (
        {**EMERGENCY, "callback": "ftp://example.com/ack"},
        ["callback must be an http or https URL of at most 512 characters"],
        {"callback": "invalid"},
    ),
    (
        {**EMERGENCY, "callback": "https://example.com/" + "c" * 493},
        ["callback must be an http or https URL of at most 512 characters"],
        {"callback": "invalid"},
    ),
    (
        {"html": "1", "monospace": "1"},
        ["html and monospace cannot both be set"],
        {"monospace": "invalid"},
    ),
    (
        {"ttl": "0"},
        ["ttl must be a positive integer number of seconds"],
        {"ttl": "invalid"},
    ),
    (
        {"ttl": "-60"},
        ["ttl must be a positive integer number of seconds"],
        {"ttl": "invalid"},
    ),
    (
        {"ttl": "an hour"},
        ["ttl must be a positive integer number of seconds"],
        {"ttl": "invalid"},
    ),
    (
        {"sound": "foghorn"},
        ["sound is not a valid sound for this application"],
        {"sound": "invalid"},
    ),
    (
        {"sound": "Pushover"},
        ["sound is not a valid sound for this application"],
        {"sound": "invalid"},
    ),
    (
        {"timestamp": "yesterday"},
        ["timestamp must be a Unix time in whole seconds"],
        {"timestamp": "invalid"},
    ),
    (
        {"timestamp": "1700000000.5"},
        ["timestamp must be a Unix time in whole seconds"],
        {"timestamp": "invalid"},
    ),
    (
        {"device": "my phone"},
        ["device names must be 1 to 25 letters, digits, underscores or dashes"],
        {"device": "invalid"},
    ),
    (
        {"device": "d" * 26},
        ["device names must be 1 to 25 letters, digits, underscores or dashes"],
        {"device": "invalid"},
    ),
    (
        {"device": "phone,,tablet"},
        ["device names must be 1 to 25 letters, digits, underscores or dashes"],
        {"device": "invalid"},
    ),
    (
        {"attachment_base64": "!!!", "attachment_type": "image/png"},
        ["attachment_base64 is not valid base64 data"],
        {"attachment_base64": "invalid"},
    ),
    (
        {"attachment_base64": base64.b64encode(PNG).decode()},
        ["attachment_type must be an image MIME type such as image/jpeg"],
        {"attachment_type": "invalid"},
    ),
    (
        {
            "attachment_base64": base64.b64encode(b"%PDF-1.4").decode(),
            "attachment_type": "application/pdf",
        },
        ["attachment_type must be an image MIME type such as image/jpeg"],
        {"attachment_type": "invalid"},
    ),
    (
        {"attachment": "not a file"},
        ["attachment must be sent as a file part"],
        {"attachment": "invalid"},
    ),
]


@pytest.mark.parametrize(("overrides", "errors", "per_field"), REJECTIONS)
async def test_each_rule_rejects(
    api: Api,
    pushover_sandbox: SandboxServer,
    overrides: dict[str, str | None],
    errors: list[str],
    per_field: dict[str, str],
) -> None:
    reply = await api.post("messages.json", fields(**overrides))
    token_ok = "token" not in per_field
    assert ("X-Limit-App-Remaining" in reply.headers) is token_ok
    reply.rejected(400, errors, **per_field)
    assert pushover_sandbox.state.messages == []
    if token_ok:
        assert reply.headers["X-Limit-App-Remaining"] == "10000"


async def test_several_broken_rules_are_all_reported(api: Api) -> None:
    reply = await api.post(
        "messages.json",
        fields(user=UNKNOWN_USER, message="", priority="9", sound="foghorn"),
    )
    reply.rejected(
        400,
        [
            USER_INVALID[0],
            "message cannot be blank",
            "priority must be an integer from -2 to 2",
            "sound is not a valid sound for this application",
        ],
        user="invalid",
        message="cannot be blank",
        priority="invalid",
        sound="invalid",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"message": "x" * 1024, "title": "t" * 250},
        {"url": "https://example.com/" + "u" * 492, "url_title": "u" * 100},
        {"priority": "-2"},
        {"priority": "-1"},
        {"priority": "1", "retry": "5", "expire": "99999"},
        {"priority": "", "device": "", "sound": "", "ttl": ""},
        {**EMERGENCY, "retry": "30", "expire": "1500"},
        # Pushover's own example: it repeats 50 times, then stops.
        {**EMERGENCY, "retry": "30", "expire": "10800"},
        {**EMERGENCY, "retry": "60", "expire": "3600", "ttl": "0"},
        {"priority": "0", "retry": "1", "expire": "0", "tags": "a"},
        {**EMERGENCY, "retry": "216", "expire": "10800", "callback": "http://x.test/"},
        {"html": "1"},
        {"monospace": "1"},
        {"html": "0", "monospace": "1"},
        {"html": "False", "monospace": "1"},
        {"ttl": "3600"},
        {"sound": "doorbell"},
        {"sound": "none"},
        {"sound": "cosmic"},
        {"timestamp": "1700000000"},
        {"encrypted": "1", "tags": "a,b"},
        {"attachment": "", "attachment_base64": "", "attachment_type": ""},
        {"message": "ünïcödé ✓ " * 100},
    ],
)
async def test_valid_variants_are_accepted(api: Api, overrides: dict[str, str]) -> None:
    reply = await api.post("messages.json", fields(**overrides))
    receipt = reply.body.pop("receipt", None)
    reply.accepted()
    assert (receipt is not None) == (overrides.get("priority") == "2")


async def test_other_application_token_is_accepted(api: Api) -> None:
    reply = await api.post("messages.json", fields(token=OTHER_TOKEN))
    reply.accepted()


async def test_query_string_fields_are_read(api: Api) -> None:
    reply = await api.post("messages.json", params=BASE)
    reply.accepted()


async def test_json_body(api: Api, pushover_sandbox: SandboxServer) -> None:
    body: dict[str, Any] = {
        **BASE,
        "priority": 1,
        "html": True,
        "ttl": 60,
        "title": None,
    }
    reply = await api.request("POST", "messages.json", json=body)
    reply.accepted()
    [message] = pushover_sandbox.state.messages
    assert message.fields == {**BASE, "priority": "1", "html": "1", "ttl": "60"}
    assert message.priority == 1


async def test_json_body_must_be_an_object_of_scalars(api: Api) -> None:
    reply = await api.request("POST", "messages.json", json=[BASE])
    reply.rejected(
        400, ["request body could not be read: a JSON body must be an object"]
    )
    reply = await api.request("POST", "messages.json", json={**BASE, "user": [1]})
    reply.rejected(
        400,
        [
            (
                "request body could not be read: "
                "field user must be a string, number or boolean"
            )
        ],
    )
    reply = await api.post(
        "messages.json", b"{nope", headers={"Content-Type": "application/json"}
    )
    reply.rejected(
        400,
        [
            (
                "request body could not be read: invalid JSON (Expecting "
                "property name enclosed in double quotes)"
            )
        ],
    )


@pytest.mark.parametrize(
    ("device", "devices", "all_devices", "unknown"),
    [
        ("phone", ["phone"], False, []),
        ("tablet,phone", ["tablet", "phone"], False, []),
        ("phone,phone", ["phone"], False, []),
        ("watch", ["phone", "tablet", "desktop"], True, ["watch"]),
        ("phone,watch", ["phone", "tablet", "desktop"], True, ["watch"]),
        ("PHONE", ["phone", "tablet", "desktop"], True, ["PHONE"]),
    ],
)
async def test_device_selection(
    api: Api,
    pushover_sandbox: SandboxServer,
    *,
    device: str,
    devices: list[str],
    all_devices: bool,
    unknown: list[str],
) -> None:
    reply = await api.post("messages.json", fields(device=device))
    reply.accepted()
    [message] = pushover_sandbox.state.messages
    assert message.devices == devices
    assert message.all_devices is all_devices
    assert message.unknown_devices == unknown


async def test_several_users_get_one_message_each_and_device_is_ignored(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    reply = await api.post(
        "messages.json",
        fields(user=f"{DEMO_USER},{OTHER_USER},{DEMO_USER}", device="not valid!"),
    )
    assert reply.headers["X-Limit-App-Remaining"] == "9998"
    reply.accepted()
    first, second = pushover_sandbox.state.messages
    assert (first.user, first.devices, first.all_devices) == (
        DEMO_USER,
        ["phone", "tablet", "desktop"],
        True,
    )
    assert (second.user, second.devices) == (OTHER_USER, ["pixel"])
    assert first.request_id == second.request_id


async def test_fifty_users_are_allowed(api: Api) -> None:
    reply = await api.post("messages.json", fields(user=",".join([DEMO_USER] * 50)))
    reply.accepted()


async def test_a_user_without_devices_in_a_list_rejects_the_request(api: Api) -> None:
    reply = await api.post(
        "messages.json", fields(user=f"{DEMO_USER},{NO_DEVICE_USER}")
    )
    reply.rejected(400, ["user has no active devices"], user="invalid")


async def test_group_key_reaches_each_member(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    reply = await api.post("messages.json", fields(user=DEMO_GROUP, device="phone"))
    assert reply.headers["X-Limit-App-Remaining"] == "9998"
    reply.accepted()
    users = [(m.user, m.group, m.devices) for m in pushover_sandbox.state.messages]
    assert users == [
        (DEMO_USER, DEMO_GROUP, ["phone", "tablet", "desktop"]),
        (OTHER_USER, DEMO_GROUP, ["pixel"]),
    ]


async def test_multipart_attachment(api: Api, pushover_sandbox: SandboxServer) -> None:
    form = aiohttp.FormData(BASE)
    form.add_field("attachment", PNG, filename="snap.png", content_type="image/png")
    reply = await api.post("messages.json", form)
    reply.accepted()
    [message] = pushover_sandbox.state.messages
    assert message.fields == BASE
    assert message.attachment is not None
    assert message.attachment.data == PNG
    assert message.attachment.content_type == "image/png"
    assert message.attachment.filename == "snap.png"
    assert message.attachment.source == "multipart"


async def test_untyped_attachment_is_recognised_by_its_bytes(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    form = aiohttp.FormData(BASE)
    form.add_field(
        "attachment", PNG, filename="snap", content_type="application/octet-stream"
    )
    (await api.post("messages.json", form)).accepted()
    attachment = pushover_sandbox.state.messages[0].attachment
    assert attachment is not None
    assert attachment.content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "content_type", "errors", "per_field"),
    [
        (
            b"%PDF-1.4 not an image",
            "application/pdf",
            ["attachment must be an image (an image/* content type)"],
            {"attachment": "invalid"},
        ),
        (
            b"plain text",
            "application/octet-stream",
            ["attachment must be an image (an image/* content type)"],
            {"attachment": "invalid"},
        ),
        (b"", "image/png", ["attachment is empty"], {"attachment": "invalid"}),
        (
            PNG + b"\x00" * (5_242_880 - len(PNG) + 1),
            "image/png",
            ["attachment is too large; at most 5242880 bytes are allowed"],
            {"attachment": "too large"},
        ),
    ],
    ids=["pdf", "untyped-text", "empty", "too-large"],
)
async def test_bad_attachments(
    api: Api,
    data: bytes,
    content_type: str,
    errors: list[str],
    per_field: dict[str, str],
) -> None:
    form = aiohttp.FormData(BASE)
    form.add_field(
        "attachment", io.BytesIO(data), filename="file", content_type=content_type
    )
    reply = await api.post("messages.json", form)
    reply.rejected(400, errors, **per_field)


async def test_attachment_of_exactly_the_limit_is_accepted(api: Api) -> None:
    form = aiohttp.FormData(BASE)
    data = io.BytesIO(PNG + b"\x00" * (5_242_880 - len(PNG)))
    form.add_field("attachment", data, filename="big.png", content_type="image/png")
    (await api.post("messages.json", form)).accepted()


async def test_two_attachments_are_refused(api: Api) -> None:
    form = aiohttp.FormData(BASE)
    form.add_field("attachment", PNG, filename="a.png", content_type="image/png")
    form.add_field("attachment", PNG, filename="b.png", content_type="image/png")
    reply = await api.post("messages.json", form)
    reply.rejected(
        400, ["only one attachment may be sent with a message"], attachment="invalid"
    )
    form = aiohttp.FormData(
        {**BASE, "attachment_base64": base64.b64encode(PNG).decode()}
    )
    form.add_field("attachment", PNG, filename="a.png", content_type="image/png")
    reply = await api.post("messages.json", form)
    reply.rejected(
        400, ["only one attachment may be sent with a message"], attachment="invalid"
    )


async def test_base64_attachment(api: Api, pushover_sandbox: SandboxServer) -> None:
    encoded = base64.b64encode(PNG).decode()
    body = {**BASE, "attachment_base64": encoded, "attachment_type": "image/png"}
    (await api.request("POST", "messages.json", json=body)).accepted()
    attachment = pushover_sandbox.state.messages[0].attachment
    assert attachment is not None
    assert (attachment.data, attachment.content_type, attachment.source) == (
        PNG,
        "image/png",
        "base64",
    )


async def post_json(api: Api, body: dict[str, str]) -> Reply:
    """POST a large JSON body from a stream, as aiohttp prefers."""
    stream = io.BytesIO(json.dumps(body).encode())
    headers = {"Content-Type": "application/json"}
    return await api.post("messages.json", stream, headers=headers)


async def test_base64_attachment_size_limit(api: Api) -> None:
    limit = 5_242_880
    ok = base64.b64encode(PNG + b"\x00" * (limit - len(PNG))).decode()
    body = {**BASE, "attachment_base64": ok, "attachment_type": "image/jpeg"}
    (await post_json(api, body)).accepted()
    body["attachment_base64"] = base64.b64encode(b"\x00" * (limit + 1)).decode()
    reply = await post_json(api, body)
    reply.rejected(
        400,
        ["attachment is too large; at most 5242880 bytes are allowed"],
        attachment_base64="too large",
    )


async def test_other_methods_and_paths_answer_json(api: Api) -> None:
    reply = await api.get("messages.json", BASE)
    reply.rejected(405, ["this method is not allowed for the resource"])
    reply = await api.post("nothing/here.json", BASE)
    reply.rejected(404, ["the requested resource was not found"])


async def test_the_api_paths_without_1_are_a_plain_web_server_s_404(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    """Outside /1/ no Pushover reply: a 404 that is not JSON, and no record."""
    url = pushover_sandbox.base_url + "messages.json"
    async with api.session.post(url, data=BASE) as response:
        assert response.status == 404
        assert response.content_type != "application/json"
    assert pushover_sandbox.state.requests == []
