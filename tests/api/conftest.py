"""Fixtures for the Pushover API client tests: a session and a client per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pushover_plus.api import PushoverClient
from sandbox.seed import DEMO_TOKEN
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from tests.web_server import serve


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Return an aiohttp session owned by the test, closed at teardown."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def state(pushover_sandbox: SandboxServer) -> SandboxState:
    """Return the running sandbox's state."""
    return pushover_sandbox.state


@pytest.fixture
def api_url(pushover_sandbox: SandboxServer) -> str:
    """Return the sandbox's API base URL (``http://127.0.0.1:PORT/1/``)."""
    return pushover_sandbox.api_url


@pytest.fixture
def client(session: aiohttp.ClientSession, api_url: str) -> PushoverClient:
    """Return a client for the demo application on the sandbox."""
    return PushoverClient(session, DEMO_TOKEN, base_url=api_url, timeout=5)


@dataclass
class FakeReply:
    """A canned reply of the fake API."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeApi:
    """A tiny HTTP server answering what a test tells it to, for odd replies."""

    url: str
    replies: dict[str, FakeReply] = field(default_factory=dict)

    def reply(
        self,
        path: str,
        body: Any,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer requests to ``/1/<path>`` with ``body`` (JSON unless bytes)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies[f"/1/{path}"] = FakeReply(status, raw, dict(headers or {}))


@pytest.fixture
async def fake_api(socket_enabled: None) -> AsyncIterator[FakeApi]:
    """Start a server on loopback that replays canned replies."""
    api = FakeApi("")

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        canned = api.replies.get(request.path)
        if canned is None:
            return web.Response(status=404)
        return web.Response(
            status=canned.status,
            body=canned.body,
            headers=canned.headers,
            content_type="application/json",
        )

    async with serve(handle) as root:
        api.url = f"{root}1/"
        yield api


@pytest.fixture
def fake_client(session: aiohttp.ClientSession, fake_api: FakeApi) -> PushoverClient:
    """Return a client talking to the fake API."""
    return PushoverClient(session, DEMO_TOKEN, base_url=fake_api.url, timeout=5)


def png_bytes(size: int) -> bytes:
    """Return ``size`` bytes that start like a PNG image."""
    header = b"\x89PNG\r\n\x1a\n"
    body = bytes((i * 7 + 3) % 256 for i in range(max(0, size - len(header))))
    return (header + body)[:size]


PngFactory = Callable[[int], bytes]
