"""Fixtures shared by the Pushover Plus tests."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> None:
    """Let Home Assistant load custom_components/pushover_plus in every test."""
    return
