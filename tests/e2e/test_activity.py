"""An acknowledged emergency alert on Home Assistant's Activity page, in Chromium.

With the Activity page open, an emergency message sent from Home Assistant is
acknowledged on the sandbox's phone page in another tab. The Activity page
then says which message, who acknowledged it (the recipient's name, never a
key) and on which device, under the entry's "Emergency alerts". Reloading the
entry from its ⋮ menu adds no second "Acknowledged" line. Screenshots go to
artifacts/e2e/<test name>/.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, ViewportSize, expect
import pytest

from sandbox.demo import add_entry
from sandbox.seed import DEMO_TOKEN, DEMO_USER

from .browser import Steps
from .stack import OWNER_NAME, OWNER_PASSWORD, OWNER_USERNAME, HomeAssistant, Sandbox
from .ui import log_in, open_phone, received

pytestmark = pytest.mark.e2e

OWN_DOMAIN = "pushover_plus"
PERSON = "Alex"
TITLE = "Leak"
ALERTS = "event.pushover_emergency_alerts"
#: What the logbook says; the sandbox acknowledges on the user's first device.
LINE = f'"{TITLE}" acknowledged by {PERSON} on phone'
ACKNOWLEDGED = re.compile("acknowledged", re.IGNORECASE)
#: The alerts entity's line after the reload: empty, not the last alert again.
EMPTIED = re.compile("Emergency alerts.Unknown")
TALL = ViewportSize(width=1280, height=2400)
#: Receipts are asked about every 5 s at first.
ACKNOWLEDGED_TIMEOUT_MS = 30_000


def send_emergency(hass: HomeAssistant) -> None:
    """Send an emergency message to Alex, as an automation would."""
    hass.api(
        "POST",
        f"/api/services/{OWN_DOMAIN}/send_message",
        {
            "entity_id": "notify.alex",
            "title": TITLE,
            "message": "Water on the kitchen floor",
            "priority": 2,
            "retry": 30,
            "expire": 600,
        },
    )


def acknowledge_on_the_phone(page: Page, steps: Steps, sandbox: Sandbox) -> None:
    """Press Acknowledge on the sandbox's page, as on the phone (a tab of its own)."""
    message = steps.wait_until("sent", lambda: received(sandbox, TITLE))
    phone = open_phone(page, sandbox.base_url)
    steps = steps.on(phone)
    card = phone.locator(f"#message-{message['id']}")
    steps.see("on-the-phone", card.get_by_role("button", name="Acknowledge"))
    card.get_by_role("button", name="Acknowledge").click()
    steps.see("acknowledged-on-the-phone", card.get_by_text("acknowledged by"))


def acknowledged_lines(activity: Page) -> Locator:
    """Return the Activity page's lines that speak of an acknowledgement."""
    return activity.get_by_role("button", name=ACKNOWLEDGED)


def alerts_state(hass: HomeAssistant) -> dict[str, Any]:
    """Return the state of the entry's Emergency alerts entity."""
    state: dict[str, Any] = hass.api("GET", f"/api/states/{ALERTS}")
    return state


def reload_in_the_ui(tab: Page, steps: Steps, hass: HomeAssistant) -> None:
    """The entry's ⋮ menu > Reload, on the integration's page."""
    tab.goto(f"{hass.url}/config/integrations/integration/{OWN_DOMAIN}")
    entry = tab.locator("ha-config-entry-row").first
    steps.see("integration-page", entry)
    # The entry's own ⋮ comes before its devices' and its recipients'.
    entry.get_by_role("button", name="Menu").first.click()
    steps.see("entry-menu", tab.get_by_role("menuitem", name="Reload"))
    tab.get_by_role("menuitem", name="Reload").click()
    # Reloaded: the alerts entity starts empty, not with the last alert.
    steps.wait_until(
        "reloaded", lambda: True if alerts_state(hass)["state"] == "unknown" else None
    )


def test_the_activity_page_says_who_acknowledged_and_a_reload_adds_nothing(
    page: Page, steps: Steps, home_assistant: HomeAssistant, sandbox: Sandbox
) -> None:
    """Send, acknowledge on the phone, read the line; reload; still one."""
    add_entry(
        home_assistant.url,
        home_assistant.token,
        api_key=DEMO_TOKEN,
        user_key=DEMO_USER,
        api_url=sandbox.api_url,
        person=PERSON,
    )
    log_in(page, steps, home_assistant.url, OWNER_USERNAME, OWNER_PASSWORD, OWNER_NAME)
    # Open before the alert, as one watching would: a page opened in the few
    # seconds before the recorder commits it shows the state line but not yet
    # the logbook's own line (Home Assistant's, seen in 2026.10).
    page.goto(f"{home_assistant.url}/logbook")
    steps.see("activity", page.get_by_role("button", name="Home Assistant started"))

    send_emergency(home_assistant)
    acknowledge_on_the_phone(page, steps, sandbox)
    page.bring_to_front()
    line = page.get_by_role("button", name=LINE)
    steps.see("activity-acknowledged", line, timeout_ms=ACKNOWLEDGED_TIMEOUT_MS)
    # Under the entry's Emergency alerts entity, which the line names.
    assert "Emergency alerts" in line.inner_text()
    before = acknowledged_lines(page).count()
    assert alerts_state(home_assistant)["attributes"]["event_type"] == "acknowledged"

    settings = page.context.new_page()
    reload_in_the_ui(settings, steps.on(settings), home_assistant)
    page.bring_to_front()
    # The open Activity page shows what the reload wrote, as it happens; tall
    # enough to show every line, the first ones too.
    page.set_viewport_size(TALL)
    steps.see("activity-after-reload", page.get_by_role("button", name=EMPTIED))
    expect(line).to_be_visible()
    assert acknowledged_lines(page).count() == before
    assert not home_assistant.logged_errors("custom_components.pushover_plus")
