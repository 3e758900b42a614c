"""Tests of resolving a notification's attachment (attachments.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from io import BytesIO
import os
from pathlib import Path
import socket
import stat
from typing import Any

from aiohttp import web
from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest

from custom_components.pushover_plus import attachments
from custom_components.pushover_plus.api import MAX_ATTACHMENT_SIZE, Attachment
from custom_components.pushover_plus.attachments import async_resolve_attachment
from custom_components.pushover_plus.const import DOMAIN
from tests.images import image_bytes

# Helpers -------------------------------------------------------------------


def noise(fmt: str, side: int, **kw: Any) -> bytes:
    """Return a random-noise image: it compresses badly, so it is big."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = BytesIO()
    image.save(buffer, fmt, **kw)
    return buffer.getvalue()


def decoded(attachment: Attachment) -> Image.Image:
    """Return the attachment's image, fully decoded."""
    if attachment.path is not None:
        data = attachment.path.read_bytes()
    else:
        assert attachment.data is not None
        data = attachment.data
    image = Image.open(BytesIO(data))
    image.load()
    return image


async def resolve(
    hass: HomeAssistant, source: Any, allowed_hosts: tuple[str, ...] = ()
) -> Attachment:
    """Resolve ``source`` with the given allow-list."""
    return await async_resolve_attachment(hass, source, allowed_hosts=allowed_hosts)


async def refused(
    hass: HomeAssistant,
    source: Any,
    key: str,
    allowed_hosts: tuple[str, ...] = (),
) -> ServiceValidationError:
    """Assert that resolving ``source`` is refused as the caller's mistake."""
    with pytest.raises(ServiceValidationError) as info:
        await resolve(hass, source, allowed_hosts)
    assert info.value.translation_domain == DOMAIN
    assert info.value.translation_key == key
    placeholders = info.value.translation_placeholders or {}
    assert all(isinstance(value, str) for value in placeholders.values())
    return info.value


async def failed(
    hass: HomeAssistant,
    source: Any,
    key: str,
    allowed_hosts: tuple[str, ...] = (),
) -> HomeAssistantError:
    """Assert that resolving ``source`` fails (not as a validation error)."""
    with pytest.raises(HomeAssistantError) as info:
        await resolve(hass, source, allowed_hosts)
    assert not isinstance(info.value, ServiceValidationError)
    assert info.value.translation_domain == DOMAIN
    assert info.value.translation_key == key
    return info.value


@pytest.fixture
def allowed_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Return a folder on Home Assistant's allow-list (and only that)."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    hass.config.allowlist_external_dirs = {str(allowed)}
    return allowed


