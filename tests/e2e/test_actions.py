"""Answering a message from the phone: the sandbox's page, the link, the buttons.

A real Home Assistant (its own loopback address is its external URL) sends
messages with actions to the sandbox; Chromium, sized like a phone, opens
them on the sandbox's page, follows their link to the action page, presses
a button and types a reply; automations in Home Assistant count the press
and keep the reply. Pressing the same link again does nothing. Screenshots
go to artifacts/e2e/<test name>/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize
import pytest

from sandbox import demo
from sandbox.seed import DEMO_TOKEN, DEMO_USER

from .browser import Steps
from .stack import HomeAssistant, Sandbox, start_home_assistant
from .ui import open_phone

pytestmark = pytest.mark.e2e

PHONE = ViewportSize(width=390, height=844)
#: Helpers and automations that show what pressing did.
AUTOMATIONS_YAML = """\
counter:
  garage_closed:
input_text:
  garage_reply:
automation:
  - alias: Close the garage from Pushover
    triggers:
      - trigger: event
        event_type: pushover_plus_action
        event_data:
          action: CLOSE_GARAGE
    actions:
      - action: counter.increment
        target:
          entity_id: counter.garage_closed
  - alias: Keep the answer
    triggers:
      - trigger: event
        event_type: pushover_plus_action
        event_data:
          action: REPLY
    actions:
      - action: input_text.set_value
        target:
          entity_id: input_text.garage_reply
        data:
          value: "{{ trigger.event.data.reply_text }}"
"""
GARAGE = {
    "title": "Garage",
    "message": "The garage door has been open for 10 minutes.",
    "actions": [
        {"action": "CLOSE_GARAGE", "title": "Close it"},
        {"action": "IGNORE", "title": "Ignore"},
        {"action": "REPLY", "title": "Reply"},
    ],
}
NOT_VALID = "This link is not valid"


def send(home_assistant: HomeAssistant, **data: Any) -> None:
    """Send with pushover_plus.send_message to the demo user's notify entity."""
    home_assistant.api(
        "POST",
        "/api/services/pushover_plus/send_message",
        {"entity_id": "notify.demo", **data},
    )


def state(home_assistant: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state, through the REST API."""
    found: str = home_assistant.api("GET", f"/api/states/{entity_id}")["state"]
    return found


def becomes(
    home_assistant: HomeAssistant, entity_id: str, wanted: str
) -> Callable[[], str | None]:
    """Return a probe for :meth:`Steps.wait_until`: the state, once it is wanted."""
    return lambda: wanted if state(home_assistant, entity_id) == wanted else None


def follow_link(page: Page, steps: Steps, sandbox: Sandbox, title: str) -> str:
    """Find the message on the sandbox's page and follow its link; return its URL."""
    phone = open_phone(page, sandbox.base_url)
    phone.set_viewport_size(PHONE)
    steps.page = phone
    card = phone.locator("article.msg", has_text=title).first
    link = card.locator("a.link")
    steps.see(f"phone-{title.lower()}-with-link", link)
    # The sandbox opens links in a new tab, as a phone opens its browser.
    with phone.context.expect_page() as opened:
        link.click()
    action_page = opened.value
    action_page.set_viewport_size(PHONE)
    action_page.wait_for_load_state()
    steps.page = action_page
    return action_page.url


def answer_with_a_reply(
    page: Page, steps: Steps, sandbox: Sandbox, home_assistant: HomeAssistant
) -> None:
    """Send a message that asks for a reply, type one and see it kept."""
    send(
        home_assistant,
        title="Why",
        message="Why is it open?",
        actions=GARAGE["actions"][2:],
    )
    steps.page = page
    follow_link(page, steps, sandbox, "Why")
    reply_page = steps.page
    reply_page.get_by_role("textbox").fill("The delivery van is inside")
    steps.shot("reply-typed")
    reply_page.get_by_role("button", name="Reply").click()
    steps.see("reply-sent", reply_page.get_by_text("The delivery van is inside"))
    steps.wait_until(
        "reply-kept",
        becomes(
            home_assistant, "input_text.garage_reply", "The delivery van is inside"
        ),
    )


def test_answering_a_message_runs_automations(
    page: Page, steps: Steps, sandbox: Sandbox, artifacts: Path, tmp_path: Path
) -> None:
    page.set_viewport_size(PHONE)
    with start_home_assistant(
        artifacts, tmp_path / "config", extra_yaml=AUTOMATIONS_YAML
    ) as home_assistant:
        demo.add_entry(
            home_assistant.url,
            home_assistant.token,
            api_key=DEMO_TOKEN,
            user_key=DEMO_USER,
            api_url=sandbox.api_url,
        )
        send(home_assistant, **GARAGE)
        url = follow_link(page, steps, sandbox, "Garage")
        assert url.startswith(home_assistant.url + "/api/pushover_plus/action?token=")
        action_page = steps.page
        steps.see("action-page", action_page.get_by_role("button", name="Close it"))
        nonce = action_page.locator("input[name=nonce]").first.get_attribute("value")
        form = {"nonce": nonce or "", "choice": "0"}
        action_page.get_by_role("button", name="Close it").click()
        steps.see("confirmation", action_page.get_by_text("“Close it” was sent"))
        steps.wait_until(
            "automation-ran", becomes(home_assistant, "counter.garage_closed", "1")
        )

        # The same link again: opened, and its form sent once more.
        action_page.goto(url)
        steps.see("second-press-page", action_page.get_by_text(NOT_VALID))
        again = action_page.request.post(url, form=form)
        assert again.status == 404
        assert NOT_VALID in again.text()
        assert state(home_assistant, "counter.garage_closed") == "1"

        answer_with_a_reply(page, steps, sandbox, home_assistant)
        # The log is at DEBUG for the integration: the token is not in it.
        log = home_assistant.log_file.read_text(errors="replace")
        assert url.rsplit("=", 1)[1] not in log
        assert not home_assistant.logged_errors("custom_components.pushover_plus")
