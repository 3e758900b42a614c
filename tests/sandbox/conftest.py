"""An HTTP client fixture for the sandbox tests.

``pushover_sandbox`` and ``pushover_sandbox_clock`` come from
``sandbox.pytest_plugin``, loaded by the top-level conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
import re
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
import pytest_asyncio

from sandbox import SandboxServer

UUID4 = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


@dataclass
class Reply:
    """A sandbox reply: HTTP status, JSON body and headers."""

    status: int
    body: dict[str, Any]
    headers: CIMultiDictProxy[str]

    def accepted(self, **fields: Any) -> None:
        """Assert a 200 ``status: 1`` reply with exactly these extra fields."""
        assert self.status == 200, self.body
        assert self.body.pop("status") == 1
        assert UUID4.fullmatch(self.body.pop("request"))
        assert self.body == fields

    def rejected(self, status: int, errors: list[str], **fields: str) -> None:
        """Assert a rejection with exactly these errors and per-field keys."""
        assert self.status == status, self.body
        assert self.body.pop("status") == 0
        assert UUID4.fullmatch(self.body.pop("request"))
        assert self.body.pop("errors") == errors
        assert self.body == fields


class Api:
    """A small client for the sandbox API and control endpoints."""

    def __init__(self, session: aiohttp.ClientSession, server: SandboxServer) -> None:
        self.session = session
        self.server = server

    async def request(
        self, method: str, path: str, *, base: str | None = None, **kwargs: Any
    ) -> Reply:
        url = (base or self.server.api_url) + path
        async with self.session.request(method, url, **kwargs) as response:
            body = await response.json(content_type=None)
            return Reply(response.status, body, response.headers)

    async def post(self, path: str, data: Any = None, **kwargs: Any) -> Reply:
        return await self.request("POST", path, data=data, **kwargs)

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Reply:
        return await self.request("GET", path, params=params)

    async def control(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> Reply:
        return await self.request(
            method, "_sandbox/" + path, base=self.server.base_url, json=body
        )


@pytest_asyncio.fixture
async def api(pushover_sandbox: SandboxServer) -> AsyncIterator[Api]:
    """Yield a client session talking to the sandbox."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, pushover_sandbox)
