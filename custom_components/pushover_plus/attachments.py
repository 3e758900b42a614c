"""Turn the attachment a notification names into an image Pushover accepts.

The source is a local file, a ``camera.*`` or ``image.*`` entity, a
``media-source://`` ID or an http(s) URL from an allowed host. Whatever it is,
the result is checked to be an image by its content (not its name), and an
image over Pushover's limit is re-encoded as a smaller JPEG. Every refusal
raises: a message is never sent without the attachment it asked for.

``camera``, ``image`` and ``media_source`` are imported only after checking
that Home Assistant has set them up, so their (heavy) modules are already
loaded and importing them never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from io import BytesIO
import os
from pathlib import Path, PurePosixPath
import re
import stat
from typing import IO, Any, Final

import aiohttp
from homeassistant.core import HomeAssistant, valid_entity_id
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from PIL import Image, ImageOps
from yarl import URL

from .api import MAX_ATTACHMENT_SIZE, Attachment
from .errors import failed, invalid

#: Total time for downloading a URL attachment, redirects included (seconds).
DOWNLOAD_TIMEOUT: float = 15.0
#: Most bytes downloaded from a URL; a bigger body is refused.
MAX_DOWNLOAD_SIZE: int = 20 * 1024 * 1024
#: Most bytes read from a local file that needs re-encoding; bigger is refused.
MAX_LOCAL_READ: int = 50 * 1024 * 1024
#: Redirects followed when downloading a URL, each one checked again.
MAX_REDIRECTS: int = 3
#: Time a camera or image entity gets to return its image (seconds).
ENTITY_TIMEOUT: int = 10

_MEDIA_SOURCE_PREFIX: Final = "media-source://"
_ENTITY_DOMAINS: Final = ("camera", "image")
_HTTP_SCHEMES: Final = ("http", "https")
# At least two letters, so that nothing like a drive letter passes for a scheme.
_SCHEME_RE: Final = re.compile(r"^([a-z][a-z0-9+.\-]+):", re.IGNORECASE)
#: Home Assistant's own image URLs, as the companion app's ``image`` key takes
#: them: the entity's current image, read directly rather than over HTTP.
_PROXY_PATH_RE: Final = re.compile(
    r"^/api/(?:camera|image)_proxy/((?:camera|image)\.[a-z0-9_]+)(?:\?.*)?$"
)
#: Home Assistant's URL of a local media file, as media source ID.
_LOCAL_MEDIA_PREFIX: Final = "/media/local/"
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE: Final = 64 * 1024
# Pseudo file systems: their "regular" files lie about their size or never end.
_PSEUDO_FS: Final = (
    PurePosixPath("/proc"),
    PurePosixPath("/sys"),
    PurePosixPath("/dev"),
)

# Pillow format -> (MIME type, file name suffix) of the images Pushover shows.
# Only these decoders are tried, which also keeps exotic parsers away (the JPEG
# opener returns multi-picture JPEGs as "MPO").
_IMAGE_FORMATS: Final = {
    "JPEG": ("image/jpeg", ".jpg"),
    "MPO": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "GIF": ("image/gif", ".gif"),
    "WEBP": ("image/webp", ".webp"),
    "BMP": ("image/bmp", ".bmp"),
    "TIFF": ("image/tiff", ".tiff"),
}
_PIL_FORMATS: Final = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_JPEG_QUALITIES: Final = (85, 75, 65, 55, 45)
_DOWNSCALE_QUALITY: Final = 70
_DOWNSCALE_STEP: Final = 0.75
#: Downscaling stops when the longer side would drop below this many pixels.
_MIN_SIDE: Final = 16
_UNSAFE_FILENAME_CHARS: Final = re.compile(r"[^A-Za-z0-9._-]+")


def _megabytes(size: int) -> str:
    """Format a byte count as MB for a message."""
    return f"{size / (1024 * 1024):g}"


async def async_resolve_attachment(
    hass: HomeAssistant,
    source: str | Mapping[str, Any],
    *,
    allowed_hosts: Sequence[str],
) -> Attachment:
    """Return the attachment ``source`` names, or raise why it cannot be sent.

    ``source`` is a path, a camera or image entity ID, a ``media-source://`` ID,
    an http(s) URL, or a media selector's value (its ``media_content_id`` is
    used). Home Assistant's own paths that the companion app takes
    (``/api/camera_proxy/camera.x``, ``/api/image_proxy/image.x``,
    ``/media/local/...``) name the same entities and media. URLs are
    downloaded only from ``allowed_hosts``. Raises ServiceValidationError for a
    source that is not allowed or not an image, HomeAssistantError when
    fetching it fails.
    """
    value: object = (
        source.get("media_content_id") if isinstance(source, Mapping) else source
    )
    if not isinstance(value, str) or not (source := value.strip()):
        raise invalid("attachment_invalid_source")

    if source.startswith(_LOCAL_MEDIA_PREFIX):
        source = source.replace("/media/", f"{_MEDIA_SOURCE_PREFIX}media_source/", 1)
    if source.startswith(_MEDIA_SOURCE_PREFIX):
        return await _async_from_media_source(hass, source)
    if proxy := _PROXY_PATH_RE.match(source):
        return await _async_from_entity(hass, proxy.group(1))
    if match := _SCHEME_RE.match(source):
        if (scheme := match.group(1).lower()) not in _HTTP_SCHEMES:
            raise invalid("attachment_scheme_not_allowed", scheme=scheme)
        return await _async_from_url(hass, source, allowed_hosts)
    # A file named like an entity ID ("camera.jpg") is reached as "./camera.jpg".
    if source.partition(".")[0] in _ENTITY_DOMAINS and valid_entity_id(source):
        return await _async_from_entity(hass, source)
    return await hass.async_add_executor_job(
        _load_local_file, hass, _expand_path(hass, source), ()
    )


# Local files ---------------------------------------------------------------


def _expand_path(hass: HomeAssistant, source: str) -> str:
    """Return ``source`` as an absolute path (``local/`` means ``<config>/www/``)."""
    without_slash = source.removeprefix("/")
    if without_slash.startswith("local/"):
        rest = without_slash.removeprefix("local/").lstrip("/")
        return str(Path(hass.config.config_dir, "www", rest))
    return str(Path(hass.config.config_dir, source))


def _is_allowed(hass: HomeAssistant, resolved: str, roots: Iterable[str]) -> bool:
    """Return whether Home Assistant may read the resolved path (blocking)."""
    if hass.config.is_allowed_path(resolved):
        return True
    return any(Path(resolved).is_relative_to(os.path.realpath(root)) for root in roots)


def _load_local_file(
    hass: HomeAssistant, path: str, extra_roots: Iterable[str]
) -> Attachment:
    """Check the image file at ``path`` and return it as an attachment (blocking).

    ``extra_roots`` are folders allowed besides Home Assistant's allow-list
    (the media folders, for media-source files).
    """
    try:
        resolved = os.path.realpath(path)
    except ValueError as err:  # a NUL character
        raise invalid("attachment_path_not_allowed", path=path) from err
    # Symlinks and ".." are resolved first: the real file must be allowed.
    if not _is_allowed(hass, resolved, extra_roots):
        raise invalid("attachment_path_not_allowed", path=path)
    if any(PurePosixPath(resolved).is_relative_to(fs) for fs in _PSEUDO_FS):
        raise invalid("attachment_not_a_file", path=path)
    try:
        if not stat.S_ISREG(Path(resolved).stat().st_mode):
            raise invalid("attachment_not_a_file", path=path)
        # Non-blocking, so that a file swapped for a FIFO cannot hang the open;
        # the descriptor is checked again below.
        descriptor = os.open(
            resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
        )
    except OSError as err:
        raise invalid("attachment_file_not_found", path=path) from err

    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise invalid("attachment_not_a_file", path=path)
        if info.st_size <= MAX_ATTACHMENT_SIZE:
            with _open_image(file, path) as image:
                content_type = _IMAGE_FORMATS[str(image.format)][0]
            # The client streams the file and checks its size again when sending.
            return Attachment.from_path(resolved, content_type=content_type)
        # Too big to send as it is: read it (never more than the cap) and shrink.
        if (
            info.st_size > MAX_LOCAL_READ
            or len(data := file.read(MAX_LOCAL_READ + 1)) > MAX_LOCAL_READ
        ):
            raise invalid(
                "attachment_read_limit", source=path, limit=_megabytes(MAX_LOCAL_READ)
            )
    return _attachment_from_bytes(data, Path(resolved).name, path)


# Images --------------------------------------------------------------------


def _open_image(file: IO[bytes], label: str) -> Image.Image:
    """Identify the image in ``file`` by its content, refusing decompression bombs."""
    try:
        image = Image.open(file, formats=_PIL_FORMATS)
    except Image.DecompressionBombError as err:
        raise invalid("attachment_too_many_pixels", source=label) from err
    except Exception as err:  # Pillow raises many types for malformed input
        raise invalid("attachment_not_image", source=label) from err
    width, height = image.size
    if Image.MAX_IMAGE_PIXELS is not None and width * height > Image.MAX_IMAGE_PIXELS:
        image.close()
        raise invalid("attachment_too_many_pixels", source=label)
    return image


def _filename(name: str, suffix: str) -> str:
    """Return a plain file name with ``name``'s stem and ``suffix``."""
    stem = _UNSAFE_FILENAME_CHARS.sub("_", PurePosixPath(name).stem)[:64].strip("._")
    return f"{stem or 'image'}{suffix}"


