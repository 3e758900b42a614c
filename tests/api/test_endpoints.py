"""Every endpoint of the client against the sandbox over loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.pushover_plus.api import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    Glance,
    Message,
    MessageValidationError,
    PushoverClient,
    PushoverRequestError,
    Quota,
    ValidationCode,
)
from sandbox.seed import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER_DEVICES,
    MONTHLY_LIMIT,
    OTHER_USER,
)
from sandbox.server import SandboxServer
from sandbox.state import SandboxState


async def test_send_plain_message(client: PushoverClient, state: SandboxState) -> None:
    assert client.quota is None
    result = await client.send_message(Message(user=DEMO_USER, message="Hello"))

    assert len(state.messages) == 1
    record = state.messages[0]
    assert record.user == DEMO_USER
    assert record.request_id == result.request_id
    assert record.all_devices
    assert result.receipt is None
    assert record.fields == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "Hello",
    }
    assert state.requests[0].content_type == "application/x-www-form-urlencoded"
    assert result.quota is not None
    assert result.quota.limit == MONTHLY_LIMIT
    assert result.quota.remaining == MONTHLY_LIMIT - 1
    assert result.quota.reset.tzinfo is UTC
    assert result.quota.reset > datetime.now(UTC)
    assert client.quota == result.quota


async def test_send_every_field(client: PushoverClient, state: SandboxState) -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    result = await client.send_message(
        Message(
            user=DEMO_USER,
            message="<b>Door</b> open",
            title="Front door",
            devices=["phone", "tablet"],
            priority=2,
            retry=60,
            expire=3000,
            callback="https://example.com/hook",
            tags=["door", "alarm"],
            sound="doorbell",
            timestamp=when,
            url="https://example.com/cam",
            url_title="Camera",
            html=True,
        )
    )
    fields = state.messages[0].fields
    assert fields == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "<b>Door</b> open",
        "title": "Front door",
        "device": "phone,tablet",
        "priority": "2",
        "retry": "60",
        "expire": "3000",
        "callback": "https://example.com/hook",
        "tags": "door,alarm",
        "sound": "doorbell",
        "timestamp": str(int(when.timestamp())),
        "url": "https://example.com/cam",
        "url_title": "Camera",
        "html": "1",
    }
    assert state.messages[0].devices == ["phone", "tablet"]
    assert result.receipt is not None
    assert result.receipt == state.messages[0].receipt


async def test_send_monospace_ttl_and_int_timestamp(
    client: PushoverClient, state: SandboxState
) -> None:
    await client.send_message(
        Message(
            user=(DEMO_USER,),
            message="x = 1",
            devices="desktop",
            priority=-1,
            monospace=True,
            ttl=3600,
            timestamp=1_700_000_000,
            title="",
            sound="",
        )
    )
    fields = state.messages[0].fields
    assert fields["monospace"] == "1"
    assert fields["ttl"] == "3600"
    assert fields["timestamp"] == "1700000000"
    assert fields["priority"] == "-1"
    assert fields["device"] == "desktop"
    assert "title" not in fields
    assert "sound" not in fields
    assert "html" not in fields


async def test_priority_zero_is_sent(
    client: PushoverClient, state: SandboxState
) -> None:
    await client.send_message(Message(user=DEMO_USER, message="m", priority=0))
    assert state.messages[0].fields["priority"] == "0"


async def test_several_users_in_one_request(
    client: PushoverClient, state: SandboxState
) -> None:
    await client.send_message(Message(user=[DEMO_USER, OTHER_USER], message="All"))
    assert len(state.requests) == 1
    assert state.requests[0].fields["user"] == f"{DEMO_USER},{OTHER_USER}"
    assert sorted(m.user for m in state.messages) == sorted([DEMO_USER, OTHER_USER])


async def test_validate_user(client: PushoverClient) -> None:
    result = await client.validate_user(DEMO_USER)
    assert result.devices == DEMO_USER_DEVICES
    assert result.licenses == ("Android", "iOS")
    assert not result.is_group

    with_device = await client.validate_user(DEMO_USER, device="tablet")
    assert with_device.devices == DEMO_USER_DEVICES

    group = await client.validate_user(DEMO_GROUP)
    assert group.is_group
    assert "pixel" in group.devices


async def test_validate_user_unknown_device(
    client: PushoverClient, state: SandboxState
) -> None:
    with pytest.raises(PushoverRequestError) as caught:
        await client.validate_user(DEMO_USER, device="watch")
    assert type(caught.value) is PushoverRequestError
    assert caught.value.field_errors == {"device": "invalid"}
    assert caught.value.status == 400
    assert caught.value.request_id == state.requests[0].id
    assert not caught.value.retryable
    assert caught.value.errors
    assert caught.value.errors[0] in str(caught.value)


async def test_validate_user_checks_device_name_locally(
    client: PushoverClient, state: SandboxState
) -> None:
    with pytest.raises(MessageValidationError) as caught:
        await client.validate_user(DEMO_USER, device="my phone")
    assert caught.value.field == "device"
    assert caught.value.code is ValidationCode.DEVICE_NAME_INVALID
    assert state.requests == []


async def test_get_sounds(client: PushoverClient, state: SandboxState) -> None:
    sounds = await client.get_sounds()
    assert sounds["doorbell"] == "Doorbell (custom)"
    assert "pushover" in sounds
    assert "none" in sounds
    assert state.requests[0].method == "GET"


async def test_receipt_lifecycle(client: PushoverClient, state: SandboxState) -> None:
    sent = await client.send_message(
        Message(user=DEMO_USER, message="Wake up", priority=2, retry=30, expire=600)
    )
    assert sent.receipt is not None

    status = await client.get_receipt(sent.receipt)
    assert not status.acknowledged
    assert status.acknowledged_at is None
    assert status.acknowledged_by is None
    assert status.acknowledged_by_device is None
    assert not status.expired
    assert status.expires_at is not None
    assert status.last_delivered_at is not None
    assert status.expires_at - status.last_delivered_at == timedelta(seconds=600)
    assert not status.called_back
    assert status.called_back_at is None

    await state.controls.acknowledge(sent.receipt, device="tablet")
    status = await client.get_receipt(sent.receipt)
    assert status.acknowledged
    assert status.acknowledged_by == DEMO_USER
    assert status.acknowledged_by_device == "tablet"
    assert status.acknowledged_at is not None
    assert status.acknowledged_at.tzinfo is UTC


async def test_receipt_expiry(client: PushoverClient, state: SandboxState) -> None:
    sent = await client.send_message(
        Message(user=DEMO_USER, message="Wake up", priority=2, retry=30, expire=60)
    )
    assert sent.receipt is not None
    state.controls.advance_clock(120)
    status = await client.get_receipt(sent.receipt)
    assert status.expired
    assert not status.acknowledged


async def test_cancel_receipt(client: PushoverClient, state: SandboxState) -> None:
    sent = await client.send_message(
        Message(user=DEMO_USER, message="Wake up", priority=2, retry=30, expire=600)
    )
    assert sent.receipt is not None
    await client.cancel_receipt(sent.receipt)
    assert state.receipts[sent.receipt].cancelled_at is not None


async def test_unknown_receipt(client: PushoverClient) -> None:
    with pytest.raises(PushoverRequestError) as caught:
        await client.get_receipt("r" * 30)
    assert caught.value.status == 404
    assert caught.value.field_errors == {"receipt": "not found"}


async def test_receipt_shape_checked_locally(
    client: PushoverClient, state: SandboxState
) -> None:
    for call in (client.get_receipt, client.cancel_receipt):
        with pytest.raises(MessageValidationError) as caught:
            await call("not-a-receipt")
        assert caught.value.code is ValidationCode.RECEIPT_INVALID
    assert state.requests == []


async def test_cancel_by_tag(client: PushoverClient, state: SandboxState) -> None:
    for tags in (["door"], ["door", "alarm"], ["other"]):
        await client.send_message(
            Message(
                user=DEMO_USER,
                message="Alarm",
                priority=2,
                retry=30,
                expire=600,
                tags=tags,
            )
        )
    assert await client.cancel_receipts_by_tag("door") == 2
    assert await client.cancel_receipts_by_tag("door") == 0
    assert state.requests[-1].path == "/1/receipts/cancel_by_tag/door.json"


async def test_cancel_by_tag_quotes_the_tag(
    client: PushoverClient, state: SandboxState
) -> None:
    assert await client.cancel_receipts_by_tag("front door") == 0
    assert state.requests[-1].path == "/1/receipts/cancel_by_tag/front door.json"
    with pytest.raises(MessageValidationError) as caught:
        await client.cancel_receipts_by_tag("a/b")
    assert caught.value.code is ValidationCode.TAG_INVALID
    assert len(state.requests) == 1


async def test_get_limits(client: PushoverClient, state: SandboxState) -> None:
    state.controls.set_quota(1234, limit=5000)
    quota = await client.get_limits()
    assert quota.limit == 5000
    assert quota.remaining == 1234
    assert quota.reset.tzinfo is UTC
    assert client.quota == quota


async def test_update_glance(client: PushoverClient, state: SandboxState) -> None:
    await client.update_glance(
        Glance(
            user=DEMO_USER,
            device="phone",
            title="Solar",
            text="4.2 kW",
            subtext="",
            count=-3,
            percent=75,
        )
    )
    assert len(state.glances) == 1
    assert state.glances[0].fields == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "device": "phone",
        "title": "Solar",
        "text": "4.2 kW",
        "subtext": "",
        "count": "-3",
        "percent": "75",
    }
    assert state.glances[0].devices == ["phone"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:1/1/", "http://127.0.0.1:1/1/"),
        ("http://127.0.0.1:1/1", "http://127.0.0.1:1/1/"),
        ("https://api.example.com", "https://api.example.com/"),
        (DEFAULT_BASE_URL, "https://api.pushover.net/1/"),
    ],
)
async def test_base_url_forms(
    session: aiohttp.ClientSession, given: str, expected: str
) -> None:
    client = PushoverClient(session, DEMO_TOKEN, base_url=given)
    assert client.base_url == expected


async def test_base_url_without_trailing_slash_works(
    session: aiohttp.ClientSession, api_url: str
) -> None:
    client = PushoverClient(session, DEMO_TOKEN, base_url=api_url.rstrip("/"))
    assert "pushover" in await client.get_sounds()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.pushover.net/1/",
        "/1/",
        "https://user:pw@api.pushover.net/1/",
        "https://api.pushover.net/1/?x=1",
        "https://api.pushover.net/1/#top",
    ],
)
async def test_bad_base_url(session: aiohttp.ClientSession, url: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        PushoverClient(session, DEMO_TOKEN, base_url=url)


async def test_default_base_url_and_timeouts(session: aiohttp.ClientSession) -> None:
    client = PushoverClient(session, DEMO_TOKEN)
    assert client.base_url == DEFAULT_BASE_URL
    assert client._timeout is DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.total == 60
    assert DEFAULT_TIMEOUT.connect == 10
    custom = aiohttp.ClientTimeout(total=3)
    assert PushoverClient(session, DEMO_TOKEN, timeout=custom)._timeout is custom
    short = PushoverClient(session, DEMO_TOKEN, timeout=2.5)._timeout
    assert (short.total, short.connect) == (2.5, 2.5)
    long = PushoverClient(session, DEMO_TOKEN, timeout=30)._timeout
    assert (long.total, long.connect) == (30, 10)


@pytest.mark.parametrize("token", ["", "short", " " + DEMO_TOKEN[1:], None])
async def test_bad_token_shape(session: aiohttp.ClientSession, token: str) -> None:
    with pytest.raises(MessageValidationError) as caught:
        PushoverClient(session, token)
    assert caught.value.field == "token"
    assert caught.value.code is ValidationCode.TOKEN_INVALID


def test_quota_is_plain_data() -> None:
    reset = datetime(2030, 1, 1, tzinfo=UTC)
    assert Quota(10, 5, reset) == Quota(limit=10, remaining=5, reset=reset)


async def test_https_sandbox(socket_enabled: None) -> None:
    async with SandboxServer(tls=True) as server:
        connector = aiohttp.TCPConnector(ssl=server.client_ssl_context())
        async with aiohttp.ClientSession(connector=connector) as session:
            client = PushoverClient(session, DEMO_TOKEN, base_url=server.api_url)
            assert client.base_url.startswith("https://127.0.0.1:")
            result = await client.send_message(Message(user=DEMO_USER, message="TLS"))
    assert server.state.messages[0].request_id == result.request_id
