"""Attachments refused at the action level: a clear error, and nothing is sent.

attachments.py is tested source by source in test_attachments.py; here each
refusal goes through pushover_plus.send_message and notify.<name>, and the
sandbox must not receive a message, nor the outbox keep one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import os
from pathlib import Path
from typing import IO, Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_plus import attachments
from custom_components.pushover_plus.api import MAX_ATTACHMENT_SIZE, payload
from custom_components.pushover_plus.const import DOMAIN
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.images import image_bytes
from tests.outbox_helpers import message_requests

WAYS = ("send_message", "legacy_action")


async def attach(hass: HomeAssistant, way: str, source: str) -> None:
    """Send a message with ``source`` attached, one way."""
    if way == "send_message":
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": "notify.pushover", "message": "Hi", "attachment": source},
            blocking=True,
        )
    else:
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "Hi", "data": {"attachment": source}},
            blocking=True,
        )


async def refused(
    hass: HomeAssistant,
    sandbox: SandboxServer,
    entry: MockConfigEntry,
    way: str,
    source: str,
    key: str,
    *,
    validation: bool = True,
) -> None:
    """Assert that attaching ``source`` fails with ``key`` and sends nothing."""
    with pytest.raises(HomeAssistantError) as raised:
        await attach(hass, way, source)
    assert isinstance(raised.value, ServiceValidationError) == validation
    assert raised.value.translation_key == key
    assert str(raised.value) != key  # translated: the key is in en.json
    assert sandbox.state.messages == []
    assert all(request.response_status != 200 for request in message_requests(sandbox))
    assert entry.runtime_data.outbox.size == 0


@pytest.fixture
async def entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, server: str
) -> MockConfigEntry:
    """Return the demo entry, allowed to download from 127.0.0.1 only."""
    config_entry = demo_entry(
        pushover_sandbox, options={"attachment_hosts": ["127.0.0.1"]}
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    return config_entry


@pytest.fixture
def folders(hass: HomeAssistant, tmp_path: Path) -> tuple[Path, Path]:
    """Return an allowed folder and one outside the allow-list (with an image)."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (outside / "secret.png").write_bytes(image_bytes())
    hass.config.allowlist_external_dirs = {str(allowed), "/proc", "/dev"}
    return allowed, outside


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[str]:
    """Serve an image, a redirect off the allow-list, a big and a slow body."""
    release = asyncio.Event()

    async def image(_request: web.Request) -> web.Response:
        return web.Response(body=image_bytes(), content_type="image/png")

    async def away(request: web.Request) -> web.Response:
        port = request.url.port
        return web.Response(
            status=302, headers={"Location": f"http://localhost:{port}/img.png"}
        )

    async def big(_request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG" + b"0" * 9000)

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"\x89PNG")
        await release.wait()
        return response

    app = web.Application()
    routes: dict[str, Callable[[web.Request], Any]] = {
        "/img.png": image,
        "/away": away,
        "/big": big,
        "/slow": slow,
    }
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    release.set()
    await runner.cleanup()


@pytest.mark.parametrize("way", WAYS)
async def test_local_files_that_are_refused(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    folders: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    way: str,
) -> None:
    allowed, outside = folders
    (allowed / "escape.png").symlink_to(outside / "secret.png")
    (allowed / "folder.png").mkdir()
    os.mkfifo(allowed / "pipe.png")
    huge = allowed / "huge.png"
    with huge.open("wb") as file:
        file.truncate(MAX_ATTACHMENT_SIZE + 4096)
    monkeypatch.setattr(attachments, "MAX_LOCAL_READ", MAX_ATTACHMENT_SIZE + 1024)

    for source, key in (
        (f"{allowed}/../outside/secret.png", "attachment_path_not_allowed"),
        (str(allowed / "escape.png"), "attachment_path_not_allowed"),
        ("/proc/self/status", "attachment_not_a_file"),
        ("/dev/zero", "attachment_not_a_file"),
        (str(allowed / "pipe.png"), "attachment_not_a_file"),
        (str(allowed / "folder.png"), "attachment_not_a_file"),
        (str(huge), "attachment_read_limit"),
    ):
        await refused(hass, pushover_sandbox, entry, way, source, key)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("change", ["grows", "shrinks"])
async def test_a_file_that_changes_while_it_is_sent(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    folders: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    way: str,
    change: str,
) -> None:
    allowed, _ = folders
    picture = allowed / "live.png"
    picture.write_bytes(image_bytes("PNG", (400, 400)) + b"\0" * 200_000)
    opened = payload.open_regular_file

    def changing(path: Path) -> tuple[IO[bytes], int]:
        """Open the file, then change it under the reader."""
        handle, size = opened(path)
        if change == "grows":
            with path.open("ab") as file:
                file.write(b"\0" * 100_000)
        else:
            os.truncate(path, size // 2)
        return handle, size

    monkeypatch.setattr(payload, "open_regular_file", changing)
    await refused(
        hass,
        pushover_sandbox,
        entry,
        way,
        str(picture),
        "attachment_size_mismatch",
    )


@pytest.mark.parametrize("way", WAYS)
async def test_urls_that_are_refused(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    entry: MockConfigEntry,
    server: str,
    monkeypatch: pytest.MonkeyPatch,
    way: str,
) -> None:
    monkeypatch.setattr(attachments, "MAX_DOWNLOAD_SIZE", 4096)
    monkeypatch.setattr(attachments, "DOWNLOAD_TIMEOUT", 0.2)
    for source, key in (
        ("file:///etc/passwd", "attachment_scheme_not_allowed"),
        ("javascript:alert(1)", "attachment_scheme_not_allowed"),
        ("ftp://127.0.0.1/img.png", "attachment_scheme_not_allowed"),
        ("http://example.com/img.png", "attachment_host_not_allowed"),
        (f"{server}/away", "attachment_host_not_allowed"),
        (f"{server}/big", "attachment_read_limit"),
    ):
        await refused(hass, pushover_sandbox, entry, way, source, key)
    await refused(
        hass,
        pushover_sandbox,
        entry,
        way,
        f"{server}/slow",
        "attachment_download_timeout",
        validation=False,
    )
    # What is allowed does go out.
    await attach(hass, way, f"{server}/img.png")
    [record] = pushover_sandbox.state.messages
    assert record.attachment is not None
