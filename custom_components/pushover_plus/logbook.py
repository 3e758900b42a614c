"""Logbook entries of Pushover Plus.

Who acknowledged an emergency message, or that none did; a message that waits
in the outbox, and its delivery; a repeat that was not sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import DOMAIN, EVENT_DELIVERED, EVENT_QUEUED, EVENT_SUPPRESSED
from .receipts import EVENT_ACKNOWLEDGED, EVENT_EXPIRED, UNKNOWN_USER

type Describe = Callable[[Event[Any]], dict[str, str | None]]


def _titled(data: dict[str, Any], what: str) -> str:
    """Put the message's title before ``what``: the UI names the entity only."""
    return f'"{title}" {what}' if (title := data.get("title")) else what


def acknowledgement_text(data: dict[str, Any]) -> str:
    """Say which message, who acknowledged it (a name, never a key) and where."""
    text = f"acknowledged by {data.get('acknowledged_by', UNKNOWN_USER)}"
    if device := data.get("acknowledged_by_device"):
        text += f" on {device}"
    return _titled(data, text)


@callback
def async_describe_events(
    hass: HomeAssistant, async_describe_event: Callable[[str, str, Describe], None]
) -> None:
    """Describe the acknowledged and expired events of emergency messages."""

    def _entry(event: Event[Any], message: str) -> dict[str, str | None]:
        return {
            # The UI shows the entity's name instead: the message has the title.
            LOGBOOK_ENTRY_NAME: "Emergency message",
            LOGBOOK_ENTRY_MESSAGE: message,
            # Shown with the entry's "Emergency alerts" event entity.
            LOGBOOK_ENTRY_ENTITY_ID: event.data.get("entity_id"),
        }

    @callback
    def async_describe_acknowledged(event: Event[Any]) -> dict[str, str | None]:
        return _entry(event, acknowledgement_text(event.data))

    @callback
    def async_describe_expired(event: Event[Any]) -> dict[str, str | None]:
        return _entry(event, _titled(event.data, "expired without being acknowledged"))

    @callback
    def async_describe_queued(event: Event[Any]) -> dict[str, str | None]:
        reason = event.data.get("reason")
        return _outbox_entry(event, _titled(event.data, f"queued ({reason})"))

    @callback
    def async_describe_delivered(event: Event[Any]) -> dict[str, str | None]:
        return _outbox_entry(event, _titled(event.data, "delivered from the outbox"))

    async_describe_event(DOMAIN, EVENT_ACKNOWLEDGED, async_describe_acknowledged)
    async_describe_event(DOMAIN, EVENT_EXPIRED, async_describe_expired)

    @callback
    def async_describe_suppressed(event: Event[Any]) -> dict[str, str | None]:
        first = dt_util.parse_datetime(str(event.data.get("first_sent")))
        at = dt_util.as_local(first).strftime("%H:%M") if first else "-"
        return _outbox_entry(
            event, _titled(event.data, f"not sent again: the same went out at {at}")
        )

    async_describe_event(DOMAIN, EVENT_QUEUED, async_describe_queued)
    async_describe_event(DOMAIN, EVENT_SUPPRESSED, async_describe_suppressed)
    async_describe_event(DOMAIN, EVENT_DELIVERED, async_describe_delivered)


def _outbox_entry(event: Event[Any], message: str) -> dict[str, str | None]:
    """Describe what became of a message, with its recipient's notify entity."""
    return {
        LOGBOOK_ENTRY_NAME: "Pushover message",
        LOGBOOK_ENTRY_MESSAGE: message,
        LOGBOOK_ENTRY_ENTITY_ID: event.data.get("entity_id"),
    }