def _attachment_from_bytes(data: bytes, name: str, label: str) -> Attachment:
    """Return ``data`` as an image attachment, re-encoded when too big (blocking)."""
    with _open_image(BytesIO(data), label) as image:
        content_type, suffix = _IMAGE_FORMATS[str(image.format)]
        if len(data) <= MAX_ATTACHMENT_SIZE:
            return Attachment.from_bytes(
                data, filename=_filename(name, suffix), content_type=content_type
            )
        encoded = _reencode(image, label, MAX_ATTACHMENT_SIZE)
    return Attachment.from_bytes(
        encoded, filename=_filename(name, ".jpg"), content_type="image/jpeg"
    )


def _flatten(image: Image.Image) -> Image.Image:
    """Return ``image`` as RGB, transparent parts on white."""
    if image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """Encode ``image`` as a JPEG."""
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _reencode(image: Image.Image, label: str, limit: int) -> bytes:
    """Return ``image`` as a JPEG of at most ``limit`` bytes (blocking).

    Lowers the quality first, then scales the image down step by step, keeping
    its aspect ratio.
    """
    try:
        image.load()
        rgb = _flatten(ImageOps.exif_transpose(image))
    except Exception as err:  # truncated or corrupt image data
        raise invalid("attachment_not_image", source=label) from err
    for quality in _JPEG_QUALITIES:
        if len(encoded := _jpeg(rgb, quality)) <= limit:
            return encoded
    width, height = rgb.size
    scale = 1.0
    while True:
        scale *= _DOWNSCALE_STEP
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if max(size) < _MIN_SIDE:
            raise invalid("attachment_cannot_shrink", source=label)
        resized = rgb.resize(size, Image.Resampling.LANCZOS)
        if len(encoded := _jpeg(resized, _DOWNSCALE_QUALITY)) <= limit:
            return encoded


