"""Pytest fixtures: a running sandbox per test, with a frozen, advanceable clock.

Enable with ``pytest_plugins = ["sandbox.pytest_plugin"]`` in a conftest. The
fixtures need pytest-homeassistant-custom-component's ``socket_enabled``
(sockets are blocked by default in that setup).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import time

import pytest
import pytest_asyncio

from .clock import Clock
from .server import SandboxServer


@pytest_asyncio.fixture
async def pushover_sandbox(socket_enabled: None) -> AsyncIterator[SandboxServer]:
    """Yield a sandbox on 127.0.0.1 (any free port) with the demo seed.

    Its clock stands still at the test's start (whole seconds) until advanced
    with ``pushover_sandbox.clock.advance(seconds)`` or ``pushover_sandbox_clock``.
    """
    clock = Clock.frozen(float(int(time.time())))
    async with SandboxServer(host="127.0.0.1", port=0, clock=clock) as server:
        yield server


@pytest.fixture
def pushover_sandbox_clock(pushover_sandbox: SandboxServer) -> Clock:
    """Return the sandbox clock; ``.advance(seconds)`` moves it forward."""
    return pushover_sandbox.clock
