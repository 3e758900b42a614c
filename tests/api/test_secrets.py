"""No token or user key in logs, exception texts or reprs."""

from __future__ import annotations

import logging
import socket

import aiohttp
import pytest

from custom_components.pushover_plus.api import (
    Glance,
    Message,
    PushoverClient,
    PushoverConnectionError,
    PushoverError,
    PushoverRequestError,
    PushoverTimeoutError,
    scrub_secrets,
)
from sandbox.seed import DEMO_GROUP, DEMO_TOKEN, DEMO_USER, NO_DEVICE_USER, OTHER_USER
from sandbox.state import SandboxState

from .conftest import FakeApi

UNKNOWN_TOKEN = "aUnknownAppToken00000000000000"
UNKNOWN_USER = "uUnknownUserKey000000000000000"
SECRETS = (DEMO_TOKEN, DEMO_USER, OTHER_USER, NO_DEVICE_USER, DEMO_GROUP)
SECRETS_ALL = (*SECRETS, UNKNOWN_TOKEN, UNKNOWN_USER)
# Loggers of the in-process sandbox server, which sees the token by design.
SERVER_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "sandbox")


def _assert_clean(text: str) -> None:
    for secret in SECRETS_ALL:
        assert secret not in text


async def test_nothing_secret_in_logs_errors_or_reprs(
    caplog: pytest.LogCaptureFixture,
    session: aiohttp.ClientSession,
    client: PushoverClient,
    api_url: str,
    state: SandboxState,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = [repr(client), str(client)]

    message = Message(
        user=[DEMO_USER, OTHER_USER],
        message="Hello",
        priority=2,
        retry=30,
        expire=300,
        callback="https://example.com/api/webhook/secret-hook-id",
    )
    texts.append(repr(message))
    assert "secret-hook-id" not in repr(message)
    sent = await client.send_message(message)
    texts.append(repr(sent))
    assert sent.receipt is not None
    await state.controls.acknowledge(sent.receipt)
    texts.append(repr(await client.get_receipt(sent.receipt)))
    texts.append(repr(await client.validate_user(DEMO_GROUP)))
    texts.append(repr(await client.validate_user(DEMO_USER)))
    glance = Glance(user=DEMO_USER, title="t")
    texts.append(repr(glance))
    await client.update_glance(glance)
    texts.append(repr(await client.get_limits()))

    errors: list[PushoverError] = []
    bad_token = PushoverClient(session, UNKNOWN_TOKEN, base_url=api_url)
    texts.append(repr(bad_token))
    for call in (
        bad_token.get_sounds(),
        bad_token.send_message(Message(user=DEMO_USER, message="x")),
        client.send_message(Message(user=UNKNOWN_USER, message="x")),
        client.validate_user(NO_DEVICE_USER),
        client.validate_user(UNKNOWN_USER),
    ):
        with pytest.raises(PushoverError) as caught:
            await call
        errors.append(caught.value)

    state.controls.add_fault("hang", path="sounds")
    quick = PushoverClient(session, DEMO_TOKEN, base_url=api_url, timeout=0.2)
    with pytest.raises(PushoverTimeoutError) as timed_out:
        await quick.get_sounds()
    errors.append(timed_out.value)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = PushoverClient(session, DEMO_TOKEN, base_url=f"http://127.0.0.1:{port}")
    for call in (nowhere.get_sounds(), nowhere.validate_user(DEMO_GROUP)):
        with pytest.raises(PushoverConnectionError) as refused:
            await call
        errors.append(refused.value)

    for error in errors:
        texts += [str(error), repr(error), repr(error.args)]
        if isinstance(error, PushoverRequestError):
            texts += [repr(error.errors), repr(error.field_errors)]

    client_records = [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.pushover_plus.api")
    ]
    assert client_records
    assert all(record.levelno == logging.DEBUG for record in client_records)
    texts += [
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(SERVER_LOGGERS)
    ]
    for text in texts:
        _assert_clean(text)


async def test_echoed_keys_are_scrubbed(
    fake_client: PushoverClient, fake_api: FakeApi
) -> None:
    fake_api.reply(
        "messages.json",
        {
            "status": 0,
            "user": f"{DEMO_USER} is invalid",
            "errors": [
                f"user {DEMO_USER} is not valid for token {DEMO_TOKEN}",
                f"also {OTHER_USER[:-1]}Z looks like a key",
            ],
        },
        status=400,
    )
    with pytest.raises(PushoverRequestError) as caught:
        await fake_client.send_message(Message(user=DEMO_USER, message="x"))
    error = caught.value
    _assert_clean(str(error))
    _assert_clean(repr(error.errors))
    _assert_clean(repr(error.field_errors))
    assert error.errors[0] == "user [redacted] is not valid for token [redacted]"
    assert error.field_errors == {"user": "[redacted] is invalid"}
    assert OTHER_USER[:-1] not in error.errors[1]


def test_scrub_secrets() -> None:
    assert scrub_secrets(f"key={DEMO_USER}.") == "key=[redacted]."
    assert scrub_secrets("short-secret here", ["short-secret"]) == "[redacted] here"
    assert scrub_secrets("ok", [""]) == "ok"
    longer = "x" * 31
    assert scrub_secrets(longer) == longer
    request_id = "e3e70682-c209-4cac-a29f-6fbed82c07cd"
    assert scrub_secrets(request_id) == request_id
