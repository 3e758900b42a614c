"""Repair issues and repair flows of Pushover Plus."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
import voluptuous as vol

from .const import DOMAIN


@callback
def async_show_warning(
    hass: HomeAssistant,
    issue_id: str,
    translation_key: str,
    placeholders: Mapping[str, str],
    *,
    learn_more_url: str | None = None,
) -> None:
    """Raise (or update) a repair issue that tells of a problem to fix elsewhere."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders=dict(placeholders),
        learn_more_url=learn_more_url,
    )


class RemoveBuiltinEntryFlow(RepairsFlow):
    """Remove the built-in pushover entry this integration now replaces."""

    def __init__(self, builtin_entry_id: str, title: str) -> None:
        """Remember which entry to remove."""
        self._builtin_entry_id = builtin_entry_id
        self._title = title

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask, then remove the built-in entry."""
        if user_input is not None:
            if self.hass.config_entries.async_get_entry(self._builtin_entry_id):
                await self.hass.config_entries.async_remove(self._builtin_entry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"title": self._title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow that fixes a builtin_pushover issue."""
    details = data or {}
    return RemoveBuiltinEntryFlow(
        str(details.get("entry_id", "")), str(details.get("title", ""))
    )
