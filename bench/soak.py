"""Scenario 7, the soak: Home Assistant's memory over many messages.

One Pushover Plus entry of its own sends ``soak_messages`` messages over
loopback, a few at once, through the three ways in: the notify entity, the
legacy ``notify.<name>`` action and ``pushover_plus.send_message``. One in
``soak_emergency_every`` is an emergency, acknowledged at the sandbox's
controls (the integration learns it by polling). The recipient suppresses
repeats for a day, so every message is remembered (up to the integration's
cap), and one in :data:`REPEAT_EVERY` repeats the one before it: suppressed.
Every ``soak_outage_every``
messages the sandbox answers 500 to every message for ``soak_outage_messages``
messages, which queue in the outbox; then the fault is cleared and the outbox
drains before sending goes on.

Every ``soak_baseline`` messages, once no alert is open and nothing waits, the
resident set of this process (Home Assistant's; the sandbox is another
process) is read after ``gc.collect()``. The figure is the last reading minus
the first: what the messages after the first ``soak_baseline`` left behind.
At the end come the sizes of the integration's ``.storage`` files and of the
entry's outbox folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import gc
import math
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, callback
from homeassistant.helpers.storage import STORAGE_DIR

from custom_components.pushover_plus.const import (
    CONF_SUPPRESS_REPEATS,
    DOMAIN,
    EVENT_SUPPRESSED,
)
from custom_components.pushover_plus.outbox_storage import paths

from .hass_env import TITLE, BenchError, OursEntity
from .params import Params
from .probes import resident_bytes

if TYPE_CHECKING:
    from .scenarios import Scenarios

SOAK: Final = "7 soak, loopback"
STORAGE_METRIC: Final = "storage files at the end"
OUTBOX_METRIC: Final = "outbox folder at the end"
#: The longest wait for the outbox to drain, or for the alerts to end.
SETTLE_TIMEOUT: Final = 600.0
#: How often the settling is checked.
SETTLE_POLL: Final = 0.2
#: One message in this many (not an emergency) goes through notify.<name>...
LEGACY_EVERY: Final = 10
#: ...the legacy action of the soak's entry, named "Soak".
LEGACY_SERVICE: Final = "soak"
#: The recipient's repeat suppression window, in seconds: a day.
SUPPRESS_WINDOW: Final = 86_400
#: One message in this many repeats the one before it (which the entity sent).
REPEAT_EVERY: Final = 20
_MEGABYTE: Final = 1_000_000


def soak_metric(params: Params) -> str:
    """Return the soak's memory metric for these parameters."""
    return f"RSS growth, messages {params.soak_baseline:,} to {params.soak_messages:,}"


def storage_bytes(storage: Path, outbox: Path) -> dict[str, Any]:
    """Return the sizes of the integration's store files and of an outbox folder.

    Blocking. Store files are those named ``pushover_plus.*`` directly in
    ``storage``; the outbox folder's files are counted on their own.
    """
    files = {
        path.name: path.stat().st_size
        for path in sorted(storage.glob(f"{DOMAIN}.*"))
        if path.is_file()
    }
    found = list(outbox.iterdir()) if outbox.is_dir() else []
    queued = [path.stat().st_size for path in found]
    return {
        "store_files": files,
        "store_bytes": sum(files.values()),
        "outbox_files": len(queued),
        "outbox_bytes": sum(queued),
    }


