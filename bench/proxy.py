"""A TCP proxy that adds a fixed delay each way, as a wide-area link would.

Every chunk read from one side is written to the other side ``delay`` seconds
later, in order; throughput is not limited. TLS passes through untouched, so
the handshake pays the round trips too. The proxy accepts a connection at once
(the kernel does), so the TCP handshake's round trip is charged instead to the
first bytes the client sends: nothing reaches the server before
``accepted + 2 * delay + delay``, which is when it would arrive over a real link.

Run it alone: ``python -m bench.proxy --target 127.0.0.1:8899 --delay 0.025``.
It prints ``LISTENING <port>`` and then obeys lines on its standard input:
``drop`` closes every connection (answer ``DROPPED <n>``), ``stats`` answers
``STATS <open> <peak> <total>``, ``reset`` restarts the peak and total
(answer ``RESET``). It stops at the end of its input or on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass, field
import signal
import sys
from typing import Final

CHUNK: Final = 64 * 1024


@dataclass(eq=False)
class _Link:
    """One client connection and its connection to the target."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        """Cut both connections at once."""
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


class LatencyProxy:
    """Forward connections to ``target`` with ``delay`` seconds each way."""

    def __init__(self, target_host: str, target_port: int, delay: float) -> None:
        """Prepare the proxy; nothing listens until :meth:`start`."""
        self.target_host = target_host
        self.target_port = target_port
        self.delay = delay
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self.peak = 0
        self.total = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host``:``port`` (0: any free port); return the port."""
        self._server = await asyncio.start_server(self._handle, host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop listening and cut every connection."""
        if self._server is not None:
            self._server.close()
        self.drop()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    @property
    def open(self) -> int:
        """Return how many client connections are open."""
        return len(self._links)

    def drop(self) -> int:
        """Cut every open connection; return how many there were."""
        links = list(self._links)
        for link in links:
            link.abort()
        return len(links)

    def reset(self) -> None:
        """Count the peak and total afresh from the open connections."""
        self.peak = self.total = len(self._links)

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        link = _Link(writer)
        self._links.add(link)
        self.total += 1
        self.peak = max(self.peak, len(self._links))
        try:
            up_reader, link.upstream = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            self._links.discard(link)
            writer.transport.abort()
            return
        # The client's connect() returned at once; on a real link it would have
        # taken a round trip, so its first bytes leave no earlier than that.
        first = accepted + 2 * self.delay
        link.tasks = [
            asyncio.create_task(self._pipe(reader, link.upstream, first)),
            asyncio.create_task(self._pipe(up_reader, writer, 0.0)),
        ]
        try:
            await asyncio.gather(*link.tasks)
        except OSError, asyncio.IncompleteReadError:
            pass
        finally:
            self._links.discard(link)
            link.abort()

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        not_before: float,
    ) -> None:
        """Copy ``source`` to ``sink``, each chunk ``delay`` after it was read."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            try:
                while chunk := await source.read(CHUNK):
                    queue.put_nowait((max(loop.time(), not_before) + self.delay, chunk))
            except OSError:
                pass
            queue.put_nowait((max(loop.time(), not_before) + self.delay, b""))

        reading = asyncio.create_task(read())
        try:
            while True:
                due, chunk = await queue.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    if sink.can_write_eof() and not sink.transport.is_closing():
                        sink.write_eof()
                    return
                if sink.transport.is_closing():
                    return
                sink.write(chunk)
                await sink.drain()
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading


async def _obey(proxy: LatencyProxy, stop: asyncio.Event) -> None:
    """Answer the commands on standard input until it ends."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while line := await reader.readline():
        command = line.decode().strip()
        if command == "drop":
            answer = f"DROPPED {proxy.drop()}"
        elif command == "stats":
            answer = f"STATS {proxy.open} {proxy.peak} {proxy.total}"
        elif command == "reset":
            proxy.reset()
            answer = "RESET"
        else:
            answer = f"UNKNOWN {command}"
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
    stop.set()


async def _serve(args: argparse.Namespace) -> None:
    host, _, port = args.target.rpartition(":")
    proxy = LatencyProxy(host or "127.0.0.1", int(port), args.delay)
    listening = await proxy.start(args.host, args.port)
    sys.stdout.write(f"LISTENING {listening}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    commands = asyncio.create_task(_obey(proxy, stop))
    await stop.wait()
    commands.cancel()
    await proxy.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the proxy until its input ends or it is told to stop."""
    parser = argparse.ArgumentParser(prog="python -m bench.proxy")
    parser.add_argument("--target", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--delay", type=float, default=0.025, help="seconds each way")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(_serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
