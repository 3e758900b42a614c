"""Every exception class, produced by the sandbox's rules and faults."""

from __future__ import annotations

from datetime import UTC, datetime
import socket

import aiohttp
import pytest

from custom_components.pushover_plus.api import (
    InvalidResponseError,
    InvalidTokenError,
    InvalidUserError,
    Message,
    NoActiveDevicesError,
    NotPushoverApiError,
    PushoverClient,
    PushoverConnectionError,
    PushoverError,
    PushoverRequestError,
    PushoverTimeoutError,
    QuotaExceededError,
    ServerError,
)
from sandbox.seed import DEMO_GROUP, DEMO_TOKEN, DEMO_USER, NO_DEVICE_USER, OTHER_TOKEN
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

from .conftest import FakeApi

UNKNOWN_KEY = "uUnknownUserKey000000000000000"
UNKNOWN_TOKEN = "aUnknownAppToken00000000000000"


def _hello(user: str = DEMO_USER) -> Message:
    return Message(user=user, message="Hello")


async def test_invalid_token(
    session: aiohttp.ClientSession, api_url: str, state: SandboxState
) -> None:
    client = PushoverClient(session, UNKNOWN_TOKEN, base_url=api_url)
    for call in (
        client.send_message(_hello()),
        client.get_sounds(),
        client.validate_user(DEMO_USER),
        client.get_limits(),
    ):
        with pytest.raises(InvalidTokenError) as caught:
            await call
        assert isinstance(caught.value, PushoverRequestError)
        assert caught.value.field_errors == {"token": "invalid"}
        assert caught.value.status == 400
        assert not caught.value.retryable
        assert UNKNOWN_TOKEN not in str(caught.value)
    assert state.messages == []


async def test_invalid_user(client: PushoverClient) -> None:
    with pytest.raises(InvalidUserError) as caught:
        await client.send_message(_hello(UNKNOWN_KEY))
    assert caught.value.field_errors == {"user": "invalid"}
    assert not caught.value.retryable
    assert UNKNOWN_KEY not in str(caught.value)
    with pytest.raises(InvalidUserError):
        await client.validate_user(UNKNOWN_KEY)


async def test_no_active_devices(client: PushoverClient) -> None:
    with pytest.raises(NoActiveDevicesError) as caught:
        await client.send_message(_hello(NO_DEVICE_USER))
    assert isinstance(caught.value, PushoverRequestError)
    assert "no active devices" in caught.value.errors[0]
    assert not caught.value.retryable
    with pytest.raises(NoActiveDevicesError):
        await client.validate_user(NO_DEVICE_USER)


async def test_group_without_active_devices(
    session: aiohttp.ClientSession, fake_api: FakeApi
) -> None:
    client = PushoverClient(session, OTHER_TOKEN, base_url=fake_api.url)
    fake_api.reply(
        "users/validate.json",
        {
            "user": "invalid",
            "errors": ["group has no enabled members with active devices"],
            "status": 0,
            "request": "r-1",
        },
        status=400,
    )
    with pytest.raises(NoActiveDevicesError) as caught:
        await client.validate_user(DEMO_GROUP)
    assert caught.value.request_id == "r-1"


async def test_other_request_error(client: PushoverClient) -> None:
    with pytest.raises(PushoverRequestError) as caught:
        await client.send_message(
            Message(user=DEMO_USER, message="Hi", sound="nosuchsound")
        )
    error = caught.value
    assert type(error) is PushoverRequestError
    assert error.field_errors == {"sound": "invalid"}
    assert error.errors == ("sound is not a valid sound for this application",)
    assert str(error) == (
        "Pushover refused the request (HTTP 400): "
        "sound is not a valid sound for this application"
    )


async def test_api_url_without_its_version(
    session: aiohttp.ClientSession, pushover_sandbox: SandboxServer
) -> None:
    """The likeliest typo: the server's root, which answers 404 outside /1/."""
    client = PushoverClient(session, DEMO_TOKEN, base_url=pushover_sandbox.base_url)
    for call in (client.validate_user(DEMO_USER), client.get_sounds()):
        with pytest.raises(NotPushoverApiError) as caught:
            await call
        assert caught.value.status == 404
        assert not caught.value.retryable
    assert pushover_sandbox.state.requests == []


