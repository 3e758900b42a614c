"""Recipients named after who they are, not after the application.

A new entry's first recipient takes the name of the person or group its key
belongs to; the form offers the owner of Home Assistant (or "Me"). Entries
made before were given the application's name for it too, so the activity log
said "acknowledged by Pushover". Their person is not guessed: a repair asks for
the name, which renames the recipient and its device but no entity ID.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN, SUBENTRY_RECIPIENT
from .issues import async_delete_issues

#: Repair issues asking for a recipient's name: <prefix><entry id>_<subentry id>.
NAME_ISSUE_PREFIX = "recipient_name_"
#: Offered when Home Assistant's owner has no name.
_ME = "Me"
_ME_KEY = f"component.{DOMAIN}.common.me"


async def async_suggested_name(hass: HomeAssistant) -> str:
    """Return the name offered for a first recipient: the owner's, else "Me"."""
    owner = await hass.auth.async_get_owner()
    if owner is not None and owner.name and owner.name.strip():
        return owner.name.strip()
    translations = await async_get_translations(
        hass, hass.config.language, "common", [DOMAIN]
    )
    return translations.get(_ME_KEY, _ME)


def is_application_name(name: str, application: str) -> bool:
    """Return whether ``name`` is the application's (the entry's) name."""
    return name.strip().casefold() == application.strip().casefold()


def _issue_prefix(entry_id: str) -> str:
    return f"{NAME_ISSUE_PREFIX}{entry_id}_"


@callback
def _async_drop_issues(hass: HomeAssistant, entry_id: str, keep: set[str]) -> None:
    """Delete the entry's name repairs other than ``keep``."""
    prefix = _issue_prefix(entry_id)
    async_delete_issues(
        hass, lambda issue_id: issue_id.startswith(prefix) and issue_id not in keep
    )


@callback
def async_check_recipient_names(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Ask for the name of each recipient that has the application's name.

    A recipient renamed (or removed) meanwhile, or an entry renamed, takes the
    repair away again.
    """
    named_like_entry = {
        f"{_issue_prefix(entry.entry_id)}{subentry_id}": subentry
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
        and is_application_name(subentry.title, entry.title)
    }
    _async_drop_issues(hass, entry.entry_id, set(named_like_entry))
    for issue_id, subentry in named_like_entry.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="recipient_named_like_application",
            translation_placeholders={"recipient": subentry.title},
            data={"entry_id": entry.entry_id, "subentry_id": subentry.subentry_id},
        )
