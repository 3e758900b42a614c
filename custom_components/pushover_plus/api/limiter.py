"""At most two requests in flight per API host, admitted in call order.

:func:`limiter_for` returns the one :class:`FifoLimiter` that every client of a
host shares on the running event loop; a loop's limiters go with the loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
import weakref

from yarl import URL

from .const import MAX_CONCURRENT_REQUESTS


class FifoLimiter:
    """Admit at most ``limit`` holders at once, strictly in the order they asked.

    :meth:`reserve` takes a place in line synchronously, so requests are admitted
    in the order their coroutines started, whatever each then awaits before it
    waits for its turn.
    """

    def __init__(self, limit: int) -> None:
        """Start with nobody admitted and nobody waiting."""
        self._limit = limit
        self._active = 0
        self._queue: deque[asyncio.Future[None]] = deque()

    @property
    def active(self) -> int:
        """Return how many holders are admitted right now."""
        return self._active

    def reserve(self) -> asyncio.Future[None]:
        """Take the next place in line; the future completes when admitted."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(future)
        self._admit()
        return future

    def release(self, future: asyncio.Future[None]) -> None:
        """Give back a place, admitted or still waiting (e.g. when cancelled)."""
        if future.done() and not future.cancelled():
            self._active -= 1
        else:
            future.cancel()
            if future in self._queue:
                self._queue.remove(future)
        self._admit()

    def _admit(self) -> None:
        while self._active < self._limit and self._queue:
            future = self._queue.popleft()
            if not future.done():
                self._active += 1
                future.set_result(None)


_LIMITERS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int | None], FifoLimiter]
] = weakref.WeakKeyDictionary()


def limiter_for(url: URL) -> FifoLimiter:
    """Return the limiter shared by every client of ``url``'s host in this loop."""
    per_loop = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    key = (url.host or "", url.port)
    limiter = per_loop.get(key)
    if limiter is None:
        limiter = per_loop[key] = FifoLimiter(MAX_CONCURRENT_REQUESTS)
    return limiter
