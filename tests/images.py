"""Images, cameras and image entities for the attachment tests."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from homeassistant.components.camera import Camera
from homeassistant.components.image import ImageEntity
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), **kw: Any) -> bytes:
    """Return a small image encoded as ``fmt``."""
    buffer = BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, (200, 30, 30)).save(buffer, fmt, **kw)
    return buffer.getvalue()


class FakeCamera(Camera):
    """A camera returning fixed bytes."""

    def __init__(self, entity_id: str, content: bytes | None) -> None:
        super().__init__()
        self.entity_id = entity_id
        self._content = content

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        return self._content


class FakeImage(ImageEntity):
    """An image entity returning fixed bytes."""

    _attr_content_type = "image/png"

    def __init__(
        self, hass: HomeAssistant, entity_id: str, content: bytes | None
    ) -> None:
        super().__init__(hass)
        self.entity_id = entity_id
        self._content = content
        self._attr_image_last_updated = dt_util.utcnow()

    async def async_image(self) -> bytes | None:
        return self._content
