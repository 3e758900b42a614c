"""HTTP settings the demo, the e2e tests and the bench store: taken as confirmed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components.http.config import (
    STORAGE_KEY,
    ActiveConfigType,
    async_get_and_load_store,
    async_load_config,
)
from homeassistant.core import HomeAssistant
import pytest

from sandbox.hass_http import main, write_http_settings


def _stored(config_dir: Path) -> Any:
    return json.loads((config_dir / ".storage" / STORAGE_KEY).read_text())


async def test_home_assistant_uses_them_without_asking(
    hass: HomeAssistant, hass_storage: dict[str, Any], tmp_path: Path
) -> None:
    assert write_http_settings(tmp_path, "127.0.0.1", 18123)
    hass_storage[STORAGE_KEY] = _stored(tmp_path)
    conf = await async_load_config(hass, {})
    assert (conf["server_host"], conf["server_port"]) == (["127.0.0.1"], 18123)
    store = await async_get_and_load_store(hass)
    # Stable: nothing pending that would be reverted (and Home Assistant
    # restarted) five minutes later.
    assert store.active_config_type is ActiveConfigType.STABLE
    assert store.pending is None
    assert store.revert_deadline is None


def test_settings_already_stored_are_kept_unless_replaced(tmp_path: Path) -> None:
    assert write_http_settings(tmp_path, "127.0.0.1", 18123)
    assert not write_http_settings(tmp_path, "192.0.2.1", 8123)
    assert _stored(tmp_path)["data"]["stable"]["server_port"] == 18123
    assert write_http_settings(tmp_path, "127.0.0.1", 18124, replace=True)
    assert _stored(tmp_path)["data"]["stable"]["server_port"] == 18124


def test_the_command_line(tmp_path: Path) -> None:
    assert main([str(tmp_path), "127.0.0.1", "8123"]) == 0
    assert _stored(tmp_path)["data"]["stable"]["server_host"] == ["127.0.0.1"]
    with pytest.raises(SystemExit) as raised:
        main([str(tmp_path), "127.0.0.1", "port"])
    assert raised.value.code == 2
