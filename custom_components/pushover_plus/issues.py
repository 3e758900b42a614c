"""Deleting this integration's repair issues by what their ids say."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


@callback
def async_delete_issues(hass: HomeAssistant, matches: Callable[[str], bool]) -> None:
    """Delete the integration's repair issues whose id ``matches``."""
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and matches(issue_id):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every repair issue of a removed entry (each id names its entry)."""
    async_delete_issues(hass, lambda issue_id: entry_id in issue_id)
