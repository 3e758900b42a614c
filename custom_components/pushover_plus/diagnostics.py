"""Diagnostics for Pushover Plus, with the token and every key redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_API_KEY, CONF_ENCRYPTION_KEY, CONF_USER_KEY
from .data import PushoverPlusConfigEntry

TO_REDACT = {
    CONF_API_KEY,
    CONF_USER_KEY,
    CONF_ENCRYPTION_KEY,
    "token",
    "user",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> dict[str, Any]:
    """Return what the entry is set to and what the API told it."""
    runtime = entry.runtime_data
    quota = runtime.client.quota
    known = runtime.coordinator.data
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "api_url": runtime.client.base_url,
        "recipients": [
            {
                "recipient_id": recipient.recipient_id,
                "subentry_id": recipient.subentry_id,
                "name": recipient.name,
                "is_group": recipient.is_group,
                "encrypted": recipient.encryption_key is not None,
                "devices": list(recipient.devices),
                "defaults": dict(recipient.defaults),
            }
            for recipient in known.recipients.values()
        ],
        "sounds": dict(known.sounds),
        "quota": None if quota is None else asdict(quota),
        "emergency_receipts_followed": len(runtime.receipts.receipts),
        "acknowledgement_webhook": runtime.receipts.callback_url is not None,
        "action_links_open": runtime.action_links.count,
    }