@pytest.fixture
def outside_dir(tmp_path: Path) -> Path:
    """Return a folder outside the allow-list holding a valid image."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(image_bytes())
    return outside


# Local files ----------------------------------------------------------------


async def test_allowed_path(hass: HomeAssistant, allowed_dir: Path) -> None:
    (allowed_dir / "front.png").write_bytes(image_bytes("PNG"))
    # The name lies: the content decides the type.
    (allowed_dir / "photo.png").write_bytes(image_bytes("JPEG"))

    result = await resolve(hass, str(allowed_dir / "front.png"))
    assert result.path == allowed_dir / "front.png"
    assert result.content_type == "image/png"
    assert result.filename == "front.png"
    assert result.data is None

    result = await resolve(hass, f"  {allowed_dir / 'photo.png'}  ")
    assert result.content_type == "image/jpeg"

    # A media selector's value names the file too.
    result = await resolve(
        hass,
        {"media_content_id": str(allowed_dir / "front.png"), "media_content_type": ""},
    )
    assert result.path == allowed_dir / "front.png"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "BMP", "TIFF"])
async def test_other_image_types(
    hass: HomeAssistant, allowed_dir: Path, fmt: str
) -> None:
    (allowed_dir / "image").write_bytes(image_bytes(fmt))
    result = await resolve(hass, str(allowed_dir / "image"))
    assert result.content_type == f"image/{fmt.lower()}"


async def test_relative_and_local_paths(hass: HomeAssistant, tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "www" / "cams").mkdir(parents=True)
    (config / "pics").mkdir()
    (config / "www" / "cams" / "door.png").write_bytes(image_bytes())
    (config / "pics" / "a.gif").write_bytes(image_bytes("GIF"))
    (config / "secret.png").write_bytes(image_bytes())
    hass.config.config_dir = str(config)
    hass.config.allowlist_external_dirs = {str(config / "www"), str(config / "pics")}

    for source in (
        "local/cams/door.png",
        "/local/cams/door.png",
        "/local//cams/door.png",
    ):
        result = await resolve(hass, source)
        assert result.path == config / "www" / "cams" / "door.png"
    result = await resolve(hass, "pics/a.gif")
    assert result.path == config / "pics" / "a.gif"
    assert result.content_type == "image/gif"

    await refused(hass, "local/../secret.png", "attachment_path_not_allowed")
    await refused(hass, "secret.png", "attachment_path_not_allowed")
    await refused(hass, "local/missing.png", "attachment_file_not_found")


async def test_path_outside_allow_list(
    hass: HomeAssistant, allowed_dir: Path, outside_dir: Path
) -> None:
    err = await refused(
        hass, str(outside_dir / "secret.png"), "attachment_path_not_allowed"
    )
    assert err.translation_placeholders == {"path": str(outside_dir / "secret.png")}
    # Whether a file outside exists is not revealed.
    await refused(hass, str(outside_dir / "none.png"), "attachment_path_not_allowed")
    await refused(hass, "/etc/passwd", "attachment_path_not_allowed")


async def test_dot_dot_traversal(
    hass: HomeAssistant, allowed_dir: Path, outside_dir: Path
) -> None:
    source = f"{allowed_dir}/../outside/secret.png"
    await refused(hass, source, "attachment_path_not_allowed")
    await refused(
        hass,
        f"{allowed_dir}/../../../../../../etc/passwd",
        "attachment_path_not_allowed",
    )


async def test_symlinks_resolved_before_checking(
    hass: HomeAssistant, allowed_dir: Path, outside_dir: Path
) -> None:
    (allowed_dir / "escape.png").symlink_to(outside_dir / "secret.png")
    (allowed_dir / "escape_dir").symlink_to(outside_dir, target_is_directory=True)
    await refused(hass, str(allowed_dir / "escape.png"), "attachment_path_not_allowed")
    await refused(
        hass,
        str(allowed_dir / "escape_dir" / "secret.png"),
        "attachment_path_not_allowed",
    )

    # A link that stays inside is followed; the attachment is the real file.
    (allowed_dir / "real.png").write_bytes(image_bytes())
    (allowed_dir / "alias.png").symlink_to(allowed_dir / "real.png")
    result = await resolve(hass, str(allowed_dir / "alias.png"))
    assert result.path == allowed_dir / "real.png"


async def test_not_regular_files(hass: HomeAssistant, allowed_dir: Path) -> None:
    (allowed_dir / "folder.png").mkdir()
    os.mkfifo(allowed_dir / "pipe.png")
    await refused(hass, str(allowed_dir / "folder.png"), "attachment_not_a_file")
    await refused(hass, str(allowed_dir / "pipe.png"), "attachment_not_a_file")

    # /proc files claim to be regular and empty; /dev/zero never ends.
    hass.config.allowlist_external_dirs = {str(allowed_dir), "/proc", "/dev", "/sys"}
    await refused(hass, "/proc/self/status", "attachment_not_a_file")
    await refused(hass, "/dev/zero", "attachment_not_a_file")


async def test_file_swapped_after_the_check(
    hass: HomeAssistant, allowed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opened descriptor is checked again: no race with a swapped file."""
    (allowed_dir / "swap.png").write_bytes(image_bytes())
    fifo = os.stat_result((stat.S_IFIFO | 0o644, 0, 0, 1, 0, 0, 0, 0, 0, 0))
    monkeypatch.setattr(attachments.os, "fstat", lambda _fd: fifo)
    await refused(hass, str(allowed_dir / "swap.png"), "attachment_not_a_file")


async def test_missing_and_unreadable(hass: HomeAssistant, allowed_dir: Path) -> None:
    await refused(hass, str(allowed_dir / "none.png"), "attachment_file_not_found")
    await refused(hass, str(allowed_dir / "no\0ne.png"), "attachment_path_not_allowed")
    (allowed_dir / "loop.png").symlink_to(allowed_dir / "loop.png")
    with pytest.raises(ServiceValidationError):
        await resolve(hass, str(allowed_dir / "loop.png"))


