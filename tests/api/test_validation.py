"""Requests the API would refuse are refused locally, before the network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from custom_components.pushover_plus.api import (
    Attachment,
    Glance,
    Message,
    MessageValidationError,
    PushoverClient,
    ValidationCode,
    is_valid_key,
    validate_device_name,
    validate_glance,
    validate_message,
    validate_user_key,
)
from sandbox.seed import DEMO_TOKEN, DEMO_USER, OTHER_USER
from sandbox.server import SandboxServer

C = ValidationCode
EMERGENCY: dict[str, Any] = {"priority": 2, "retry": 30, "expire": 600}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PATH = Path("a.png")


@pytest.mark.parametrize(
    ("fields", "field", "code", "placeholders"),
    [
        ({"user": []}, "user", C.USER_MISSING, {}),
        ({"user": [DEMO_USER] * 51}, "user", C.TOO_MANY_USERS, {"max": "50"}),
        ({"user": DEMO_USER + " "}, "user", C.USER_KEY_INVALID, {}),
        ({"user": " " + DEMO_USER[1:]}, "user", C.USER_KEY_INVALID, {}),
        ({"user": f"{DEMO_USER},{OTHER_USER}"}, "user", C.USER_KEY_INVALID, {}),
        ({"user": 5}, "user", C.VALUE_NOT_TEXT, {"field": "user"}),
        ({"message": ""}, "message", C.MESSAGE_EMPTY, {}),
        ({"message": " \n "}, "message", C.MESSAGE_EMPTY, {}),
        ({"message": None}, "message", C.VALUE_NOT_TEXT, {}),
        (
            {"message": "x" * 1025},
            "message",
            C.MESSAGE_TOO_LONG,
            {"max": "1024", "length": "1025"},
        ),
        ({"title": "t" * 251}, "title", C.TITLE_TOO_LONG, {"max": "250"}),
        ({"url": "u" * 513}, "url", C.URL_TOO_LONG, {"max": "512"}),
        ({"url_title": "u" * 101}, "url_title", C.URL_TITLE_TOO_LONG, {"max": "100"}),
        (
            {"devices": ["phone", "my phone"]},
            "devices",
            C.DEVICE_NAME_INVALID,
            {"device": "my phone", "max": "25"},
        ),
        ({"devices": ["d" * 26]}, "devices", C.DEVICE_NAME_INVALID, {}),
        ({"devices": [""]}, "devices", C.DEVICE_NAME_INVALID, {}),
        ({"devices": [7]}, "devices", C.DEVICE_NAME_INVALID, {"device": "7"}),
        ({"devices": 7}, "devices", C.VALUE_NOT_TEXT, {}),
        (
            {"user": [DEMO_USER, OTHER_USER], "devices": ["phone"]},
            "devices",
            C.DEVICES_WITH_MULTIPLE_USERS,
            {},
        ),
        ({"priority": 3}, "priority", C.PRIORITY_OUT_OF_RANGE, {"min": "-2"}),
        ({"priority": -3}, "priority", C.PRIORITY_OUT_OF_RANGE, {"max": "2"}),
        ({"priority": True}, "priority", C.VALUE_NOT_INTEGER, {}),
        ({"priority": "1"}, "priority", C.VALUE_NOT_INTEGER, {}),
        ({"priority": 2, "expire": 600}, "retry", C.RETRY_REQUIRED, {}),
        ({"priority": 2, "retry": 60}, "expire", C.EXPIRE_REQUIRED, {}),
        (EMERGENCY | {"retry": 29}, "retry", C.RETRY_TOO_SMALL, {"min": "30"}),
        (EMERGENCY | {"expire": 0}, "expire", C.EXPIRE_NOT_POSITIVE, {}),
        (EMERGENCY | {"expire": 10801}, "expire", C.EXPIRE_TOO_LARGE, {}),
        (EMERGENCY | {"retry": 1.5}, "retry", C.VALUE_NOT_INTEGER, {}),
        (EMERGENCY | {"callback": "ftp://x/"}, "callback", C.CALLBACK_INVALID, {}),
        (EMERGENCY | {"callback": "/relative"}, "callback", C.CALLBACK_INVALID, {}),
        (EMERGENCY | {"callback": "http://[::1"}, "callback", C.CALLBACK_INVALID, {}),
        (
            EMERGENCY | {"callback": "https://e.com/" + "c" * 600},
            "callback",
            C.URL_TOO_LONG,
            {},
        ),
        (EMERGENCY | {"tags": ["a,b"]}, "tags", C.TAG_INVALID, {"tag": "a,b"}),
        (EMERGENCY | {"tags": [" "]}, "tags", C.TAG_INVALID, {}),
        (EMERGENCY | {"tags": ["x/y"]}, "tags", C.TAG_INVALID, {}),
        (EMERGENCY | {"tags": [None]}, "tags", C.TAG_INVALID, {"tag": "None"}),
        ({"ttl": 0}, "ttl", C.TTL_NOT_POSITIVE, {}),
        ({"ttl": -5}, "ttl", C.TTL_NOT_POSITIVE, {}),
        ({"html": True, "monospace": True}, "monospace", C.HTML_WITH_MONOSPACE, {}),
        ({"timestamp": datetime(2024, 1, 1)}, "timestamp", C.TIMESTAMP_NAIVE, {}),  # noqa: DTZ001
        ({"timestamp": -1}, "timestamp", C.TIMESTAMP_INVALID, {}),
        ({"timestamp": "now"}, "timestamp", C.VALUE_NOT_INTEGER, {}),
        ({"sound": 5}, "sound", C.VALUE_NOT_TEXT, {}),
        (
            {"attachment": Attachment.from_bytes(b"x" * 5_242_881)},
            "attachment",
            C.ATTACHMENT_TOO_LARGE,
            {"max": "5242880", "size": "5242881"},
        ),
        (
            {"attachment": Attachment.from_bytes(b"")},
            "attachment",
            C.ATTACHMENT_EMPTY,
            {},
        ),
        (
            {"attachment": Attachment.from_bytes(PNG, filename="")},
            "attachment",
            C.ATTACHMENT_FILENAME_INVALID,
            {},
        ),
        (
            {"attachment": Attachment.from_bytes(PNG, filename='a"b.png')},
            "attachment",
            C.ATTACHMENT_FILENAME_INVALID,
            {},
        ),
        (
            {"attachment": Attachment.from_bytes(PNG, content_type="png")},
            "attachment",
            C.ATTACHMENT_TYPE_INVALID,
            {},
        ),
        (
            {"attachment": Attachment.from_bytes(PNG, content_type="text/plain")},
            "attachment",
            C.ATTACHMENT_TYPE_INVALID,
            {},
        ),
        (
            {"attachment": Attachment(filename="a.png", content_type="image/png")},
            "attachment",
            C.ATTACHMENT_CONFLICT,
            {},
        ),
        (
            {
                "attachment": Attachment(
                    filename="a.png", content_type="image/png", data=PNG, path=PATH
                ),
            },
            "attachment",
            C.ATTACHMENT_CONFLICT,
            {},
        ),
    ],
)
async def test_refused_before_sending(
    client: PushoverClient,
    pushover_sandbox: SandboxServer,
    fields: dict[str, Any],
    field: str,
    code: ValidationCode,
    placeholders: dict[str, str],
) -> None:
    message = Message(**({"user": DEMO_USER, "message": "Hello"} | fields))
    with pytest.raises(MessageValidationError) as caught:
        await client.send_message(message)
    error = caught.value
    assert error.field == field
    assert error.code is code
    assert placeholders.items() <= error.placeholders.items()
    assert all(isinstance(value, str) for value in error.placeholders.values())
    assert not error.retryable
    assert isinstance(error, ValueError)
    assert DEMO_USER not in str(error)
    assert DEMO_USER not in repr(error.placeholders)
    assert str(error)[0].isupper()
    assert pushover_sandbox.state.requests == []


@pytest.mark.parametrize(
    "fields",
    [
        {"message": "x" * 1024, "title": "t" * 250, "url": "u" * 512},
        {"url_title": "u" * 100, "devices": ["d" * 25, "a_b-C9"]},
        {"user": [DEMO_USER] * 50},
        EMERGENCY | {"retry": 30, "expire": 1500, "tags": ["a", "b c"]},
        {"priority": 2, "retry": 216, "expire": 10800, "callback": "http://h/cb"},
        # Pushover's example: more than 50 repeats is sent; Pushover stops at 50.
        {"priority": 2, "retry": 30, "expire": 10800, "ttl": 0},
        {"priority": 1, "retry": 1, "expire": 99999, "tags": ["a,b"]},
        {"retry": 60, "expire": 3600, "callback": "not a url"},
        {"priority": -2, "ttl": 1, "timestamp": datetime(2024, 1, 1, tzinfo=UTC)},
        {"html": True, "monospace": False, "timestamp": 0},
        {"attachment": Attachment.from_bytes(b"x" * 5_242_880)},
    ],
)
def test_accepted_at_the_limits(fields: dict[str, Any]) -> None:
    message = Message(**({"user": DEMO_USER, "message": "Hello"} | fields))
    users = validate_message(message)
    assert users == message.users


@pytest.mark.parametrize(
    ("fields", "sent", "left_out"),
    [
        (
            {"priority": 1, "retry": 60, "expire": 3600, "tags": ["door"], "ttl": 60},
            {"priority": "1", "ttl": "60"},
            "retry, expire, tags",
        ),
        (
            {"retry": 30, "callback": "https://example.com/ack"},
            {},
            "retry, callback",
        ),
        (
            EMERGENCY | {"ttl": 60, "tags": ["door"]},
            {"priority": "2", "retry": "30", "expire": "600", "tags": "door"},
            "ttl",
        ),
    ],
)
async def test_fields_pushover_ignores_are_left_out(
    client: PushoverClient,
    pushover_sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    fields: dict[str, Any],
    sent: dict[str, str],
    left_out: str,
) -> None:
    caplog.set_level("DEBUG", "custom_components.pushover_plus.api.client")
    await client.send_message(
        Message(**({"user": DEMO_USER, "message": "Hello"} | fields))
    )
    [received] = pushover_sandbox.state.messages
    optional = set(received.fields) - {"token", "user", "message"}
    assert {name: received.fields[name] for name in optional} == sent
    assert f"Leaving out {left_out}: Pushover ignores them" in caplog.text


def test_message_users_property() -> None:
    assert Message(user=DEMO_USER, message="m").users == (DEMO_USER,)
    both = Message(user=[DEMO_USER, OTHER_USER], message="m")
    assert both.users == (DEMO_USER, OTHER_USER)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({}, "glance", C.GLANCE_EMPTY),
        ({"title": "t" * 101}, "title", C.TITLE_TOO_LONG),
        ({"text": "t" * 101}, "text", C.TEXT_TOO_LONG),
        ({"subtext": "t" * 101}, "subtext", C.SUBTEXT_TOO_LONG),
        ({"percent": 101}, "percent", C.PERCENT_OUT_OF_RANGE),
        ({"percent": -1}, "percent", C.PERCENT_OUT_OF_RANGE),
        ({"count": "3"}, "count", C.VALUE_NOT_INTEGER),
        ({"count": 1, "device": "bad device"}, "device", C.DEVICE_NAME_INVALID),
        ({"count": 1, "user": "short"}, "user", C.USER_KEY_INVALID),
    ],
)
async def test_glance_refused_before_sending(
    client: PushoverClient,
    pushover_sandbox: SandboxServer,
    fields: dict[str, Any],
    field: str,
    code: ValidationCode,
) -> None:
    glance = Glance(**({"user": DEMO_USER} | fields))
    with pytest.raises(MessageValidationError) as caught:
        await client.update_glance(glance)
    assert caught.value.field == field
    assert caught.value.code is code
    assert pushover_sandbox.state.requests == []


def test_glance_at_the_limits() -> None:
    validate_glance(
        Glance(user=DEMO_USER, title="t" * 100, text="", percent=100, count=0)
    )
    validate_glance(Glance(user=DEMO_USER, percent=0))


async def test_validate_user_key_shape(
    client: PushoverClient, pushover_sandbox: SandboxServer
) -> None:
    with pytest.raises(MessageValidationError) as caught:
        await client.validate_user(DEMO_USER.lower() + "x")
    assert caught.value.code is C.USER_KEY_INVALID
    assert pushover_sandbox.state.requests == []


def test_key_helpers() -> None:
    assert is_valid_key(DEMO_TOKEN)
    assert not is_valid_key(DEMO_TOKEN + "x")
    assert not is_valid_key(None)
    assert validate_user_key(DEMO_USER) == DEMO_USER
    assert validate_device_name("phone") == "phone"


def test_codes_are_unique_strings() -> None:
    values = [code.value for code in ValidationCode]
    assert len(values) == len(set(values))
    assert all(value == value.lower() for value in values)