class Soak:
    """Runs the soak for :class:`Scenarios`, adding its figures there."""

    #: The entry of its own, and its notify entity (set once it is added).
    entry: ConfigEntry
    sender: OursEntity

    def __init__(self, scenarios: Scenarios, say: Callable[[str], None]) -> None:
        """Send through ``scenarios``' bench, with its parameters and progress.

        ``say`` reports on standard error as the other scenarios do.
        """
        self.scenarios = scenarios
        self.say = say
        self.bench = scenarios.bench
        self.params = scenarios.params
        self.progress = scenarios.progress
        self.emergencies = 0
        self.acknowledged = 0
        self.queued = 0
        self.outages = 0
        #: Messages that waited in the outbox during the outages.
        self.outage_queued = 0
        self.suppressed = 0
        #: Messages the repeat suppression remembered at the end.
        self.remembered = 0

    def _outage_starts(self) -> set[int]:
        """Return the message numbers at which an outage starts.

        The first falls in the first reading's stretch, so that the outbox's
        first-use costs are not counted as growth; the rest spread over the
        remaining messages.
        """
        every = self.params.soak_outage_every
        return set(range(every // 4, self.params.soak_messages, every))

    async def run(self) -> None:
        """Send every message, reading memory at each stretch; then the sizes."""
        params = self.params
        bench = self.bench
        await bench.use_link("direct")
        starts = self._outage_starts()
        self.say(
            f"{SOAK}: {params.soak_messages:,} messages, "
            f"{params.soak_concurrency} at once; "
            f"1 in {params.soak_emergency_every} an acknowledged emergency; "
            f"{len(starts)} outages of {params.soak_outage_messages} messages; "
            f"memory read every {params.soak_baseline:,}"
        )
        await bench.control.reset()
        self.entry, self.sender = await bench.add_ours(
            "Soak", {CONF_SUPPRESS_REPEATS: SUPPRESS_WINDOW}
        )
        stop_counting = bench.hass.bus.async_listen(
            EVENT_SUPPRESSED, self._count_suppressed
        )
        readings: list[dict[str, Any]] = []
        stretch = params.soak_baseline
        self.progress.expect(
            math.ceil(params.soak_messages / stretch), f"{stretch:,} messages"
        )
        started = time.perf_counter()
        try:
            for first in range(0, params.soak_messages, stretch):
                last = min(first + stretch, params.soak_messages)
                await self._send_range(first, last, starts)
                await self._settle()
                # Sandbox records and the monthly quota start again each stretch.
                await bench.control.reset()
                readings.append(
                    {
                        "messages": last,
                        "seconds": round(time.perf_counter() - started, 1),
                        **self._reading(),
                    }
                )
                self.progress.step()
            sizes = await self._sizes()
            self.remembered = len(self.entry.runtime_data.repeats)
        finally:
            stop_counting()
            await bench.control.clear_faults()
            await bench.hass.config_entries.async_remove(self.entry.entry_id)
        self._figures(readings, sizes, time.perf_counter() - started)

    async def _send_range(self, first: int, last: int, starts: set[int]) -> None:
        """Send messages ``first`` to ``last`` - 1, a few at once, outages included."""
        params = self.params
        batch: list[Awaitable[None]] = []
        outage_ends: int | None = None
        for index in range(first, last):
            if index in starts or index == outage_ends:
                await asyncio.gather(*batch)
                batch = []
                if index == outage_ends:
                    await self._end_outage()
                    outage_ends = None
                if index in starts:
                    await self.bench.control.add_fault("500", 10**6, "messages.json")
                    self.outages += 1
                    outage_ends = min(index + params.soak_outage_messages, last)
            batch.append(self._send_one(index))
            if len(batch) >= params.soak_concurrency:
                await asyncio.gather(*batch)
                batch = []
        await asyncio.gather(*batch)
        if outage_ends is not None:
            await self._end_outage()

    @callback
    def _count_suppressed(self, _event: Event[Any]) -> None:
        self.suppressed += 1

    async def _end_outage(self) -> None:
        """Let Pushover answer again, and wait for the outbox to drain."""
        self.outage_queued += self._outbox_size()
        await self.bench.control.clear_faults()
        await self._wait_for(lambda: self._outbox_size() == 0, "the outbox to drain")

    async def _send_one(self, index: int) -> None:
        """Send message ``index`` the way its number says."""
        text = f"soak {index}"
        if index % REPEAT_EVERY == 3:  # 2 went through the entity, as 3 does
            text = f"soak {index - 1}"
        every = self.params.soak_emergency_every
        if index % every == every // 2:
            await self._send_emergency(text)
        elif index % LEGACY_EVERY == 1:
            await self.bench.hass.services.async_call(
                "notify",
                LEGACY_SERVICE,
                {"message": text, "title": TITLE},
                blocking=True,
            )
        else:
            await self.sender.send(text)

    async def _send_emergency(self, text: str) -> None:
        """Send an emergency; acknowledge it at once if it went (else later)."""
        entity_id = self.sender.entity_id
        response = await self.bench.hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "entity_id": entity_id,
                "message": text,
                "title": TITLE,
                "priority": 2,
                "retry": 60,
                "expire": 3600,
            },
            blocking=True,
            return_response=True,
        )
        self.emergencies += 1
        result: dict[str, Any] = response[entity_id]  # type: ignore[index,assignment]
        if result["status"] == "queued":
            self.queued += 1
        for message in result["messages"]:
            await self.bench.control.acknowledge(message["receipt"])
            self.acknowledged += 1

    async def _settle(self) -> None:
        """Wait until nothing waits and every alert was acknowledged and seen.

        Emergencies that waited in the outbox are acknowledged here.
        """
        await self._wait_for(lambda: self._outbox_size() == 0, "the outbox to drain")
        for receipt in await self.bench.control.receipts():
            if receipt["active"]:
                await self.bench.control.acknowledge(receipt["receipt"])
                self.acknowledged += 1
        await self._wait_for(
            lambda: not self.entry.runtime_data.receipts.receipts, "the alerts to end"
        )

    def _outbox_size(self) -> int:
        size: int = self.entry.runtime_data.outbox.size
        return size

    @staticmethod
    async def _wait_for(done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while not done():
            if time.monotonic() > deadline:
                raise BenchError(f"soak: waited {SETTLE_TIMEOUT:.0f} s for {what}")
            await asyncio.sleep(SETTLE_POLL)

    @staticmethod
    def _reading() -> dict[str, Any]:
        """Collect garbage, then read the resident set and Python's heap blocks."""
        gc.collect()
        return {"rss_bytes": resident_bytes(), "blocks": sys.getallocatedblocks()}

    async def _sizes(self) -> dict[str, Any]:
        """Return the sizes on disk once the delayed store writes are done."""
        hass = self.bench.hass
        await asyncio.sleep(1.5)  # the receipts store writes a second after a change
        await hass.async_block_till_done()
        _, outbox = paths(hass, self.entry.entry_id)
        storage = Path(hass.config.path(STORAGE_DIR))
        return await hass.async_add_executor_job(storage_bytes, storage, outbox)

    def _figures(
        self, readings: list[dict[str, Any]], sizes: dict[str, Any], seconds: float
    ) -> None:
        scenarios = self.scenarios
        first, last = readings[0], readings[-1]
        growth = scenarios.figure(SOAK, soak_metric(self.params), "MB", "ours")
        growth.label = "Pushover Plus"
        growth.decimals = 2
        growth.values.append((last["rss_bytes"] - first["rss_bytes"]) / _MEGABYTE)
        growth.details["readings"] = readings
        growth.details["python_blocks_growth"] = last["blocks"] - first["blocks"]
        stored = scenarios.figure(SOAK, STORAGE_METRIC, "bytes", "ours")
        stored.label = "Pushover Plus"
        stored.decimals = 0
        stored.values.append(float(sizes["store_bytes"]))
        stored.details["files"] = sizes["store_files"]
        folder = scenarios.figure(SOAK, OUTBOX_METRIC, "bytes", "ours")
        folder.label = "Pushover Plus"
        folder.decimals = 0
        folder.values.append(float(sizes["outbox_bytes"]))
        folder.details["files"] = sizes["outbox_files"]
        scenarios.context["soak"] = {
            "messages": self.params.soak_messages,
            "emergencies": self.emergencies,
            "acknowledged": self.acknowledged,
            "emergencies_queued": self.queued,
            "outages": self.outages,
            "queued_in_outages": self.outage_queued,
            "suppressed": self.suppressed,
            "remembered_at_end": self.remembered,
            "seconds": seconds,
            "rss_first_mb": first["rss_bytes"] / _MEGABYTE,
            "rss_last_mb": last["rss_bytes"] / _MEGABYTE,
        }
