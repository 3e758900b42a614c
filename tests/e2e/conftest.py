"""Fixtures of the end-to-end tests: processes, Chromium and screenshots.

The tests are plain synchronous functions: Home Assistant and the sandbox run
as subprocesses and Playwright's sync API drives Chromium, so no event loop of
the test process is involved. pytest-homeassistant-custom-component blocks
sockets in every test; these tests ask for its ``socket_enabled`` fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
import os
from pathlib import Path
import re
import shutil
import threading

from playwright.sync_api import Page, sync_playwright
import pytest

from .browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Steps, ensure_chromium
from .stack import ROOT, HomeAssistant, Sandbox, start_home_assistant, start_sandbox

ARTIFACTS = ROOT / "artifacts" / "e2e"
CALL_FAILED = pytest.StashKey[bool]()
THREAD_TIMEOUT = 30.0

# Playwright must never fetch a browser of its own: it uses Debian's Chromium.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test itself failed, for a last screenshot."""
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite's autouse fixture: these tests need no in-process hass."""


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Return Debian's Chromium, installed if missing; skip (fail on CI) if not."""
    problem = ensure_chromium()
    if problem is None:
        return CHROMIUM
    message = f"e2e tests need Chromium: {problem}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Return an empty artifacts/e2e/<test name>/ for screenshots and logs."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def sandbox(socket_enabled: None, artifacts: Path) -> Iterator[Sandbox]:
    """Run the Pushover sandbox as a subprocess."""
    with start_sandbox(artifacts) as running:
        yield running


@pytest.fixture
def home_assistant(
    socket_enabled: None, artifacts: Path, tmp_path: Path
) -> Iterator[HomeAssistant]:
    """Run a fresh, onboarded Home Assistant as a subprocess."""
    with start_home_assistant(artifacts, tmp_path / "config") as running:
        yield running


@pytest.fixture
def page(chromium: Path, tmp_path: Path) -> Iterator[Page]:
    """Return a page of a fresh headless Chromium (its own empty profile)."""
    threads_before = set(threading.enumerate())
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            locale="en-US",
            timezone_id="UTC",
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
    # Playwright's event loop closes without waiting for its executor's threads
    # (screenshots are written there); the suite fails a test that leaves any.
    for thread in set(threading.enumerate()) - threads_before:
        if thread.name.startswith("asyncio_"):
            thread.join(THREAD_TIMEOUT)


@pytest.fixture
def steps(
    request: pytest.FixtureRequest, page: Page, artifacts: Path
) -> Iterator[Steps]:
    """Return the test's screenshot taker; a failed test gets a last screenshot."""
    taker = Steps(page, artifacts)
    yield taker
    if request.node.stash.get(CALL_FAILED, False):
        taker.shot("at-failure")
