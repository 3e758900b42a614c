"""Stores are written within their delay of the first change, however many follow."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed_exact,
)

from custom_components.pushover_plus.storage import SoonWrite

KEY = "pushover_plus.test_soon_write"
DELAY = 10.0


async def _at(hass: HomeAssistant, loop_time: float) -> None:
    """Run the timers due by ``loop_time`` (the event loop's clock)."""
    ahead = timedelta(seconds=loop_time - hass.loop.time())
    async_fire_time_changed_exact(hass, dt_util.utcnow() + ahead)
    await hass.async_block_till_done()


async def test_changes_that_keep_coming_do_not_put_the_write_off(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    changes: list[int] = []
    writes = SoonWrite(
        Store[dict[str, Any]](hass, 1, KEY), lambda: {"changes": list(changes)}, DELAY
    )
    changes.append(1)
    writes.async_request()
    first = hass.loop.time()
    await asyncio.sleep(0.05)
    changes.append(2)
    writes.async_request()
    await _at(hass, first + DELAY - 0.01)
    assert KEY not in hass_storage
    await _at(hass, first + DELAY + 0.01)
    assert hass_storage[KEY]["data"] == {"changes": [1, 2]}

    # A change after the write asks for a write of its own.
    changes.append(3)
    writes.async_request()
    await _at(hass, hass.loop.time() + DELAY + 0.01)
    assert hass_storage[KEY]["data"] == {"changes": [1, 2, 3]}


async def test_a_write_now_takes_the_due_one_s_place(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    changes: list[int] = [1]
    writes = SoonWrite(
        Store[dict[str, Any]](hass, 1, KEY), lambda: {"changes": list(changes)}, DELAY
    )
    writes.async_request()
    await writes.async_write_now()
    assert hass_storage[KEY]["data"] == {"changes": [1]}
    # The delayed write was the one just done: a new change asks again.
    changes.append(2)
    writes.async_request()
    await _at(hass, hass.loop.time() + DELAY + 0.01)
    assert hass_storage[KEY]["data"] == {"changes": [1, 2]}
