"""Run the sandbox from a shell: ``python -m sandbox --port 8899``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .seed import Seed, SeedError, resolve_seed
from .server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="A local Pushover API look-alike with a page of received messages.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8899, help="port (0: any free)")
    parser.add_argument(
        "--seed", help="JSON file of accounts, apps, users, groups and sounds"
    )
    parser.add_argument("--https", action="store_true", help="serve HTTPS")
    parser.add_argument(
        "--cert-dir",
        default=".sandbox-certs",
        help="where the CA and server certificate go with --https",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log")
    return parser.parse_args(argv)


def _encryption_key(seed: Seed) -> str:
    """Return the demo user's end-to-end encryption key, to enter in the app."""
    user = seed.users.get(seed.first_user or "")
    if user is None or user.encryption_key is None:
        return "(none in seed)"
    return user.encryption_key


def banner(server: SandboxServer) -> str:
    """Return what to print once the server listens."""
    seed = server.state.seed
    lines = [
        "Pushover sandbox is running (Ctrl-C stops it).",
        f"  API URL:    {server.api_url}",
        f"  Page:       {server.page_url}",
        f"  Demo token: {seed.first_token or '(none in seed)'}",
        f"  Demo user:  {seed.first_user or '(none in seed)'}",
        f"  Other user: {seed.second_user or '(none in seed)'}",
        f"  E2EE key:   {_encryption_key(seed)}",
    ]
    if server.ca_file is not None:
        lines.append(f"  CA file:    {server.ca_file.resolve()}")
    lines.append(f"  Controls:   {server.base_url}_sandbox/messages (and more)")
    return "\n".join(lines) + "\n"


async def serve(args: argparse.Namespace) -> None:
    """Run until interrupted."""
    server = SandboxServer(
        host=args.host,
        port=args.port,
        seed=resolve_seed(args.seed),
        tls=args.https,
        cert_dir=args.cert_dir if args.https else None,
        access_log=not args.quiet,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with server:
        sys.stdout.write(banner(server))
        sys.stdout.flush()
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the command line program; return its exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        asyncio.run(serve(args))
    except SeedError as err:
        sys.stderr.write(f"{err}\n")
        return 2
    except OSError as err:
        sys.stderr.write(f"cannot start the sandbox: {err}\n")
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
