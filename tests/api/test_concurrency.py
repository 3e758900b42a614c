"""At most two requests in flight per API host, started in call order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from yarl import URL

from custom_components.pushover_plus.api import (
    MAX_CONCURRENT_REQUESTS,
    Attachment,
    Message,
    PushoverClient,
)
from custom_components.pushover_plus.api.limiter import FifoLimiter, limiter_for
from sandbox.seed import DEMO_TOKEN, DEMO_USER, OTHER_TOKEN
from sandbox.state import SandboxState

from .conftest import png_bytes


class _InFlight:
    """Counts requests between aiohttp's request start and end signals."""

    def __init__(self) -> None:
        self.current = 0
        self.peak = 0
        self.started: list[str] = []
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)
        self.config.on_request_end.append(self._end)
        self.config.on_request_exception.append(self._end)

    async def _start(
        self, _s: aiohttp.ClientSession, _c: SimpleNamespace, params: object
    ) -> None:
        self.current += 1
        self.peak = max(self.peak, self.current)
        self.started.append(str(getattr(params, "url", "")))

    async def _end(
        self, _s: aiohttp.ClientSession, _c: SimpleNamespace, _p: object
    ) -> None:
        self.current -= 1


@pytest.fixture
async def traced(
    socket_enabled: None,
) -> AsyncIterator[tuple[aiohttp.ClientSession, _InFlight]]:
    in_flight = _InFlight()
    async with aiohttp.ClientSession(trace_configs=[in_flight.config]) as session:
        yield session, in_flight


async def test_two_in_flight_in_call_order(
    traced: tuple[aiohttp.ClientSession, _InFlight],
    api_url: str,
    state: SandboxState,
) -> None:
    session, in_flight = traced
    client = PushoverClient(session, DEMO_TOKEN, base_url=api_url)
    state.controls.add_fault("slow", count=6, delay=0.15)
    state.controls.reset_metrics()

    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await asyncio.gather(
        *(
            client.send_message(Message(user=DEMO_USER, message=f"m{i}"))
            for i in range(6)
        )
    )
    elapsed = loop.time() - started

    assert len(results) == 6
    assert in_flight.peak == MAX_CONCURRENT_REQUESTS
    assert state.connections.peak <= MAX_CONCURRENT_REQUESTS
    assert elapsed >= 3 * 0.15
    texts = [record.fields["message"] for record in state.requests]
    assert sorted(texts) == [f"m{i}" for i in range(6)]
    # Each request arrives at most one place away from its call position.
    assert all(abs(texts.index(f"m{i}") - i) <= 1 for i in range(6))


async def test_limit_shared_by_clients_of_one_host(
    traced: tuple[aiohttp.ClientSession, _InFlight],
    api_url: str,
    state: SandboxState,
) -> None:
    session, in_flight = traced
    first = PushoverClient(session, DEMO_TOKEN, base_url=api_url)
    second = PushoverClient(session, OTHER_TOKEN, base_url=api_url.rstrip("/"))
    state.controls.add_fault("slow", count=6, delay=0.1)
    await asyncio.gather(
        *(client.get_sounds() for _ in range(3) for client in (first, second))
    )
    assert in_flight.peak == MAX_CONCURRENT_REQUESTS
    tokens = [record.query["token"] for record in state.requests]
    assert tokens.count(DEMO_TOKEN) == tokens.count(OTHER_TOKEN) == 3