async def test_not_an_image(hass: HomeAssistant, allowed_dir: Path) -> None:
    (allowed_dir / "notes.png").write_text("not an image at all\n")
    (allowed_dir / "empty.jpg").write_bytes(b"")
    # An image type Pushover does not show.
    (allowed_dir / "icon.png").write_bytes(image_bytes("ICO"))
    for name in ("notes.png", "empty.jpg", "icon.png"):
        err = await refused(hass, str(allowed_dir / name), "attachment_not_image")
        assert err.translation_placeholders == {"source": str(allowed_dir / name)}


async def test_oversized_png_is_reencoded(
    hass: HomeAssistant, allowed_dir: Path
) -> None:
    data = noise("PNG", 1400, compress_level=1)
    assert len(data) > MAX_ATTACHMENT_SIZE
    (allowed_dir / "big shot.png").write_bytes(data)

    result = await resolve(hass, str(allowed_dir / "big shot.png"))
    assert result.content_type == "image/jpeg"
    assert result.filename == "big_shot.jpg"
    assert result.data is not None
    assert len(result.data) <= MAX_ATTACHMENT_SIZE
    image = decoded(result)
    assert image.format == "JPEG"
    assert image.size == (1400, 1400)


async def test_oversized_jpeg_is_reencoded(
    hass: HomeAssistant, allowed_dir: Path
) -> None:
    data = noise("JPEG", 1700, quality=100)
    assert len(data) > MAX_ATTACHMENT_SIZE
    (allowed_dir / "big.jpg").write_bytes(data)
    result = await resolve(hass, str(allowed_dir / "big.jpg"))
    assert result.data is not None
    assert len(result.data) <= MAX_ATTACHMENT_SIZE
    assert decoded(result).size == (1700, 1700)


