"""Tests for the Pushover Plus config flow."""

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.pushover_plus.const import DOMAIN

TOKEN = "a" * 30
USER = "u" * 30


async def test_user_step_creates_an_entry(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"name": "Pushover", "api_key": f" {TOKEN}\n", "user_key": USER},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"name": "Pushover", "api_key": TOKEN, "user_key": USER}
