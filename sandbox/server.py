"""Running the sandbox: an aiohttp server on a local port, HTTP or HTTPS."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import contextlib
from pathlib import Path
import shutil
import ssl
import tempfile
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from aiohttp import web
from aiohttp.log import access_logger

from .api import STATE_KEY, add_api_routes, api_middleware
from .control import add_control_routes, control_errors
from .state import SandboxState
from .tls import CertFiles, make_certificates

if TYPE_CHECKING:
    from .clock import Clock
    from .model import ConnectionStats
    from .seed import Seed
    from .state import Controls

MAX_BODY: Final = 16 * 1024 * 1024
SHUTDOWN_TIMEOUT: Final = 2.0


class _CountingProtocol(asyncio.Protocol):
    """Pass everything to aiohttp's protocol while counting the connection."""

    def __init__(self, inner: asyncio.Protocol, stats: ConnectionStats) -> None:
        self._inner = inner
        self._stats = stats

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._stats.opened()
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stats.closed()
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class _CountingSite(web.BaseSite):
    """A TCP site whose connections are counted at the transport level."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        stats: ConnectionStats,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context)
        self._host = host
        self._port = port
        self._stats = stats
        self.bound_port = port

    @property
    def name(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{self._host}:{self.bound_port}"

    async def start(self) -> None:
        await super().start()
        factory = self._runner.server
        if factory is None:
            raise RuntimeError("the runner is not set up")
        make: Callable[[], asyncio.Protocol] = factory
        server = await asyncio.get_running_loop().create_server(
            lambda: _CountingProtocol(make(), self._stats),
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=True,
        )
        self._server = server
        self.bound_port = server.sockets[0].getsockname()[1]

    async def wait_closed(self) -> None:
        """Cut the connections still open and wait until they are gone.

        aiohttp has already closed idle connections and waited for requests in
        flight; an idle TLS connection would otherwise wait for the client's
        close_notify, which a pooled client may never send.
        """
        if self._server is not None:
            self._server.abort_clients()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), SHUTDOWN_TIMEOUT)


class SandboxServer:
    """A Pushover look-alike on a local port; use it as an async context manager.

    ``seed`` is a :class:`Seed`, a mapping or a JSON file path (None: the demo
    seed); ``clock`` a :class:`Clock` or time function. With ``tls`` the server
    speaks HTTPS with a certificate from a throwaway CA whose PEM file is
    :attr:`ca_file` (kept in ``cert_dir``, or in a temporary folder removed at
    stop).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: Seed | Mapping[str, Any] | str | Path | None = None,
        *,
        tls: bool = False,
        cert_dir: str | Path | None = None,
        clock: Clock | Callable[[], float] | None = None,
        access_log: bool = False,
    ) -> None:
        """Prepare the server; nothing listens until :meth:`start`."""
        self.host = host
        self.state = SandboxState(seed, clock)
        self.tls = tls
        self._requested_port = port
        self._cert_dir = Path(cert_dir) if cert_dir is not None else None
        self._temp_dir: Path | None = None
        self._access_log = access_log
        self._runner: web.AppRunner | None = None
        self._site: _CountingSite | None = None
        self.certs: CertFiles | None = None

    @property
    def controls(self) -> Controls:
        """Return the controls of the sandbox's state."""
        return self.state.controls

    @property
    def clock(self) -> Clock:
        """Return the sandbox clock."""
        return self.state.clock

    @property
    def port(self) -> int:
        """Return the port listened on (the real one once started)."""
        return self._site.bound_port if self._site else self._requested_port

    @property
    def base_url(self) -> str:
        """Return the server's root URL, e.g. ``http://127.0.0.1:8899/``."""
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """Return the API base URL, with its trailing slash (``.../1/``)."""
        return self.base_url + "1/"

    @property
    def page_url(self) -> str:
        """Return the URL of the message page."""
        return self.base_url

    @property
    def ca_file(self) -> Path | None:
        """Return the CA certificate (PEM) to verify HTTPS against, if TLS is on."""
        return self.certs.ca_file if self.certs is not None else None

    def client_ssl_context(self) -> ssl.SSLContext | None:
        """Return a client TLS context trusting the sandbox CA (None without TLS)."""
        return self.certs.client_context() if self.certs is not None else None

    def make_app(self) -> web.Application:
        """Build the aiohttp application (routes, middlewares, state)."""
        app = web.Application(
            client_max_size=MAX_BODY, middlewares=[api_middleware, control_errors]
        )
        app[STATE_KEY] = self.state
        add_api_routes(app)
        add_control_routes(app)
        return app

    async def start(self) -> None:
        """Start listening; on failure (e.g. the port is taken) clean up and raise."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        ssl_context = None
        if self.tls:
            cert_dir = self._cert_dir
            if cert_dir is None:
                self._temp_dir = Path(tempfile.mkdtemp(prefix="pushover-sandbox-"))
                cert_dir = self._temp_dir
            extra = () if self.host in {"", "0.0.0.0", "::"} else (self.host,)  # noqa: S104
            self.certs = make_certificates(cert_dir, extra)
            ssl_context = self.certs.server_context()
        self.state.stopping.clear()
        runner = web.AppRunner(
            self.make_app(),
            handler_cancellation=True,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            access_log=access_logger if self._access_log else None,
        )
        await runner.setup()
        self._runner = runner
        self._site = _CountingSite(
            runner, self.host, self._requested_port, self.state.connections, ssl_context
        )
        await self._site.start()

    async def stop(self) -> None:
        """Stop: end hanging requests, close connections, remove temporary files."""
        self.state.stopping.set()
        if self._runner is not None:
            site = self._site
            await self._runner.cleanup()
            if site is not None:
                await site.wait_closed()
            self._runner = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()