async def test_oversized_file_beyond_read_cap(
    hass: HomeAssistant, allowed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sparse = allowed_dir / "huge.png"
    with sparse.open("wb") as file:
        file.truncate(MAX_ATTACHMENT_SIZE + 4096)
    # Read (it is under the cap) but not an image.
    await refused(hass, str(sparse), "attachment_not_image")

    monkeypatch.setattr(attachments, "MAX_LOCAL_READ", MAX_ATTACHMENT_SIZE + 1024)
    err = await refused(hass, str(sparse), "attachment_read_limit")
    assert err.translation_placeholders == {"source": str(sparse), "limit": "5.00098"}


def test_reencode_downscales_keeping_aspect_ratio() -> None:
    image = Image.frombytes("RGB", (300, 150), os.urandom(300 * 150 * 3))
    data = attachments._reencode(image, "label", 6000)
    assert len(data) <= 6000
    result = Image.open(BytesIO(data))
    assert result.format == "JPEG"
    width, height = result.size
    assert width < 300
    assert abs(width / height - 2) < 0.05


def test_reencode_flattens_transparency() -> None:
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    result = Image.open(BytesIO(attachments._reencode(image, "label", 10_000)))
    assert result.mode == "RGB"
    assert result.getpixel((5, 5)) == (255, 255, 255)
    palette = Image.new("P", (40, 40))
    palette.info["transparency"] = 0
    assert attachments._reencode(palette, "label", 10_000)


def test_reencode_gives_up() -> None:
    image = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    with pytest.raises(ServiceValidationError) as info:
        attachments._reencode(image, "label", 10)
    assert info.value.translation_key == "attachment_cannot_shrink"


def test_reencode_truncated_image() -> None:
    data = noise("PNG", 64)
    image = Image.open(BytesIO(data[: len(data) // 2]))
    with pytest.raises(ServiceValidationError) as info:
        attachments._reencode(image, "label", 10_000)
    assert info.value.translation_key == "attachment_not_image"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_decompression_bomb(
    hass: HomeAssistant, allowed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    # Over the limit (Pillow only warns) and over twice the limit (Pillow raises).
    (allowed_dir / "warn.png").write_bytes(image_bytes(size=(40, 40)))
    (allowed_dir / "bomb.png").write_bytes(image_bytes(size=(100, 100)))
    (allowed_dir / "fine.png").write_bytes(image_bytes(size=(30, 30)))
    await refused(hass, str(allowed_dir / "warn.png"), "attachment_too_many_pixels")
    await refused(hass, str(allowed_dir / "bomb.png"), "attachment_too_many_pixels")
    assert await resolve(hass, str(allowed_dir / "fine.png"))


async def test_invalid_sources(hass: HomeAssistant) -> None:
    for source in ("", "   ", {"media_content_type": "image/png"}, {}, 42, None):
        await refused(hass, source, "attachment_invalid_source")


# Camera and image entities ---------------------------------------------------


@pytest.mark.usefixtures("cameras")
async def test_camera(hass: HomeAssistant) -> None:
    result = await resolve(hass, "camera.front")
    assert result.content_type == "image/jpeg"
    assert result.filename == "camera_front.jpg"
    assert decoded(result).size == (32, 24)

    # The camera media source is the same camera.
    result = await resolve(hass, "media-source://camera/camera.front")
    assert result.content_type == "image/jpeg"

    err = await refused(hass, "camera.nope", "attachment_unknown_entity")
    assert err.translation_placeholders == {"entity_id": "camera.nope"}
    await failed(hass, "camera.broken", "attachment_entity_failed")
    await refused(hass, "camera.text", "attachment_not_image")


@pytest.mark.usefixtures("cameras", "images")
async def test_home_assistant_proxy_paths(hass: HomeAssistant) -> None:
    """The companion app's image paths name the same entities."""
    camera = await resolve(hass, "/api/camera_proxy/camera.front?token=abc")
    assert camera.data == (await resolve(hass, "camera.front")).data
    image = await resolve(hass, "/api/image_proxy/image.plan")
    assert image.filename == "image_plan.png"
    await refused(hass, "/api/camera_proxy/camera.nope", "attachment_unknown_entity")


@pytest.mark.usefixtures("images")
async def test_image_entity(hass: HomeAssistant) -> None:
    result = await resolve(hass, "image.plan")
    assert result.content_type == "image/png"
    assert result.filename == "image_plan.png"
    assert decoded(result).size == (20, 10)
    assert (await resolve(hass, "media-source://image/image.plan")).data == result.data

    await refused(hass, "image.nope", "attachment_unknown_entity")
    await failed(hass, "image.empty", "attachment_entity_failed")


async def test_entity_without_its_component(hass: HomeAssistant) -> None:
    """A state set by hand is not an entity whose image can be asked for."""
    hass.states.async_set("camera.ghost", "idle")
    hass.states.async_set("image.ghost", "2024-01-01")
    await failed(hass, "camera.ghost", "attachment_entity_failed")
    await failed(hass, "image.ghost", "attachment_entity_failed")


# Media sources ----------------------------------------------------------------


@pytest.fixture
async def media_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Set up media_source with a local media folder NOT on the allow-list."""
    media = tmp_path / "media"
    media.mkdir()
    hass.config.media_dirs = {"local": str(media)}
    hass.config.allowlist_external_dirs = set()
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()
    return media


async def test_media_source_local_file(
    hass: HomeAssistant, media_dir: Path, outside_dir: Path
) -> None:
    (media_dir / "snaps").mkdir()
    (media_dir / "snaps" / "door.png").write_bytes(image_bytes())
    (media_dir / "notes.jpg").write_text("text")
    (media_dir / "escape.png").symlink_to(outside_dir / "secret.png")

    result = await resolve(
        hass,
        {
            "media_content_id": "media-source://media_source/local/snaps/door.png",
            "media_content_type": "image/png",
        },
    )
    assert result.path == media_dir / "snaps" / "door.png"
    assert result.content_type == "image/png"

    prefix = "media-source://media_source/local/"
    await refused(hass, f"{prefix}notes.jpg", "attachment_not_image")
    await refused(hass, f"{prefix}none.png", "attachment_file_not_found")
    (media_dir / "album.png").mkdir()
    await refused(hass, f"{prefix}album.png", "attachment_not_a_file")
    # Home Assistant cannot resolve a media file without a known suffix.
    await refused(hass, f"{prefix}snaps", "attachment_media_unresolvable")
    await refused(hass, f"{prefix}escape.png", "attachment_path_not_allowed")
    await refused(
        hass, f"{prefix}../outside/secret.png", "attachment_media_unresolvable"
    )
    await refused(
        hass,
        "media-source://media_source/nowhere/x.png",
        "attachment_media_unresolvable",
    )
    await refused(hass, "media-source://nope/x.png", "attachment_media_unresolvable")


async def test_media_url_path_is_the_local_media_source(
    hass: HomeAssistant, media_dir: Path
) -> None:
    (media_dir / "door.png").write_bytes(image_bytes())
    result = await resolve(hass, "/media/local/door.png")
    assert result.path == media_dir / "door.png"


async def test_media_source_not_local(
    hass: HomeAssistant, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def resolve_to_url(*_args: Any) -> media_source.PlayMedia:
        return media_source.PlayMedia("/api/tts_proxy/abc.png", "image/png")

    monkeypatch.setattr(media_source, "async_resolve_media", resolve_to_url)
    err = await refused(hass, "media-source://tts/x", "attachment_media_not_local")
    assert err.translation_placeholders == {"media_id": "media-source://tts/x"}


async def test_media_source_not_loaded(hass: HomeAssistant) -> None:
    await refused(
        hass, "media-source://media_source/local/a.png", "attachment_media_unresolvable"
    )


# URLs ---------------------------------------------------------------------


@dataclass
class ImageServer:
    """A tiny HTTP server on 127.0.0.1 and the paths it was asked for."""

    port: int = 0
    requests: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        """Return the URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[ImageServer]:
    """Serve images, redirects and misbehaving bodies over loopback."""
    state = ImageServer()
    png = image_bytes("PNG", (12, 9))

    @web.middleware
    async def record(
        request: web.Request,
        handler: Callable[[web.Request], Any],
    ) -> web.StreamResponse:
        state.requests.append(request.path)
        response: web.StreamResponse = await handler(request)
        return response

    def redirect(location: str) -> Callable[[web.Request], Any]:
        async def handler(_request: web.Request) -> web.Response:
            return web.Response(status=302, headers={"Location": location})

        return handler

    async def image(_request: web.Request) -> web.Response:
        return web.Response(body=png, content_type="application/octet-stream")

    async def text(_request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def big(_request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000)

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(png[:10])
        await state.release.wait()
        return response

    async def no_location(_request: web.Request) -> web.Response:
        return web.Response(status=301)

    app = web.Application(middlewares=[record])
    app.router.add_get("/img.png", image)
    app.router.add_get("/text", text)
    app.router.add_get("/big", big)
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/slow", slow)
    app.router.add_get("/no-location", no_location)
    app.router.add_get("/to-image", redirect("/img.png?token=abc"))
    app.router.add_get("/to-localhost", redirect("http://localhost/img.png"))
    app.router.add_get("/to-ftp", redirect("ftp://127.0.0.1/img.png"))
    app.router.add_get("/to-bad", redirect("http://[bad"))
    app.router.add_get("/loop", redirect("/loop"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = runner.addresses[0][1]
    yield state
    state.release.set()
    await runner.cleanup()


LOOPBACK = ("127.0.0.1",)


async def test_url_from_allowed_host(hass: HomeAssistant, server: ImageServer) -> None:
    result = await resolve(hass, server.url("/img.png?token=abc"), LOOPBACK)
    assert result.content_type == "image/png"
    assert result.filename == "img.png"
    assert decoded(result).size == (12, 9)
    # A redirect to the same host is followed.
    result = await resolve(hass, server.url("/to-image"), LOOPBACK)
    assert decoded(result).size == (12, 9)
    assert server.requests == ["/img.png", "/to-image", "/img.png"]


async def test_url_host_not_allowed(hass: HomeAssistant, server: ImageServer) -> None:
    url = server.url("/img.png")
    err = await refused(hass, url, "attachment_host_not_allowed", ("example.com",))
    assert err.translation_placeholders == {"host": "127.0.0.1"}
    await refused(hass, url, "attachment_host_not_allowed")
    # A port in the allow-list is not a host name and matches nothing.
    await refused(
        hass, url, "attachment_host_not_allowed", (f"127.0.0.1:{server.port}", "")
    )
    assert server.requests == []


async def test_url_host_matching() -> None:
    """Case is ignored; user info, fragments and trailing dots fool nothing."""
    allowed = attachments._normalize_hosts(["Example.COM", " bücher.de ", "a b", ""])
    assert allowed == {"example.com", "xn--bcher-kva.de"}


async def test_url_host_tricks(hass: HomeAssistant) -> None:
    allowed = ("example.com",)
    for url, host in (
        ("http://example.com:80@evil.test/a.png", "evil.test"),
        ("http://evil.test#example.com", "evil.test"),
        ("http://example.com./a.png", "example.com."),
        ("https://example.com.evil.test/", "example.com.evil.test"),
    ):
        err = await refused(hass, url, "attachment_host_not_allowed", allowed)
        assert err.translation_placeholders == {"host": host}
    # Allowed whatever the case; the port is no part of the match.
    assert await refused(
        hass, "HTTPS://EXAMPLE.com:1", "attachment_host_not_allowed", ()
    )
    # A backslash does not get past the parser either.
    await refused(
        hass, "http://evil.test\\@example.com/", "attachment_invalid_url", allowed
    )


async def test_url_redirects_checked(hass: HomeAssistant, server: ImageServer) -> None:
    err = await refused(
        hass, server.url("/to-localhost"), "attachment_host_not_allowed", LOOPBACK
    )
    assert err.translation_placeholders == {"host": "localhost"}
    await refused(
        hass, server.url("/to-ftp"), "attachment_scheme_not_allowed", LOOPBACK
    )
    assert server.requests == ["/to-localhost", "/to-ftp"]

    err = await failed(
        hass, server.url("/loop?token=abc"), "attachment_too_many_redirects", LOOPBACK
    )
    assert err.translation_placeholders == {"url": server.url("/loop"), "max": "3"}
    assert server.requests[2:] == ["/loop"] * 4

    await failed(
        hass, server.url("/no-location"), "attachment_download_failed", LOOPBACK
    )
    await failed(hass, server.url("/to-bad"), "attachment_download_failed", LOOPBACK)


async def test_url_bad_schemes(hass: HomeAssistant) -> None:
    for url, scheme in (
        ("file:///etc/passwd", "file"),
        ("FILE:///etc/passwd", "file"),
        ("javascript:alert(1)", "javascript"),
        ("ftp://example.com/a.png", "ftp"),
        ("data:image/png;base64,AAAA", "data"),
    ):
        err = await refused(
            hass, url, "attachment_scheme_not_allowed", ("example.com",)
        )
        assert err.translation_placeholders == {"scheme": scheme}
    await refused(hass, "http:///a.png", "attachment_invalid_url", ("example.com",))
    await refused(hass, "http://[bad/a.png", "attachment_invalid_url", ("example.com",))


async def test_url_http_error(hass: HomeAssistant, server: ImageServer) -> None:
    err = await failed(
        hass,
        server.url("/missing.png?token=secret#frag"),
        "attachment_download_failed",
        LOOPBACK,
    )
    assert err.translation_placeholders == {
        "url": server.url("/missing.png"),
        "error": "HTTP 404",
    }


async def test_url_connection_refused(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = await failed(
        hass, f"http://127.0.0.1:{port}/a.png", "attachment_download_failed", LOOPBACK
    )
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["error"] == "ClientConnectorError"


async def test_url_not_an_image(hass: HomeAssistant, server: ImageServer) -> None:
    await refused(hass, server.url("/text"), "attachment_not_image", LOOPBACK)


async def test_url_body_too_large(
    hass: HomeAssistant, server: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "MAX_DOWNLOAD_SIZE", 4096)
    # Refused from its Content-Length, and while reading a chunked body.
    for path in ("/big", "/chunked"):
        err = await refused(hass, server.url(path), "attachment_read_limit", LOOPBACK)
        assert err.translation_placeholders == {
            "source": server.url(path),
            "limit": "0.00390625",
        }


async def test_url_slow_body_times_out(
    hass: HomeAssistant, server: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "DOWNLOAD_TIMEOUT", 0.2)
    err = await failed(
        hass, server.url("/slow"), "attachment_download_timeout", LOOPBACK
    )
    assert err.translation_placeholders == {
        "url": server.url("/slow"),
        "timeout": "0.2",
    }
