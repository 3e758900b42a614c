"""Measuring instruments: event-loop lag, process memory, the test image."""

from __future__ import annotations

import asyncio
from io import BytesIO
import math
from pathlib import Path
import random
import re
import time
from types import TracebackType
from typing import Final, Self

from PIL import Image

PROBE_INTERVAL: Final = 0.001
_STATUS: Final = Path("/proc/self/status")
_CLEAR_REFS: Final = Path("/proc/self/clear_refs")


class LoopLagProbe:
    """Sleep 1 ms again and again on the loop; record how late each wake-up is.

    A wake-up late by more than the loop's own jitter means something held the
    loop: the longest lateness is the longest stall seen.
    """

    def __init__(self, interval: float = PROBE_INTERVAL) -> None:
        """Probe every ``interval`` seconds once entered."""
        self.interval = interval
        self.max_lag = 0.0
        self.wakeups = 0
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while self._running:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            lag = time.perf_counter() - start - self.interval
            self.wakeups += 1
            self.max_lag = max(self.max_lag, lag)

    async def __aenter__(self) -> Self:
        """Start probing (and let the probe reach its first sleep)."""
        self._running = True
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop probing after the current wake-up."""
        self._running = False
        if self._task is not None:
            await self._task


def _status_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"/proc/self/status has no {field}")
    return int(match.group(1))


def resident_bytes() -> int:
    """Return the process's resident set size now, in bytes (tiny, blocking)."""
    return _status_kib("VmRSS") * 1024


class RssPeak:
    """The growth of the process's peak resident set over a stretch of time.

    Linux resets the peak (VmHWM) to the current size when ``5`` is written to
    ``/proc/self/clear_refs``; growth is the new peak minus the size at start.
    Memory freed earlier and reused does not show, so this is a lower bound.
    """

    def __init__(self) -> None:
        """Read nothing until :meth:`start`."""
        self.start_kib = 0
        self.available = _CLEAR_REFS.exists()

    def start(self) -> None:
        """Reset the peak and remember the current size (blocking, tiny)."""
        if self.available:
            try:
                _CLEAR_REFS.write_text("5")
            except OSError:
                self.available = False
        self.start_kib = _status_kib("VmRSS")

    def growth(self) -> int | None:
        """Return the peak growth since :meth:`start` in bytes (None: unknown)."""
        if not self.available:
            return None
        return max(0, _status_kib("VmHWM") - self.start_kib) * 1024


def write_noise_jpeg(path: Path, target: int, seed: int = 8) -> int:
    """Write a JPEG of random noise (it does not compress) of about ``target`` bytes.

    Returns the file's size, between 95% and 100% of ``target``.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    bytes_per_pixel = 0.75
    for _attempt in range(8):
        side = int(math.sqrt(target / bytes_per_pixel))
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buffer = BytesIO()
        image.save(buffer, format="JPEG", quality=85)
        size = buffer.tell()
        if 0.95 * target <= size <= target:
            path.write_bytes(buffer.getvalue())
            return size
        bytes_per_pixel = size / (side * side) * (1.0 if size < target else 1.01)
    raise RuntimeError(f"could not make a JPEG of about {target} bytes")