# Entities and media sources ------------------------------------------------


async def _async_from_entity(hass: HomeAssistant, entity_id: str) -> Attachment:
    """Return the current image of a camera or image entity."""
    domain = entity_id.partition(".")[0]
    if hass.states.get(entity_id) is None:
        raise invalid("attachment_unknown_entity", entity_id=entity_id)
    if domain not in hass.config.components:
        raise failed("attachment_entity_failed", entity_id=entity_id)
    # Imported here: loaded already, since the component is set up (see above).
    try:
        if domain == "camera":
            from homeassistant.components import camera  # noqa: PLC0415

            content = (
                await camera.async_get_image(hass, entity_id, timeout=ENTITY_TIMEOUT)
            ).content
        else:
            from homeassistant.components import image  # noqa: PLC0415

            content = (
                await image.async_get_image(hass, entity_id, timeout=ENTITY_TIMEOUT)
            ).content
    except HomeAssistantError as err:
        raise failed("attachment_entity_failed", entity_id=entity_id) from err
    return await hass.async_add_executor_job(
        _attachment_from_bytes, content, entity_id.replace(".", "_"), entity_id
    )


async def _async_from_media_source(hass: HomeAssistant, media_id: str) -> Attachment:
    """Return the media a ``media-source://`` ID names, when it is a local file.

    Camera and image media go straight to their entity. Other media resolving
    to a URL only (not a file) are refused: such URLs are Home Assistant's own
    signed API paths or remote streams, not images to download.
    """
    domain, _, identifier = media_id.removeprefix(_MEDIA_SOURCE_PREFIX).partition("/")
    if (
        domain in _ENTITY_DOMAINS
        and identifier.startswith(f"{domain}.")
        and valid_entity_id(identifier)
    ):
        return await _async_from_entity(hass, identifier)
    if "media_source" not in hass.config.components:
        raise invalid("attachment_media_unresolvable", media_id=media_id)
    from homeassistant.components import media_source  # noqa: PLC0415

    try:
        media = await media_source.async_resolve_media(hass, media_id, None)
    except (HomeAssistantError, ValueError, AssertionError) as err:
        # The local source asserts that a file's name has a known MIME type.
        raise invalid("attachment_media_unresolvable", media_id=media_id) from err
    if media.path is None:
        raise invalid("attachment_media_not_local", media_id=media_id)
    return await hass.async_add_executor_job(
        _load_local_file,
        hass,
        str(media.path),
        tuple(hass.config.media_dirs.values()),
    )


