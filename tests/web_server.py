"""A throwaway web server on loopback, for replies the sandbox never gives.

:func:`serve` runs one handler for every method and path on a free port of
127.0.0.1 and yields the server's root URL (``http://127.0.0.1:PORT/``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib

from aiohttp import web

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    """Answer every request with ``handler`` until the block ends."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()