async def test_quota_fault(client: PushoverClient, state: SandboxState) -> None:
    state.controls.add_fault("429")
    with pytest.raises(QuotaExceededError) as caught:
        await client.send_message(_hello())
    error = caught.value
    assert not error.retryable
    assert error.status == 429
    assert error.reset_at is not None
    assert error.reset_at.tzinfo is UTC
    assert error.reset_at > datetime.now(UTC)
    assert error.errors
    assert client.quota is not None
    assert client.quota.remaining == 0
    assert client.quota.reset == error.reset_at


async def test_quota_used_up(client: PushoverClient, state: SandboxState) -> None:
    state.controls.set_quota(0)
    with pytest.raises(QuotaExceededError) as caught:
        await client.send_message(_hello())
    assert caught.value.reset_at is not None
    assert state.messages == []


async def test_quota_without_headers(
    fake_client: PushoverClient, fake_api: FakeApi
) -> None:
    fake_api.reply("messages.json", {"status": 0, "errors": ["over"]}, status=429)
    with pytest.raises(QuotaExceededError) as caught:
        await fake_client.send_message(_hello())
    assert caught.value.reset_at is None
    assert caught.value.errors == ("over",)
    assert fake_client.quota is None


async def test_server_error(client: PushoverClient, state: SandboxState) -> None:
    state.controls.add_fault("500")
    with pytest.raises(ServerError) as caught:
        await client.send_message(_hello())
    assert caught.value.status == 500
    assert caught.value.retryable
    assert caught.value.request_id == state.requests[0].id
    assert state.messages == []


async def test_unavailable_html(client: PushoverClient, state: SandboxState) -> None:
    state.controls.add_fault("503_html")
    with pytest.raises(ServerError) as caught:
        await client.get_sounds()
    assert caught.value.status == 503
    assert caught.value.retryable
    assert caught.value.request_id is None


async def test_timeout(
    session: aiohttp.ClientSession, api_url: str, state: SandboxState
) -> None:
    client = PushoverClient(session, OTHER_TOKEN, base_url=api_url, timeout=0.3)
    state.controls.add_fault("hang")
    with pytest.raises(PushoverTimeoutError) as caught:
        await client.send_message(_hello())
    assert caught.value.retryable
    assert OTHER_TOKEN not in str(caught.value)
    assert len(state.requests) == 1


async def test_dropped_connection(client: PushoverClient, state: SandboxState) -> None:
    state.controls.add_fault("drop")
    with pytest.raises(PushoverConnectionError) as caught:
        await client.send_message(_hello())
    assert caught.value.retryable
    assert len(state.requests) == 1


async def test_dropped_after_delivery_is_not_resent(
    client: PushoverClient, state: SandboxState
) -> None:
    state.controls.add_fault("drop", after=True)
    with pytest.raises(PushoverConnectionError):
        await client.send_message(_hello())
    assert len(state.requests) == 1
    assert len(state.messages) == 1


async def test_connection_refused(session: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = PushoverClient(
        session, OTHER_TOKEN, base_url=f"http://127.0.0.1:{port}/1/"
    )
    with pytest.raises(PushoverConnectionError) as caught:
        await client.get_sounds()
    assert caught.value.retryable
    assert OTHER_TOKEN not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


async def test_malformed_json(client: PushoverClient, state: SandboxState) -> None:
    state.controls.add_fault("malformed_json")
    with pytest.raises(InvalidResponseError) as caught:
        await client.send_message(_hello())
    # The message may have gone out: sending again could deliver it twice.
    assert not caught.value.retryable
    assert caught.value.status == 200

    state.controls.add_fault("malformed_json")
    with pytest.raises(InvalidResponseError) as caught:
        await client.get_sounds()
    assert caught.value.retryable


async def test_every_error_is_a_pushover_error() -> None:
    for error_class in (
        InvalidResponseError,
        InvalidTokenError,
        InvalidUserError,
        NoActiveDevicesError,
        NotPushoverApiError,
        PushoverConnectionError,
        PushoverRequestError,
        PushoverTimeoutError,
        QuotaExceededError,
        ServerError,
    ):
        assert issubclass(error_class, PushoverError)
    # Still an unreadable reply: one to a send may mean the message went out.
    assert issubclass(NotPushoverApiError, InvalidResponseError)
    assert PushoverError("x").retryable is False
    assert InvalidResponseError("x", retryable=True).retryable is True