async def test_strict_call_order_with_attachments(
    traced: tuple[aiohttp.ClientSession, _InFlight],
    api_url: str,
    state: SandboxState,
    tmp_path: Path,
) -> None:
    """A request that reads a file first still keeps its place in line."""
    session, in_flight = traced
    client = PushoverClient(session, DEMO_TOKEN, base_url=api_url)
    path = tmp_path / "a.png"
    await asyncio.to_thread(path.write_bytes, png_bytes(50_000))
    # One slot is slow, the other a little less: the four queued requests then
    # pass one by one through the slot that frees first, in call order.
    state.controls.add_fault("slow", count=1, delay=0.1)
    state.controls.add_fault("slow", count=1, delay=0.4)

    calls = []
    for i in range(6):
        attachment = Attachment.from_path(path) if i % 2 == 0 else None
        message = Message(user=DEMO_USER, message=f"m{i}", attachment=attachment)
        calls.append(asyncio.create_task(client.send_message(message)))
        await asyncio.sleep(0)
    await asyncio.gather(*calls)

    texts = [record.fields["message"] for record in state.requests]
    assert texts[2:] == ["m2", "m3", "m4", "m5"]
    assert in_flight.peak == MAX_CONCURRENT_REQUESTS


async def test_cancelled_waiter_is_never_sent(
    client: PushoverClient, state: SandboxState, tmp_path: Path
) -> None:
    path = tmp_path / "a.png"
    await asyncio.to_thread(path.write_bytes, png_bytes(1000))
    state.controls.add_fault("slow", count=2, delay=0.2)
    busy = [
        asyncio.create_task(client.send_message(Message(user=DEMO_USER, message=m)))
        for m in ("a", "b")
    ]
    await asyncio.sleep(0.05)
    waiting = asyncio.create_task(
        client.send_message(
            Message(
                user=DEMO_USER, message="never", attachment=Attachment.from_path(path)
            )
        )
    )
    after = asyncio.create_task(
        client.send_message(Message(user=DEMO_USER, message="after"))
    )
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.gather(*busy, after)
    with pytest.raises(asyncio.CancelledError):
        await waiting
    texts = [record.fields["message"] for record in state.requests]
    assert sorted(texts[:2]) == ["a", "b"]
    assert texts[2:] == ["after"]


async def test_limiter_fifo_and_cancellation() -> None:
    limiter = FifoLimiter(2)
    first, second, third, fourth, fifth = (limiter.reserve() for _ in range(5))
    assert first.done()
    assert second.done()
    assert not third.done()
    assert limiter.active == 2

    # A waiter that gives up leaves the line; the next one moves up.
    third.cancel()
    limiter.release(third)
    limiter.release(first)
    assert fourth.done()
    assert not fifth.done()
    assert limiter.active == 2

    # Admitted but cancelled before it ran: the slot passes on.
    limiter.release(fourth)
    assert fifth.done()
    limiter.release(second)
    limiter.release(fifth)
    assert limiter.active == 0

    # A place released before it was admitted (e.g. a failed preparation).
    a, b, c = (limiter.reserve() for _ in range(3))
    limiter.release(c)
    assert c.cancelled()
    limiter.release(a)
    limiter.release(b)
    assert limiter.active == 0

    # A cancelled waiter skipped by the line before its owner releases it.
    a, b, c, d = (limiter.reserve() for _ in range(4))
    c.cancel()
    limiter.release(a)
    assert d.done()
    limiter.release(c)
    for future in (b, d):
        limiter.release(future)
    assert limiter.active == 0


async def test_limiter_admits_in_order_under_load() -> None:
    limiter = FifoLimiter(2)
    order: list[int] = []

    async def worker(index: int) -> None:
        turn = limiter.reserve()
        try:
            await turn
            order.append(index)
            await asyncio.sleep(0.001 * (index % 3))
        finally:
            limiter.release(turn)

    await asyncio.gather(*(worker(i) for i in range(20)))
    assert order == list(range(20))
    assert limiter.active == 0


async def test_limiters_are_per_host_and_port() -> None:
    a = limiter_for(URL("http://127.0.0.1:1000/1/"))
    assert limiter_for(URL("https://127.0.0.1:1000/other/")) is a
    assert limiter_for(URL("http://127.0.0.1:1001/1/")) is not a
    assert limiter_for(URL("https://api.pushover.net/1/")) is not a
