"""Chromium for the end-to-end tests: Debian's package, driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium, which
the tests install with apt-get when they run as root and it is missing.
"""

from __future__ import annotations

from collections.abc import Callable
import os
from pathlib import Path
import shutil
import subprocess
import time
from typing import NoReturn

from playwright.sync_api import Locator, Page, ViewportSize, expect
import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that reaches for the internet (this machine has none).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = ViewportSize(width=1280, height=900)
APT_TIMEOUT = 900
STEP_TIMEOUT_MS = 15_000
POLL_INTERVAL = 0.2


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        ["apt-get", *args],  # noqa: S607 - apt-get from PATH, as an admin would
        capture_output=True,
        text=True,
        check=False,
        timeout=APT_TIMEOUT,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def ensure_chromium() -> str | None:
    """Install Debian's chromium if missing and possible; return why not, or None.

    The machine's package lists may be missing or stale, so a failed install is
    retried once after ``apt-get update``.
    """
    if CHROMIUM.exists():
        return None
    if os.geteuid() != 0:
        return (
            f"{CHROMIUM} is missing and only root can install it "
            "(apt-get install chromium)"
        )
    if shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and there is no apt-get to install it"
    result = _apt_get("install", "-y", "-q", "chromium")
    if result.returncode != 0:
        _apt_get("update", "-q")
        result = _apt_get("install", "-y", "-q", "chromium")
    if CHROMIUM.exists():
        return None
    return f"apt-get install chromium failed: {result.stderr.strip()[-2000:]}"


class Steps:
    """Numbered screenshots of one test: ``NN-step.png`` in its artifact folder.

    Each check waits for what a step should show, then takes its screenshot; a
    step that does not show it fails the test with a screenshot of what it shows.
    """

    def __init__(self, page: Page, folder: Path) -> None:
        """Start numbering at 01."""
        self.page = page
        self.folder = folder
        self.taken: list[Path] = []

    def on(self, page: Page) -> Steps:
        """Return steps that take this test's next screenshots of another tab."""
        other = Steps(page, self.folder)
        other.taken = self.taken
        return other

    def shot(self, name: str) -> Path:
        """Take the next numbered screenshot of the whole page."""
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path

    def fail(self, name: str, reason: str) -> NoReturn:
        """Fail the test with a screenshot of what the page shows instead."""
        path = self.shot(f"{name}-failed")
        pytest.fail(f"step {name!r}: {reason}\nscreenshot: {path}", pytrace=False)

    def see(
        self, name: str, locator: Locator, timeout_ms: int = STEP_TIMEOUT_MS
    ) -> None:
        """Wait until locator is visible, then take the step's screenshot."""
        try:
            expect(locator).to_be_visible(timeout=timeout_ms)
        except AssertionError as err:
            self.fail(name, str(err))
        self.shot(name)

    def wait_until[T](
        self,
        name: str,
        probe: Callable[[], T | None],
        timeout_ms: int = STEP_TIMEOUT_MS,
    ) -> T:
        """Call probe until it returns something, then take the step's screenshot."""
        deadline = time.monotonic() + timeout_ms / 1000
        while (found := probe()) is None:
            if time.monotonic() > deadline:
                self.fail(name, f"nothing after {timeout_ms / 1000:.0f} s")
            time.sleep(POLL_INTERVAL)
        self.shot(name)
        return found
