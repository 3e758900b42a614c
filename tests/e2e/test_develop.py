"""scripts/develop as a newcomer runs it: twice, each run ended with Ctrl-C.

The first run makes a fresh Home Assistant ready (owner, Pushover Plus entry,
demo camera, a picture in My media) and prints the banner; no repair but the
integration's own shows. In Chromium the demo camera is picked in the
attachment picker (My media shows the picture on the way), and its picture
arrives on the sandbox's page; "Add recipient" refuses the entry's own key on
its field, then takes the banner's second user key. Ctrl-C leaves
no process of the run behind, checked by PID. The second run starts Home
Assistant again on that configuration, onboarded by then (so /api/onboarding
answers 404), and prints the banner too. A run stopped while Home Assistant
still starts leaves nothing behind either. Screenshots go to
artifacts/e2e/<test name>/.
"""

from __future__ import annotations

from html import escape
import json
from pathlib import Path
import re
from typing import Any

from playwright.sync_api import Locator, Page
import pytest

from sandbox.demo import (
    ACTIONS_TOOL,
    CAMERA_IMAGE,
    CAMERA_NAME,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    RECIPIENT_ENTITY,
)
from sandbox.seed import DEMO_USER, OTHER_USER

from .browser import Steps
from .stack import (
    ROOT,
    Develop,
    HomeAssistant,
    Sandbox,
    free_port,
    is_running,
    start_develop,
)
from .ui import log_in, open_phone, received, type_action

pytestmark = pytest.mark.e2e

PICTURE_TITLE = "Front door"
PICTURE_YAML = f"""\
action: pushover_plus.send_message
target:
  entity_id: {RECIPIENT_ENTITY}
data:
  title: {PICTURE_TITLE}
  message: A picture from the demo camera
"""
OWN_DOMAIN = "pushover_plus"
RECIPIENT_NAME = "Second user"
ENGLISH = json.loads((ROOT / "translations" / "en.json").read_text(encoding="utf-8"))
DUPLICATE_KEY_ERROR = ENGLISH["config_subentries"]["recipient"]["error"][
    "already_configured"
]


def banner_value(banner: str, label: str) -> str:
    """Return the value of one line of the banner ("  Label:  value ...")."""
    match = re.search(rf"^  {label}:\s+(\S+)", banner, re.MULTILINE)
    assert match is not None, f"no {label!r} in the banner:\n{banner}"
    return match.group(1)


def stop(develop: Develop) -> int:
    """Press Ctrl-C; every process the run had must be gone, checked by PID.

    Returns the exit status of scripts/develop.
    """
    before = develop.processes()
    commands = " | ".join(before.values())
    assert develop.process.pid in before
    assert " -m sandbox " in commands
    assert "/hass --config " in commands
    status = develop.interrupt()
    session = develop.process.pid
    left = {pid: cmd for pid, cmd in before.items() if is_running(pid, session)}
    assert not left, f"still running after Ctrl-C: {left}"
    assert not develop.processes(), "a process of the run was left behind"
    return status


def running(develop: Develop, url: str) -> HomeAssistant:
    """Log in as the demo user; wait until Home Assistant has started."""
    hass = HomeAssistant(url, develop.process, develop.log_file)
    hass.log_in(DEMO_USERNAME, DEMO_PASSWORD)
    hass.wait_until_running()
    return hass


def repairs(page: Page) -> list[dict[str, Any]]:
    """Return the repairs Home Assistant lists, asked through the frontend."""
    issues: list[dict[str, Any]] = page.evaluate(
        "async () => (await document.querySelector('home-assistant')"
        ".hass.callWS({type: 'repairs/list_issues'})).issues"
    )
    return issues


def show_banner(page: Page, steps: Steps, name: str, banner: str) -> None:
    """Show the banner as a terminal would, for a screenshot."""
    page.set_content(
        '<body style="margin:0;background:#1e1e1e;color:#e6e6e6">'
        '<pre style="font:14px/1.4 monospace;padding:16px;margin:0">'
        f"{escape(banner)}</pre></body>"
    )
    steps.see(name, page.get_by_text(banner.splitlines()[0]))


def pick_demo_camera(page: Page, steps: Steps) -> None:
    """In the action's form: Attachment > Image > Pick media > Camera > Demo camera.

    On the way, My media shows the demo's picture too.
    """
    type_action(page, steps, "picture", PICTURE_YAML)
    page.get_by_text("UI mode", exact=True).click()
    attachment = page.locator("ha-expansion-panel", has_text="Attachment").last
    attachment.get_by_text("Attachment").first.click()
    # The field is optional: its checkbox turns it on.
    attachment.locator("ha-checkbox").first.click()
    attachment.get_by_text("Pick media", exact=True).click()
    picker = page.locator("dialog-media-player-browse")
    steps.see("media-sources", picker.get_by_label("My media", exact=True))
    picker.get_by_label("My media", exact=True).click()
    steps.see("my-media", picker.get_by_label(CAMERA_IMAGE.name, exact=True))
    picker.get_by_role("button", name="Back").click()
    picker.get_by_label("Camera", exact=True).click()
    steps.see("camera-source", picker.get_by_label(CAMERA_NAME, exact=True))
    picker.get_by_label(CAMERA_NAME, exact=True).click()
    steps.see("camera-picked", attachment.get_by_text(CAMERA_NAME, exact=True))


