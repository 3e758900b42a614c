"""Steps in Home Assistant's frontend that several end-to-end tests take."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from .browser import Steps
from .stack import Sandbox


def log_in(
    page: Page, steps: Steps, url: str, username: str, password: str, name: str
) -> None:
    """Log in on Home Assistant's login page; wait for the user's welcome."""
    page.goto(url + "/")
    steps.see("login-page", page.get_by_role("button", name="Log in"))
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    steps.see("logged-in", page.get_by_text(f"Welcome {name}"))


def type_action(page: Page, steps: Steps, name: str, action_yaml: str) -> None:
    """Settings → Tools → Actions in YAML mode: type the action, do not perform it."""
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


def open_phone(page: Page, sandbox_url: str) -> Page:
    """Open the sandbox's page in a new tab, as on a phone, and return the tab.

    The page reloads itself every few seconds, so a tab that shows it is never
    sent anywhere else: a tab sent to Home Assistant stayed on the sandbox's
    page once in six runs, its reload having won the race.
    """
    phone = page.context.new_page()
    phone.goto(sandbox_url)
    return phone


def received(sandbox: Sandbox, title: str) -> dict[str, Any] | None:
    """Return the sandbox's message with this title, if it has arrived."""
    return next(
        (msg for msg in sandbox.messages() if msg["fields"].get("title") == title),
        None,
    )
