"""System health: whether Pushover answers, what waits, and the quota left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components import system_health
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN
from .data import PushoverPlusConfigEntry


@callback
def async_register(
    hass: HomeAssistant, register: system_health.SystemHealthRegistration
) -> None:
    """Register the info of Settings > System > Repairs > System information."""
    register.async_register_info(system_health_info)


async def system_health_info(hass: HomeAssistant) -> dict[str, Any]:
    """Return the reachability of the first loaded entry's API and each entry's figures.

    Each application's line is named by its entry; the quota is the account's.
    """
    entries: list[PushoverPlusConfigEntry] = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]
    if not entries:
        return {}
    return {
        "can_reach_server": system_health.async_check_can_reach_url(
            hass, entries[0].runtime_data.client.base_url
        ),
        "messages_waiting": _per_entry(
            entries, lambda entry: str(entry.runtime_data.outbox.size)
        ),
        "quota_remaining": _per_entry(entries, _quota),
    }


def _quota(entry: PushoverPlusConfigEntry) -> str:
    if (quota := entry.runtime_data.coordinator.data.quota) is None:
        return "-"
    return f"{quota.remaining} / {quota.limit}"


def _per_entry(
    entries: list[PushoverPlusConfigEntry],
    value: Callable[[PushoverPlusConfigEntry], str],
) -> str:
    """Return one figure, or each entry's named by its title when there are several."""
    if len(entries) == 1:
        return value(entries[0])
    return ", ".join(f"{entry.title}: {value(entry)}" for entry in entries)
