"""The repair issues of one entry's outbox.

Three warnings, each shown while its condition holds and deleted once it no
longer does: messages have waited long (``messages_waiting``), messages were
given up in the last day (``delivery_failed``), and older messages were dropped
to make room (``outbox_full``). Their ids are the key followed by the entry id;
their translation keys are the keys. The outbox decides when each holds;
:class:`OutboxRepairs` only shows, updates and deletes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .outbox_storage import Drop, QueuedMessage
from .repairs import async_show_warning

#: The outbox's repair issues (their translation keys).
DELIVERY_FAILED: Final = "delivery_failed"
OUTBOX_FULL: Final = "outbox_full"
WAITING: Final = "messages_waiting"
ISSUES: Final = (DELIVERY_FAILED, OUTBOX_FULL, WAITING)


class OutboxRepairs:
    """Shows and clears the repair issues of one config entry's outbox."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Speak for ``entry``, named by its title at the time of each update."""
        self._hass = hass
        self._entry = entry

    @staticmethod
    @callback
    def async_delete_all(hass: HomeAssistant, entry_id: str) -> None:
        """Delete every outbox repair of an entry (one that was removed)."""
        for key in ISSUES:
            ir.async_delete_issue(hass, DOMAIN, f"{key}_{entry_id}")

    @callback
    def show_waiting(self, count: int, oldest: QueuedMessage | None) -> None:
        """Say that ``count`` messages wait, the ``oldest`` since when and why.

        None clears it. The time is local, as the user reads a clock.
        """
        self._show(
            WAITING,
            oldest is not None,
            {
                "count": str(count),
                "since": dt_util.as_local(oldest.queued_at).strftime("%Y-%m-%d %H:%M")
                if oldest is not None
                else "",
                "reason": oldest.error if oldest is not None else "",
            },
        )

    @callback
    def show_dropped(self, drops: Sequence[Drop]) -> None:
        """Name the messages given up lately, the latest last; none clears it."""
        self._show(
            DELIVERY_FAILED,
            bool(drops),
            {
                "count": str(len(drops)),
                "title": drops[-1].label if drops else "",
            },
        )

    @callback
    def show_full(self, count: int, max_messages: int, max_megabytes: int) -> None:
        """Say that ``count`` messages made room for newer ones; 0 clears it."""
        self._show(
            OUTBOX_FULL,
            count > 0,
            {
                "count": str(count),
                "max_messages": str(max_messages),
                "max_megabytes": str(max_megabytes),
            },
        )

    @callback
    def _show(self, key: str, show: bool, placeholders: Mapping[str, str]) -> None:
        issue_id = f"{key}_{self._entry.entry_id}"
        if not show:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        async_show_warning(
            self._hass, issue_id, key, {"entry": self._entry.title, **placeholders}
        )
