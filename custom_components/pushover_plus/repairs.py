"""Repair issues and repair flows of Pushover Plus."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
import voluptuous as vol

from .const import DOMAIN
from .recipient_names import (
    NAME_ISSUE_PREFIX,
    async_suggested_name,
    is_application_name,
)


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


class NameRecipientFlow(RepairsFlow):
    """Rename a recipient that has the application's name after its person."""

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Remember which recipient to rename."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start with the question."""
        return await self.async_step_name()

    async def async_step_name(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask for the person's or group's name; rename the recipient with it."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        subentry = None if entry is None else entry.subentries.get(self._subentry_id)
        if entry is None or subentry is None:
            return self.async_abort(reason="recipient_gone")
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if name and not is_application_name(name, entry.title):
                self.hass.config_entries.async_update_subentry(
                    entry, subentry, title=name
                )
                return self.async_create_entry(data={})
            errors[CONF_NAME] = "name_is_application"
        return self.async_show_form(
            step_id="name",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_NAME): str}),
                user_input or {CONF_NAME: await async_suggested_name(self.hass)},
            ),
            errors=errors,
            description_placeholders={
                "recipient": subentry.title,
                "entry": entry.title,
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow that fixes a recipient_name or builtin_pushover issue."""
    details = data or {}
    if issue_id.startswith(NAME_ISSUE_PREFIX):
        return NameRecipientFlow(
            str(details.get("entry_id", "")), str(details.get("subentry_id", ""))
        )
    return RemoveBuiltinEntryFlow(
        str(details.get("entry_id", "")), str(details.get("title", ""))
    )
