"""Recipients named after who they are, not after the application.

A new entry's first recipient takes the name of the person or group its key
belongs to; the form offers the owner of Home Assistant (or "Me"). One named
like the application made the activity log say "acknowledged by Pushover".
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN

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
