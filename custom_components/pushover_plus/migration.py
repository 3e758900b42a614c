"""Moving config entries of earlier versions to the current shape.

Version 1 kept the first user key in the entry's data and its message
defaults among the entry's options, beside the entry-wide settings; further
recipients were subentries. Version 2 makes the entry the Pushover application
and every recipient a subentry. The moved recipient keeps the id its entities,
devices, queued messages and followed receipts know it by, so that no entity
ID, unique ID, device ID, automation or dashboard changes.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Final

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import (
    CONF_LEGACY_NOTIFY,
    CONF_RECIPIENT_ID,
    CONF_USER_KEY,
    DEFAULT_KEYS,
    SUBENTRY_RECIPIENT,
)
from .data import message_defaults
from .entity import parse_recipient_unique_id, recipient_identifier

_LOGGER = logging.getLogger(__name__)

CURRENT_VERSION: Final = 2
#: The id version 1 gave the recipient of the entry's own user key.
_V1_RECIPIENT_ID: Final = "main"


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring ``entry`` to the current version.

    Home Assistant itself refuses an entry of a newer major version, without
    asking; one of a newer minor version is left as it is.
    """
    if entry.version == 1:
        _migrate_v1(hass, entry)
        _LOGGER.info("Moved the user key of %s into a recipient", entry.title)
    return True


def _migrate_v1(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Move the entry's own user key and its defaults into a recipient."""
    settings = message_defaults(entry.options)
    subentry = ConfigSubentry(
        data=MappingProxyType(
            {
                CONF_USER_KEY: entry.data[CONF_USER_KEY],
                CONF_RECIPIENT_ID: _V1_RECIPIENT_ID,
                CONF_LEGACY_NOTIFY: True,
                **settings,
            }
        ),
        subentry_type=SUBENTRY_RECIPIENT,
        title=entry.data.get(CONF_NAME, entry.title),
        unique_id=None,
    )
    hass.config_entries.async_add_subentry(entry, subentry)
    hass.config_entries.async_update_entry(
        entry,
        data={key: value for key, value in entry.data.items() if key != CONF_USER_KEY},
        options={
            key: value
            for key, value in entry.options.items()
            if key not in DEFAULT_KEYS
        },
        version=2,
    )
    _move_registry_entries(hass, entry, subentry.subentry_id)


def _move_registry_entries(
    hass: HomeAssistant, entry: ConfigEntry, subentry_id: str
) -> None:
    """File the moved recipient's device and notify entities under its subentry.

    The entities go first: a device that changes subentry takes the registry
    entries still filed under its old one with it (deleting them, and the
    user's names and settings), so the notify entities move to the subentry and
    the rest leave the device; setup files those under the application's device.
    """
    devices = dr.async_get(hass)
    device = devices.async_get_device_by_identifier(
        recipient_identifier(entry.entry_id, _V1_RECIPIENT_ID), entry.entry_id
    )
    entities = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(entities, entry.entry_id):
        if registered.domain == "notify" and parse_recipient_unique_id(
            entry.entry_id, [_V1_RECIPIENT_ID], registered.unique_id
        ):
            entities.async_update_entity(
                registered.entity_id, config_subentry_id=subentry_id
            )
        elif device is not None and registered.device_id == device.id:
            entities.async_update_entity(registered.entity_id, device_id=None)
    if device is not None:
        devices.async_update_device(device.id, new_config_subentry_id=subentry_id)
