"""HTTPS with the generated CA, and the standalone command line program."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import os
from pathlib import Path
import re
import signal
import ssl
import sys

import aiohttp
import pytest
import requests

from sandbox import (
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER_ENCRYPTION_KEY,
    OTHER_USER,
    SandboxServer,
)
from sandbox.__main__ import banner, main, parse_args

BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "over TLS"}
ROOT = Path(__file__).parents[2]


@contextlib.asynccontextmanager
async def server_handshake_error_expected() -> AsyncIterator[None]:
    """Keep the server's side of a refused handshake out of the loop's error log.

    In debug mode (as in Home Assistant's tests) asyncio reports a handshake the
    client broke off as an error of the event loop; here it is expected, so it is
    waited for and swallowed.
    """
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    seen = asyncio.Event()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        if context.get("message") == (
            "Error on transport creation for incoming connection"
        ):
            seen.set()
        elif previous is None:
            loop.default_exception_handler(context)
        else:
            previous(loop, context)

    loop.set_exception_handler(handler)
    try:
        yield
        if loop.get_debug():
            await asyncio.wait_for(seen.wait(), 5)
    finally:
        loop.set_exception_handler(previous)


async def test_https_verifies_against_the_ca(socket_enabled: None) -> None:
    async with SandboxServer(tls=True) as server, aiohttp.ClientSession() as session:
        assert server.api_url.startswith("https://127.0.0.1:")
        assert server.ca_file is not None
        assert server.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
        context = ssl.create_default_context(cafile=str(server.ca_file))
        url = server.api_url + "messages.json"
        async with session.post(url, data=BASE, ssl=context) as response:
            assert response.status == 200
            assert (await response.json())["status"] == 1
        async with server_handshake_error_expected():
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.post(url, data=BASE, ssl=ssl.create_default_context())
        reply = await asyncio.to_thread(
            requests.post, url, data=BASE, verify=str(server.ca_file), timeout=5
        )
        assert reply.json()["status"] == 1
        temp_dir = server.ca_file.parent
    assert not temp_dir.exists()
    assert len(server.state.messages) == 2


async def test_cert_dir_keeps_the_ca(socket_enabled: None, tmp_path: Path) -> None:
    async with SandboxServer(tls=True, cert_dir=tmp_path) as server:
        first_ca = (tmp_path / "ca.pem").read_bytes()
        first_cert = (tmp_path / "server.pem").read_bytes()
        assert server.ca_file == tmp_path / "ca.pem"
    async with SandboxServer(tls=True, cert_dir=tmp_path) as server:
        assert (tmp_path / "ca.pem").read_bytes() == first_ca
        assert (tmp_path / "server.pem").read_bytes() != first_cert
        context = server.client_ssl_context()
        assert context is not None
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                server.api_url + "sounds.json",
                params={"token": DEMO_TOKEN},
                ssl=context,
            ) as response,
        ):
            assert response.status == 200
    assert (tmp_path / "ca.pem").exists()
    assert oct((tmp_path / "ca-key.pem").stat().st_mode & 0o777) == "0o600"


def test_parse_args_defaults() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.seed, args.https, args.cert_dir) == (
        "127.0.0.1",
        8899,
        None,
        False,
        ".sandbox-certs",
    )


def test_banner() -> None:
    server = SandboxServer(port=8899)
    assert banner(server) == (
        "Pushover sandbox is running (Ctrl-C stops it).\n"
        "  API URL:    http://127.0.0.1:8899/1/\n"
        "  Page:       http://127.0.0.1:8899/\n"
        f"  Demo token: {DEMO_TOKEN}\n"
        f"  Demo user:  {DEMO_USER}\n"
        f"  Other user: {OTHER_USER}\n"
        f"  E2EE key:   {DEMO_USER_ENCRYPTION_KEY}\n"
        "  Controls:   http://127.0.0.1:8899/_sandbox/messages (and more)\n"
    )


def test_bad_seed_file_exits_with_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"apps": {"short": {}}}')
    assert main(["--seed", str(seed)]) == 2
    assert (
        "apps: 'short' is not 30 characters of [A-Za-z0-9]" in capsys.readouterr().err
    )


async def test_command_line_https(socket_enabled: None, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        "0",
        "--https",
        "--cert-dir",
        str(tmp_path),
        "--quiet",
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
            for _ in range(8)
        ]
        text = "".join(lines)
        api_url = re.search(r"API URL: +(\S+)", text)
        ca_file = re.search(r"CA file: +(\S+)", text)
        assert api_url is not None
        assert ca_file is not None
        assert f"Demo token: {DEMO_TOKEN}" in text
        assert ca_file.group(1) == str(tmp_path / "ca.pem")
        context = ssl.create_default_context(cafile=ca_file.group(1))
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                api_url.group(1) + "messages.json", data=BASE, ssl=context
            ) as response,
        ):
            assert response.status == 200
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
