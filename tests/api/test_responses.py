"""Replies the sandbox does not give: odd shapes, redirects, stray statuses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from custom_components.pushover_plus.api import (
    InvalidResponseError,
    Message,
    NotPushoverApiError,
    PushoverClient,
    PushoverRequestError,
)
from sandbox.seed import DEMO_USER

from .conftest import FakeApi

RECEIPT = "r" * 30
OK = {"status": 1, "request": "req-1"}

type Call = Callable[[PushoverClient], Awaitable[Any]]


def _send(client: PushoverClient) -> Awaitable[Any]:
    return client.send_message(Message(user=DEMO_USER, message="Hi"))


def _receipt(client: PushoverClient) -> Awaitable[Any]:
    return client.get_receipt(RECEIPT)


def _validate(client: PushoverClient) -> Awaitable[Any]:
    return client.validate_user(DEMO_USER)


def _limits(client: PushoverClient) -> Awaitable[Any]:
    return client.get_limits()


def _sounds(client: PushoverClient) -> Awaitable[Any]:
    return client.get_sounds()


def _cancel_tag(client: PushoverClient) -> Awaitable[Any]:
    return client.cancel_receipts_by_tag("door")


@pytest.mark.parametrize(
    ("path", "body", "call", "retryable"),
    [
        ("sounds.json", OK | {"sounds": ["a"]}, _sounds, True),
        ("sounds.json", OK | {"sounds": {"a": 1}}, _sounds, True),
        (f"receipts/{RECEIPT}.json", OK | {"acknowledged_at": "x"}, _receipt, True),
        (f"receipts/{RECEIPT}.json", OK | {"acknowledged": "yes"}, _receipt, True),
        (f"receipts/{RECEIPT}.json", OK | {"acknowledged_by": 5}, _receipt, True),
        ("users/validate.json", OK | {"devices": "phone"}, _validate, True),
        ("users/validate.json", OK | {"group": "yes"}, _validate, True),
        ("apps/limits.json", OK | {"limit": "x", "remaining": 1}, _limits, True),
        (
            "apps/limits.json",
            OK | {"limit": 1, "remaining": 1, "reset": 0},
            _limits,
            True,
        ),
        (
            "receipts/cancel_by_tag/door.json",
            OK | {"canceled": "2"},
            _cancel_tag,
            False,
        ),
        ("messages.json", OK | {"receipt": 5}, _send, False),
        ("messages.json", {"request": "req-1"}, _send, False),
        # Pushover's shape, but neither a success nor a refusal with reasons.
        ("messages.json", {"status": 0, "request": "req-1"}, _send, False),
        ("messages.json", [1, 2], _send, False),
    ],
)
async def test_wrong_shape(
    fake_client: PushoverClient,
    fake_api: FakeApi,
    path: str,
    body: Any,
    call: Call,
    retryable: bool,
) -> None:
    fake_api.reply(path, body)
    with pytest.raises(InvalidResponseError) as caught:
        await call(fake_client)
    assert caught.value.retryable is retryable
    if isinstance(body, dict) and body.get("status") == 1:
        assert caught.value.request_id == "req-1"


async def test_redirect_is_not_followed(
    fake_client: PushoverClient, fake_api: FakeApi
) -> None:
    fake_api.reply("messages.json", OK)
    fake_api.reply(
        "sounds.json", b"", status=302, headers={"Location": "/1/messages.json"}
    )
    with pytest.raises(InvalidResponseError) as caught:
        await fake_client.get_sounds()
    assert caught.value.status == 302
    assert caught.value.retryable


async def test_status_zero_on_http_200(
    fake_client: PushoverClient, fake_api: FakeApi
) -> None:
    fake_api.reply(
        "messages.json",
        {"status": 0, "errors": ["message cannot be blank"], "message": "blank"},
    )
    with pytest.raises(PushoverRequestError) as caught:
        await _send(fake_client)
    assert caught.value.status == 200
    assert caught.value.field_errors == {"message": "blank"}


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        # Another web server's pages: even a 4xx is not Pushover refusing.
        (404, b"<html><h1>Not Found</h1></html>", False),
        (400, b"<html>Bad request</html>", False),
        (403, {"error": "forbidden"}, False),
        # A page served with 200 (a login page, say): a read may be tried again.
        (200, b"<!DOCTYPE html><html>Welcome</html>", True),
        (200, {"ok": True}, True),
    ],
)
async def test_a_reply_without_a_pushover_status_is_not_pushover(
    fake_client: PushoverClient,
    fake_api: FakeApi,
    status: int,
    body: Any,
    retryable: bool,
) -> None:
    fake_api.reply("users/validate.json", body, status=status)
    with pytest.raises(NotPushoverApiError) as caught:
        await _validate(fake_client)
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert "/1/" in str(caught.value)


async def test_errors_list_of_wrong_type(
    fake_client: PushoverClient, fake_api: FakeApi
) -> None:
    fake_api.reply("messages.json", {"status": 0, "errors": "bad"}, status=400)
    with pytest.raises(PushoverRequestError) as caught:
        await _send(fake_client)
    assert caught.value.errors == ()


async def test_minimal_replies(fake_client: PushoverClient, fake_api: FakeApi) -> None:
    fake_api.reply("messages.json", {"status": 1})
    result = await _send(fake_client)
    assert result.request_id == ""
    assert result.receipt is None
    assert result.quota is None

    fake_api.reply(f"receipts/{RECEIPT}.json", {"status": 1})
    status = await _receipt(fake_client)
    assert not status.acknowledged
    assert status.expires_at is None

    fake_api.reply("users/validate.json", {"status": 1})
    validation = await _validate(fake_client)
    assert validation.devices == ()
    assert not validation.is_group

    fake_api.reply("receipts/cancel_by_tag/door.json", {"status": 1})
    assert await _cancel_tag(fake_client) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Limit-App-Limit": "10", "X-Limit-App-Remaining": "5"},
        {
            "X-Limit-App-Limit": "ten",
            "X-Limit-App-Remaining": "5",
            "X-Limit-App-Reset": "1700000000",
        },
        {
            "X-Limit-App-Limit": "10",
            "X-Limit-App-Remaining": "5",
            "X-Limit-App-Reset": "99999999999999999999",
        },
    ],
)
async def test_missing_or_bad_quota_headers(
    fake_client: PushoverClient, fake_api: FakeApi, headers: dict[str, str]
) -> None:
    fake_api.reply("messages.json", OK, headers=headers)
    result = await _send(fake_client)
    assert result.quota is None
    assert fake_client.quota is None


async def test_quota_headers_on_any_endpoint(
    fake_client: PushoverClient, fake_api: FakeApi
) -> None:
    fake_api.reply(
        "sounds.json",
        OK | {"sounds": {"a": "A"}},
        headers={
            "X-Limit-App-Limit": "7500",
            "X-Limit-App-Remaining": "7000",
            "X-Limit-App-Reset": "1700000000",
        },
    )
    assert await _sounds(fake_client) == {"a": "A"}
    assert fake_client.quota is not None
    assert fake_client.quota.limit == 7500
    assert fake_client.quota.remaining == 7000
    assert int(fake_client.quota.reset.timestamp()) == 1_700_000_000