# URLs ----------------------------------------------------------------------


def _normalize_hosts(hosts: Iterable[str]) -> frozenset[str]:
    """Return the allowed host names as URLs spell them (lower case, IDNA)."""
    normalized = set()
    for host in hosts:
        try:
            raw_host = URL.build(scheme="http", host=host.strip()).raw_host
        except ValueError:  # "host:port" and other non-hosts never match
            continue
        if raw_host:
            normalized.add(raw_host.lower())
    return frozenset(normalized)


def _safe_url(url: URL) -> str:
    """Return ``url`` for messages: no credentials, query or fragment."""
    return str(url.with_user(None).with_query(None).with_fragment(None))


def _check_url(url: URL, allowed_hosts: frozenset[str]) -> None:
    """Refuse ``url`` unless it is http(s) on an allowed host."""
    if url.scheme not in _HTTP_SCHEMES:
        raise invalid("attachment_scheme_not_allowed", scheme=url.scheme)
    if not url.absolute or not url.raw_host:
        raise invalid("attachment_invalid_url")
    if url.raw_host.lower() not in allowed_hosts:
        raise invalid("attachment_host_not_allowed", host=url.raw_host.lower())


async def _async_from_url(
    hass: HomeAssistant, source: str, allowed_hosts: Iterable[str]
) -> Attachment:
    """Download the image at the http(s) URL ``source``."""
    try:
        url = URL(source)
    except ValueError as err:
        raise invalid("attachment_invalid_url") from err
    allowed = _normalize_hosts(allowed_hosts)
    _check_url(url, allowed)
    shown = _safe_url(url)
    session = async_get_clientsession(hass)
    try:
        async with asyncio.timeout(DOWNLOAD_TIMEOUT):
            data = await _async_download(session, url, allowed, shown)
    except TimeoutError as err:
        raise failed(
            "attachment_download_timeout", url=shown, timeout=f"{DOWNLOAD_TIMEOUT:g}"
        ) from err
    except (aiohttp.ClientError, ValueError) as err:
        # The class name only: an exception's text may repeat the query string.
        raise failed(
            "attachment_download_failed", url=shown, error=type(err).__name__
        ) from err
    return await hass.async_add_executor_job(
        _attachment_from_bytes, data, PurePosixPath(url.path).name, shown
    )


async def _async_download(
    session: aiohttp.ClientSession, url: URL, allowed: frozenset[str], shown: str
) -> bytes:
    """Fetch ``url``, following redirects to allowed hosts only."""
    for _hop in range(MAX_REDIRECTS + 1):
        _check_url(url, allowed)
        async with session.get(url, allow_redirects=False) as response:
            if response.status in _REDIRECT_STATUSES:
                if not (location := response.headers.get(aiohttp.hdrs.LOCATION)):
                    raise failed(
                        "attachment_download_failed",
                        url=shown,
                        error=f"HTTP {response.status}",
                    )
                url = url.join(URL(location))
                continue
            if response.status != 200:
                raise failed(
                    "attachment_download_failed",
                    url=shown,
                    error=f"HTTP {response.status}",
                )
            return await _async_read_capped(response, shown)
    raise failed("attachment_too_many_redirects", url=shown, max=str(MAX_REDIRECTS))


async def _async_read_capped(response: aiohttp.ClientResponse, shown: str) -> bytes:
    """Return the response body, refusing it once past MAX_DOWNLOAD_SIZE."""
    too_large = invalid(
        "attachment_read_limit", source=shown, limit=_megabytes(MAX_DOWNLOAD_SIZE)
    )
    if (response.content_length or 0) > MAX_DOWNLOAD_SIZE:
        raise too_large
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK_SIZE):
        body += chunk
        if len(body) > MAX_DOWNLOAD_SIZE:
            raise too_large
    return bytes(body)
