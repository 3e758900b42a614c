"""A newcomer's first steps, in a real Home Assistant driven through Chromium.

Log in, add Pushover Plus from Settings → Devices & services with the sandbox's
keys (a wrong user key first), then send from Settings → Tools → Actions and
find the messages at the sandbox. Screenshots of every step go to
artifacts/e2e/<test name>/.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page
import pytest

from sandbox.seed import DEMO_TOKEN, DEMO_USER

from .browser import Steps
from .stack import OWNER_NAME, OWNER_PASSWORD, OWNER_USERNAME, HomeAssistant, Sandbox
from .ui import log_in, open_phone, received, type_action

pytestmark = pytest.mark.e2e

# The right shape (30 letters and digits), but the sandbox knows no such user.
UNKNOWN_USER_KEY = "uSandboxUnknownUserKey00000009"
INVALID_USER_KEY_ERROR = "Pushover does not know this user or group key."

#: Who the user key belongs to: the first recipient, so notify.alex.
PERSON = "Alex"
SEND_MESSAGE_YAML = """\
action: notify.send_message
target:
  entity_id: notify.alex
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


def add_pushover_plus(page: Page, steps: Steps, sandbox: Sandbox) -> None:
    """Settings → Devices & services → Add integration → Pushover Plus."""
    page.get_by_role("link", name="Settings").click()
    page.get_by_text("Devices & services", exact=True).click()
    steps.see("integrations", page.get_by_role("button", name="Add integration"))
    page.get_by_role("button", name="Add integration").click()
    # The dialog's own field: the page has a search field of its own.
    search = page.get_by_placeholder("Search for a brand name")
    steps.see("add-integration", search)
    search.fill("Pushover Plus")
    steps.see("search", page.get_by_text("Pushover Plus", exact=True).last)
    page.get_by_text("Pushover Plus", exact=True).last.click()

    # The flow's dialog puts its form in slots, so locate by its element.
    flow = page.locator("dialog-data-entry-flow")
    steps.see("form", flow.get_by_text("Connect Pushover"))
    # The application is "Pushover"; the owner is offered as the person.
    assert flow.get_by_role("textbox", name="Application name").input_value() == (
        "Pushover"
    )
    person = flow.get_by_role("textbox", name="Person or group")
    assert person.input_value() == OWNER_NAME
    flow.get_by_role("textbox", name="Application API token").fill(DEMO_TOKEN)
    person.fill(PERSON)
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
    # Home Assistant then shows the entry, or the one device it had seen by
    # then: go to the entry, whatever it chose.
    steps.see("finished", page.get_by_text("Pushover", exact=True).first)
    base = page.url.split("/config/", 1)[0]
    page.goto(f"{base}/config/integrations/integration/pushover_plus")
    # The entry shows the application's device and the recipient's, named
    # after its person; it holds the notify entities, one per Pushover device.
    recipient = page.get_by_role("button", name=re.compile(rf"^{PERSON} .*user", re.I))
    steps.see("entry-page", recipient.first)
    recipient.first.click()
    steps.see("device-page", page.get_by_text("tablet", exact=True))


def perform_action(page: Page, steps: Steps, name: str, action_yaml: str) -> None:
    """Settings → Tools → Actions in YAML mode: type the action and perform it."""
    type_action(page, steps, name, action_yaml)
    page.get_by_role("button", name="Perform action").click()


def test_set_up_in_the_ui_and_send_from_tools(
    page: Page, steps: Steps, home_assistant: HomeAssistant, sandbox: Sandbox
) -> None:
    """A newcomer adds the integration with the sandbox's keys and sends twice."""
    log_in(page, steps, home_assistant.url, OWNER_USERNAME, OWNER_PASSWORD, OWNER_NAME)
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

    phone = open_phone(page, sandbox.base_url)
    steps.on(phone).see("sandbox-page", phone.get_by_text("Sent with notify.pushover"))
    assert not home_assistant.logged_errors("custom_components.pushover_plus")