def send_demo_camera_picture(
    page: Page, steps: Steps, url: str, sandbox: Sandbox
) -> None:
    """Pick the demo camera in the attachment picker; see its picture arrive."""
    log_in(page, steps, url, DEMO_USERNAME, DEMO_PASSWORD, DEMO_NAME)
    assert [i for i in repairs(page) if i["domain"] != OWN_DOMAIN] == []
    pick_demo_camera(page, steps)
    page.get_by_role("button", name="Perform action").click()
    message = steps.wait_until("performed", lambda: received(sandbox, PICTURE_TITLE))
    assert message["user"] == DEMO_USER
    assert message["attachment"]["content_type"] == "image/jpeg"
    assert message["attachment"]["size"] == CAMERA_IMAGE.stat().st_size

    phone = open_phone(page, sandbox.base_url)
    picture = phone.locator(f"#message-{message['id']} img")
    steps.on(phone).see("picture-at-the-sandbox", picture)
    assert picture.evaluate("img => img.naturalWidth") == 640


def top(locator: Locator) -> float:
    """Return where on the page the element begins, from the top."""
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


def add_second_recipient(page: Page, steps: Steps, url: str, key: str) -> None:
    """Add recipient: the entry's own key first, then the banner's second key.

    The key the entry has is refused on its field, under the name typed.
    """
    page.goto(f"{url}/config/integrations/integration/{OWN_DOMAIN}")
    page.get_by_role("button", name="Add recipient").click()
    flow = page.locator("dialog-data-entry-flow")
    name = flow.get_by_role("textbox", name="Name")
    key_field = flow.get_by_role("textbox", name="User or group key")
    steps.see("add-recipient", key_field)
    name.fill(RECIPIENT_NAME)
    key_field.fill(DEMO_USER)
    flow.get_by_role("button", name="Submit").click()
    error = flow.get_by_text(DUPLICATE_KEY_ERROR)
    steps.see("duplicate-key", error)
    assert name.input_value() == RECIPIENT_NAME
    # On the key's field: between the name and the key, not above the form.
    tops = [top(locator) for locator in (name, error, key_field)]
    assert tops == sorted(tops)

    key_field.fill(key)
    flow.get_by_role("button", name="Submit").click()
    created = flow.get_by_text(f"Created configuration for {RECIPIENT_NAME}.")
    steps.see("recipient-added", created)
    flow.get_by_role("button", name="Finish").click()


def test_develop_starts_twice_and_stops_everything(
    socket_enabled: None, page: Page, steps: Steps, artifacts: Path, tmp_path: Path
) -> None:
    """A fresh demo, a picture from its camera, Ctrl-C, then a second start."""
    config_dir = tmp_path / "config"
    ports = (free_port(), free_port())
    with start_develop(artifacts / "develop-1.log", config_dir, *ports) as develop:
        banner = develop.wait_for_banner()
        assert "Log in as demo / demo (created just now)" in banner
        assert banner_value(banner, "Second user key") == OTHER_USER
        assert ACTIONS_TOOL in banner
        show_banner(page, steps, "first-start-banner", banner)
        url = banner_value(banner, "Home Assistant")
        sandbox = Sandbox(base_url=banner_value(banner, "Sandbox page"))
        # Started, so that Ctrl-C finds Home Assistant's own signal handlers.
        running(develop, url)
        send_demo_camera_picture(page, steps, url, sandbox)
        add_second_recipient(page, steps, url, OTHER_USER)
        # Still none but the integration's own, after all that.
        page.goto(url + "/config/dashboard")
        steps.see("settings", page.get_by_text("Devices & services", exact=True))
        assert [i for i in repairs(page) if i["domain"] != OWN_DOMAIN] == []
        assert stop(develop) == 0

    with start_develop(artifacts / "develop-2.log", config_dir, *ports) as develop:
        banner = develop.wait_for_banner()
        assert "Log in with the user you created" in banner
        assert banner_value(banner, "Second user key") == OTHER_USER
        show_banner(page, steps, "second-start-banner", banner)
        # Home Assistant really started again, and sends to the sandbox.
        hass = running(develop, url)
        hass.api("POST", "/api/services/notify/pushover", {"message": "Again"})
        assert sandbox.messages()[-1]["fields"]["message"] == "Again"
        assert stop(develop) == 0


def test_ctrl_c_while_home_assistant_starts_leaves_nothing(
    socket_enabled: None, artifacts: Path, tmp_path: Path
) -> None:
    """Stopped while the demo still waits for Home Assistant: all of it stops."""
    ports = (free_port(), free_port())
    log_file = artifacts / "develop.log"
    with start_develop(log_file, tmp_path / "config", *ports) as develop:
        demo = develop.wait_for_process(" -m sandbox.demo ")
        develop.wait_for_process("/hass --config ")
        stop(develop)
        assert develop.banner() is None, "the demo had finished before Ctrl-C"
        assert not is_running(demo, develop.process.pid)
