"""What the action tests share: sending with actions, opening and pressing links."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.pushover_plus.const import DOMAIN, EVENT_ACTION
from sandbox.model import MessageRecord
from sandbox.server import SandboxServer

EXTERNAL_URL = "https://home.example.com"
#: A garage door, a way to ignore it, a reply and a plain link.
GARAGE_ACTIONS: list[dict[str, Any]] = [
    {"action": "CLOSE_GARAGE", "title": "Close it", "destructive": True},
    {"action": "IGNORE", "title": "Ignore", "icon": "sfsymbols:xmark"},
    {
        "action": "REPLY",
        "title": "Reply",
        "textInputButtonTitle": "Send",
        "textInputPlaceholder": "Why?",
    },
    {"action": "URI", "title": "Camera", "uri": "/lovelace/garage"},
]
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')

type Client = TestClient[Any, Any]


async def reachable(hass: HomeAssistant) -> None:
    """Give Home Assistant an external URL, so that links can be made."""
    await hass.config.async_update(external_url=EXTERNAL_URL)


def link_path(record: MessageRecord) -> str:
    """Return the path and query of the action page a delivered message links to."""
    url = record.fields["url"]
    assert url.startswith(f"{EXTERNAL_URL}/api/pushover_plus/action?token="), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def token_of(path: str) -> str:
    """Return the token of a link."""
    return path.rsplit("=", 1)[1]


def nonce_of(html: str) -> str:
    """Return the nonce of the forms of a page."""
    match = _NONCE.search(html)
    assert match is not None, html
    return match.group(1)


async def open_page(
    client: Client, path: str, language: str | None = None
) -> tuple[ClientResponse, str]:
    """GET a link's page; return the response and its text."""
    headers = {"Accept-Language": language} if language else {}
    response = await client.get(path, headers=headers)
    return response, await response.text()


async def press(
    client: Client, path: str, choice: int, reply: str | None = None
) -> tuple[ClientResponse, str]:
    """Open a link's page and press its button ``choice``, as a browser does."""
    _, html = await open_page(client, path)
    form = {"nonce": nonce_of(html), "choice": str(choice)}
    if reply is not None:
        form["reply"] = reply
    response = await client.post(path, data=form)
    return response, await response.text()


#: The ways a message with actions comes in (notify.send_message has no data).
ACTION_WAYS = ("legacy_action", "send_message", "device_entity")


async def send_with_actions(hass: HomeAssistant, way: str, message: str) -> None:
    """Send ``message`` with the garage's actions one way."""
    if way == "legacy_action":
        data = {"message": message, "data": {"actions": GARAGE_ACTIONS}}
        await hass.services.async_call("notify", "pushover", data, blocking=True)
        return
    entity = "notify.pushover_phone" if way == "device_entity" else "notify.pushover"
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": entity, "message": message, "actions": GARAGE_ACTIONS},
        blocking=True,
    )


async def press_every_link(
    hass: HomeAssistant, client: Client, sandbox: SandboxServer
) -> list[str]:
    """Press "Close it" on every delivered message; return the texts it fired for."""
    events = async_capture_events(hass, EVENT_ACTION)
    requests = {}
    for delivered in sandbox.state.messages:
        requests[delivered.request_id] = delivered.fields["message"]
        response, _ = await press(client, link_path(delivered), 0)
        assert response.status == 200
    await hass.async_block_till_done()
    return [requests[event.data["request"]] for event in events]
