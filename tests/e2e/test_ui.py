"""A newcomer's first steps, in a real Home Assistant driven through Chromium.

Log in, add Pushover Plus from Settings → Devices & services with the sandbox's
keys (a wrong user key first), then send from Settings → Tools → Actions and
find the messages at the sandbox. Screenshots of every step go to
artifacts/e2e/<test name>/.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page
import pytest

from sandbox.seed import DEMO_TOKEN, DEMO_USER

from .browser import Steps
from .stack import OWNER_PASSWORD, OWNER_USERNAME, HomeAssistant, Sandbox

pytestmark = pytest.mark.e2e

# The right shape (30 letters and digits), but the sandbox knows no such user.
UNKNOWN_USER_KEY = "uSandboxUnknownUserKey00000009"
INVALID_USER_KEY_ERROR = "Pushover does not know this user or group key."

SEND_MESSAGE_YAML = """\
action: notify.send_message
target:
  entity_id: notify.pushover
data:
  title: Hello from the UI
  message: Sent with notify.send_message
"""

LEGACY_YAML = """\
action: notify.pushover
data:
  title: Legacy action
  message: Sent with notify.pushover
  target:
    - tablet
  data:
    sound: pianobar
    priority: 1
"""


def log_in(page: Page, steps: Steps, home_assistant: HomeAssistant) -> None:
    """Log in as the owner on Home Assistant's login page."""
    page.goto(home_assistant.url + "/")
    steps.see("login-page", page.get_by_role("button", name="Log in"))
    page.get_by_role("textbox", name="Username").fill(OWNER_USERNAME)
    page.get_by_role("textbox", name="Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    steps.see("logged-in", page.get_by_text("Welcome Owner"))


def add_pushover_plus(page: Page, steps: Steps, sandbox: Sandbox) -> None:
    """Settings → Devices & services → Add integration → Pushover Plus."""
    page.get_by_role("link", name="Settings").click()
    page.get_by_text("Devices & services", exact=True).click()
    steps.see("integrations", page.get_by_role("button", name="Add integration"))
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search").last.fill("Pushover Plus")
    steps.see("search", page.get_by_text("Pushover Plus", exact=True).last)
    page.get_by_text("Pushover Plus", exact=True).last.click()

    # The flow's dialog puts its form in slots, so locate by its element.
    flow = page.locator("dialog-data-entry-flow")
    steps.see("form", flow.get_by_text("Connect Pushover"))
    flow.get_by_role("textbox", name="Application API token").fill(DEMO_TOKEN)
    flow.get_by_role("textbox", name="User or group key").fill(UNKNOWN_USER_KEY)
    flow.get_by_text("Advanced", exact=True).click()
    flow.get_by_role("textbox", name="API URL").fill(sandbox.api_url)
    steps.shot("form-filled")
    flow.get_by_role("button", name="Submit").click()
    steps.see("wrong-user-key", flow.get_by_text(INVALID_USER_KEY_ERROR))

    flow.get_by_role("textbox", name="User or group key").fill(DEMO_USER)
    flow.get_by_role("button", name="Submit").click()
    steps.see("created", flow.get_by_role("button", name="Skip and finish"))
    flow.get_by_role("button", name="Skip and finish").click()
    # The entry shows the application's device and the recipient's; the
    # recipient's holds its notify entities, one per device at Pushover.
    recipient = page.get_by_role("button", name=re.compile(r"^Pushover .*user", re.I))
    steps.see("entry-page", recipient.first)
    recipient.first.click()
    steps.see("device-page", page.get_by_text("tablet", exact=True))


def perform_action(page: Page, steps: Steps, name: str, action_yaml: str) -> None:
    """Settings → Tools → Actions in YAML mode: type the action and perform it."""
    page.get_by_role("link", name="Settings").click()
    page.get_by_text("Tools", exact=True).click()
    page.get_by_role("tab", name="Actions").click()
    page.get_by_text("YAML mode", exact=True).click()
    editor = page.locator("ha-code-editor .cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    # insert_text types no keys, so the editor adds no indentation of its own.
    page.keyboard.insert_text(action_yaml)
    steps.see(f"{name}-typed", editor.get_by_text(action_yaml.splitlines()[0]))
    page.get_by_role("button", name="Perform action").click()


def received(sandbox: Sandbox, title: str) -> dict[str, Any] | None:
    """Return the sandbox's message with this title, if it has arrived."""
    return next(
        (msg for msg in sandbox.messages() if msg["fields"].get("title") == title),
        None,
    )


def test_set_up_in_the_ui_and_send_from_tools(
    page: Page, steps: Steps, home_assistant: HomeAssistant, sandbox: Sandbox
) -> None:
    """A newcomer adds the integration with the sandbox's keys and sends twice."""
    log_in(page, steps, home_assistant)
    add_pushover_plus(page, steps, sandbox)

    perform_action(page, steps, "send-message", SEND_MESSAGE_YAML)
    message = steps.wait_until(
        "send-message-performed", lambda: received(sandbox, "Hello from the UI")
    )
    assert message["fields"]["message"] == "Sent with notify.send_message"
    assert message["user"] == DEMO_USER
    assert message["all_devices"]

    perform_action(page, steps, "legacy", LEGACY_YAML)
    legacy = steps.wait_until(
        "legacy-performed", lambda: received(sandbox, "Legacy action")
    )
    assert legacy["fields"]["message"] == "Sent with notify.pushover"
    assert legacy["devices"] == ["tablet"]
    assert legacy["fields"]["sound"] == "pianobar"
    assert legacy["priority"] == 1

    page.goto(sandbox.base_url)
    steps.see("sandbox-page", page.get_by_text("Sent with notify.pushover"))
    assert not home_assistant.logged_errors("custom_components.pushover_plus")
