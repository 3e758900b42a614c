"""The scenarios of issue 8, each run for every sender, senders alternating.

Within a scenario the senders take turns repetition by repetition, starting
with a different one each time, so that a slow minute of the machine hits all
of them alike. Figures are per repetition; the table shows their median, min
and max.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator, Sequence
import gc
import math
import os
from pathlib import Path
import statistics
import sys
import time
import tracemalloc
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigEntryState

from custom_components.pushover_plus.const import DOMAIN

from .hass_env import (
    BUILTIN_DOMAIN,
    OURS_LEGACY,
    Bench,
    BenchError,
    OursEntity,
    Sender,
    make_entry,
)
from .params import Params
from .probes import LoopLagProbe, RssPeak, write_noise_jpeg
from .processes import ProxyProcess
from .progress import Progress
from .results import Figure, Figures
from .soak import Soak

LATENCY: Final = "1 latency, 50 ms RTT"
CPU: Final = "2 CPU, loopback"
#: What actions add to notify.plus (see Scenarios._actions_in_turns).
ACTIONS_EXTRA: Final = "CPU time added by actions, per message, in turns"
BURST: Final = "3 burst of 50, 50 ms RTT"
ATTACHMENT: Final = "4 attachment 5 MB, loopback"
SETUP: Final = "5 entry setup, 50 ms RTT"
SETUP_METRIC: Final = "setup time"
#: Setting up an entry that was set up before: Pushover Plus has saved state.
RESTART_METRIC: Final = "setup time, set up before"
SETUP_LABELS: Final = {
    "ours": "Pushover Plus",
    "builtin": "built-in pushover",
    "floor": "floor: bare aiohttp",
}
OUTBOX: Final = "6 outbox, Pushover down, loopback"

OURS: Final = ("ours_entity", "ours_legacy")
#: Time for closed connections to be noticed by every pool.
SETTLE: Final = 0.2
#: Longest wait for idle pooled connections to expire (aiohttp keeps them 15 s).
IDLE_WAIT: Final = 40.0


def rotate[T](items: Sequence[T], by: int) -> list[T]:
    """Return ``items`` starting at position ``by`` (modulo their number)."""
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


def outbox_metric(waiting: int) -> str:
    """Return the metric of the outbox scenario with ``waiting`` messages queued."""
    return f"CPU per queued message, {waiting:,} waiting"


def say(text: str) -> None:
    """Report progress on standard error."""
    sys.stderr.write(f"bench: {text}\n")
    sys.stderr.flush()


class Scenarios:
    """Runs the scenarios against a set-up :class:`Bench`."""

    def __init__(
        self,
        bench: Bench,
        proxy: ProxyProcess,
        params: Params,
        progress: Progress | None = None,
    ) -> None:
        """Measure ``bench``'s senders, driving ``proxy``; report to ``progress``."""
        self.bench = bench
        self.proxy = proxy
        self.params = params
        self.progress = progress or Progress((), enabled=False)
        self.figures = Figures()
        self.context: dict[str, Any] = {}

    def figure(
        self, scenario: str, metric: str, unit: str, sender: Sender | str
    ) -> Figure:
        """Return the figure of ``sender`` (a sender or its key) for a metric."""
        if isinstance(sender, Sender):
            key, label = sender.key, sender.label
        else:
            key, label = sender, sender
        return self.figures.get(scenario, metric, key, label, unit)

    async def _proxy(self, command: str) -> list[str]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.proxy.command, command)

    async def cold(self) -> None:
        """Close every connection through the proxy and let the pools notice."""
        await self._proxy("drop")
        await asyncio.sleep(SETTLE)

    async def use_wan(self) -> None:
        """Send over the proxy, once no connection to the sandbox is left open.

        The pools keep idle connections to the direct address for a while after
        switching; the sandbox would count them with the senders' connections.
        """
        await self.bench.use_link("wan")
        await self.cold()
        deadline = time.monotonic() + IDLE_WAIT
        while True:
            metrics = await self.bench.control.metrics()
            # The one open is the control request asking.
            if metrics["connections"]["current"] <= 1:
                return
            if time.monotonic() > deadline:
                raise BenchError(
                    f"connections to the sandbox stayed open: {metrics['connections']}"
                )
            await asyncio.sleep(0.5)

    async def quiet_reset(self) -> None:
        """Reset the sandbox so that its connection peak counts senders only.

        The controls' own connections close after each request, but the sandbox
        may not have seen them go yet: reset the peak once they are gone (it then
        counts the one resetting it), and let that one go too.
        """
        await self.bench.control.reset()
        await asyncio.sleep(SETTLE)
        await self.bench.control.reset_metrics()
        await asyncio.sleep(SETTLE)

    # -- 1 -------------------------------------------------------------------

    async def latency(self) -> None:
        """Time each message from the action call to its completion, warm."""
        params = self.params
        await self.use_wan()
        await self.bench.control.reset()
        say(f"{LATENCY}: {params.repetitions} x {params.latency_messages} messages")
        for rep in self._repetitions(params.repetitions):
            for sender in rotate(self.bench.senders, rep):
                for index in range(params.latency_warmup):
                    await sender.send(f"latency warm-up {rep}.{index}")
                times = []
                for index in range(params.latency_messages):
                    start = time.perf_counter()
                    await sender.send(f"latency {rep}.{index}")
                    times.append((time.perf_counter() - start) * 1000)
                figure = self.figure(LATENCY, "time per message", "ms", sender)
                figure.values.append(statistics.median(times))
                figure.details.setdefault("messages_ms", []).append(times)
            await self.bench.control.reset()
        self._log_medians(LATENCY)

    # -- 2 -------------------------------------------------------------------

    async def cpu(self) -> None:
        """Measure the process CPU time of sequential messages over loopback."""
        params = self.params
        await self.bench.use_link("direct")
        say(
            f"{CPU}: {params.cpu_repetitions} x {params.cpu_messages} "
            "messages per sender"
        )
        senders = [*self.bench.senders, *self.bench.references, *self.bench.variants]
        for rep in self._repetitions(params.cpu_repetitions):
            for sender in rotate(senders, rep):
                await self.bench.control.reset()
                for index in range(params.cpu_warmup):
                    await sender.send(f"cpu warm-up {rep}.{index}")
                gc.collect()
                cpu_start = time.process_time()
                wall_start = time.perf_counter()
                for index in range(params.cpu_messages):
                    await sender.send(f"cpu {rep}.{index}")
                cpu = time.process_time() - cpu_start
                wall = time.perf_counter() - wall_start
                received = (await self.bench.control.metrics())["messages"]
                expected = params.cpu_warmup + params.cpu_messages
                if received != expected:
                    raise BenchError(
                        f"{sender.key}: the sandbox got {received} messages, "
                        f"not {expected}"
                    )
                figure = self.figure(CPU, "CPU time per message", "ms", sender)
                figure.decimals = 3
                figure.values.append(cpu / params.cpu_messages * 1000)
                figure.details.setdefault("wall_ms_per_message", []).append(
                    wall / params.cpu_messages * 1000
                )
            await self._actions_in_turns(rep)
        self._log_medians(CPU)

    async def _actions_in_turns(self, rep: int) -> None:
        """Time notify.plus with and without actions, taking turns.

        What actions add is under a tenth of a millisecond; a 2-core machine's
        CPU time per message drifts more than that from one sender's thousand
        messages to the next one's, and now and then a turn costs a third
        more for no reason of its own. So the two take turns every hundred
        messages, each turn's pair gives a difference, and the repetition's
        figure is the median of those differences.
        """
        params = self.params
        plain = next(
            sender for sender in self.bench.senders if sender.key == OURS_LEGACY
        )
        [actions] = self.bench.variants
        differences = []
        for turn in range(params.cpu_pair_turns):
            pair = (plain, actions) if (turn + rep) % 2 == 0 else (actions, plain)
            spent = {}
            for sender in pair:
                await self.bench.control.reset()
                gc.collect()
                start = time.process_time()
                for index in range(params.cpu_pair_messages):
                    await sender.send(f"cpu turn {rep}.{turn}.{index}")
                spent[sender.key] = time.process_time() - start
            differences.append(
                (spent[actions.key] - spent[plain.key])
                / params.cpu_pair_messages
                * 1000
            )
        figure = self.figure(CPU, ACTIONS_EXTRA, "ms", actions)
        figure.decimals = 3
        figure.values.append(statistics.median(differences))
        figure.details.setdefault("turn_differences_ms", []).extend(differences)

    # -- 3 -------------------------------------------------------------------

    def burst_ideal(self) -> float:
        """Return the best time for the burst over two connections, in ms.

        Each connection first pays a round trip for TCP and one for TLS 1.3;
        then every round trip carries one request on each connection.
        """
        params = self.params
        rounds = math.ceil(params.burst / params.max_connections) + 2
        return rounds * params.rtt * 1000

    async def burst(self) -> None:
        """Start 50 messages at once; time them and count connections."""
        params = self.params
        await self.use_wan()
        say(f"{BURST}: {params.repetitions} bursts per sender, each from cold")
        for rep in self._repetitions(params.repetitions):
            for sender in rotate(self.bench.senders, rep):
                await self.cold()
                await self.quiet_reset()
                await self._proxy("reset")
                start = time.perf_counter()
                await asyncio.gather(
                    *(
                        sender.send(f"burst {rep}.{index}")
                        for index in range(params.burst)
                    )
                )
                elapsed = (time.perf_counter() - start) * 1000
                _, _, proxy_peak, proxy_total = await self._proxy("stats")
                await self.cold()
                metrics = await self.bench.control.metrics()
                if metrics["messages"] != params.burst:
                    raise BenchError(
                        f"{sender.key}: the sandbox got {metrics['messages']} "
                        f"burst messages, not {params.burst}"
                    )
                total = self.figure(BURST, "total time", "ms", sender)
                total.decimals = 0
                total.values.append(elapsed)
                connections = self.figure(BURST, "peak connections", "", sender)
                connections.decimals = 0
                connections.values.append(float(metrics["connections"]["peak"]))
                connections.details.setdefault("proxy_peak", []).append(int(proxy_peak))
                connections.details.setdefault("connections_opened", []).append(
                    int(proxy_total)
                )
        self._log_medians(BURST)

    # -- 4 -------------------------------------------------------------------

    async def attachment(self) -> None:
        """Send a 5 MB image from disk: longest loop stall, peak memory growth."""
        params = self.params
        await self.bench.use_link("direct")
        image = self.bench.allowed_dir / "bench-noise.jpg"
        loop = asyncio.get_running_loop()
        size = await loop.run_in_executor(
            None, write_noise_jpeg, image, params.attachment_bytes
        )
        self.context["attachment_bytes"] = size
        say(
            f"{ATTACHMENT}: {size:,} byte JPEG, "
            f"{params.attachment_repetitions} sends per sender and measure"
        )
        for sender in self.bench.senders:  # imports and first-use costs
            await self.bench.control.reset()
            await sender.send_attachment("attachment warm-up", image)
        # The probe's own noise: the same probe on the loop with nothing to do.
        gc.collect()
        async with LoopLagProbe() as idle:
            await asyncio.sleep(2.0)
        self.context["idle_loop_lag_ms"] = idle.max_lag * 1000
        for rep in self._repetitions(params.attachment_repetitions):
            for sender in rotate(self.bench.senders, rep):
                await self.bench.control.reset()
                gc.collect()
                rss = RssPeak()
                rss.start()
                async with LoopLagProbe() as probe:
                    start = time.perf_counter()
                    await sender.send_attachment(f"attachment {rep}", image)
                    elapsed = (time.perf_counter() - start) * 1000
                rss_growth = rss.growth()
                stall = self.figure(ATTACHMENT, "longest loop stall", "ms", sender)
                stall.decimals = 2
                stall.values.append(probe.max_lag * 1000)
                stall.details.setdefault("send_ms", []).append(elapsed)
                stall.details.setdefault("probe_wakeups", []).append(probe.wakeups)

                await self.bench.control.reset()
                growth = await self._traced_peak(
                    sender.send_attachment(f"attachment m{rep}", image)
                )
                memory = self.figure(ATTACHMENT, "peak memory growth", "x file", sender)
                memory.decimals = 2
                memory.values.append(growth / size)
                memory.details.setdefault("python_heap_bytes", []).append(growth)
                memory.details.setdefault("rss_peak_growth_bytes", []).append(
                    rss_growth
                )
        await self.bench.control.reset()
        self._log_medians(ATTACHMENT)

    @staticmethod
    async def _traced_peak(send: Awaitable[None]) -> int:
        """Return the peak growth of Python's heap (all threads) while ``send`` runs."""
        gc.collect()
        tracemalloc.start()
        try:
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            await send
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak - base

    # -- 5 -------------------------------------------------------------------

    async def setup(self) -> None:
        """Time setting up a new config entry, and one that was set up before.

        A new entry starts from cold connections; a Pushover Plus entry set up
        before (a restart of Home Assistant, as far as the entry can tell) is
        unloaded and set up again, from what it stored.
        """
        bench = self.bench
        await self.use_wan()
        say(f"{SETUP}: {self.params.repetitions} new and restarted entries each")
        # Once untimed: first-use costs, and the requests the floor is to make.
        await self.cold()
        await bench.control.reset()
        entry = make_entry(DOMAIN, "Setup warm-up", bench.links.wan)
        await bench.hass.config_entries.async_add(entry)
        await bench.hass.async_block_till_done()
        await bench.hass.config_entries.async_remove(entry.entry_id)
        ours_requests = [
            (item["method"], item["path"].removeprefix("/1/"))
            for item in await bench.control.requests()
        ]
        self.context["setup_requests"] = [" ".join(item) for item in ours_requests]
        # The built-in integration keeps nothing (nor can it be unloaded): its
        # setup time is what a restart costs it.
        restarted = make_entry(DOMAIN, "Restart", bench.links.wan)
        await bench.hass.config_entries.async_add(restarted)
        await bench.hass.async_block_till_done(wait_background_tasks=True)
        kinds = ("ours", "builtin", "floor", "ours restart")
        for rep in self._repetitions(self.params.repetitions):
            for kind in rotate(kinds, rep):
                sender, _, restart = kind.partition(" ")
                figure = await self._setup_once(
                    sender, rep, ours_requests, restarted if restart else None
                )
                requests = await bench.control.requests()
                figure.details.setdefault("requests", []).append(
                    [f"{item['method']} {item['path']}" for item in requests]
                )
                arrivals = sorted(float(item["received_at"]) for item in requests)
                figure.details.setdefault("arrivals_ms", []).append(
                    [round((arrival - arrivals[0]) * 1000, 1) for arrival in arrivals]
                )
        self._log_medians(SETUP)

    async def _setup_once(
        self,
        sender: str,
        rep: int,
        ours_requests: list[tuple[str, str]],
        restarted: ConfigEntry | None,
    ) -> Figure:
        """Set up one entry (or make the floor's calls); return its figure."""
        hass = self.bench.hass
        if restarted is not None:
            await hass.config_entries.async_unload(restarted.entry_id)
        await self.cold()
        await self.quiet_reset()
        metric = SETUP_METRIC if restarted is None else RESTART_METRIC
        figure = self.figures.get(SETUP, metric, sender, SETUP_LABELS[sender], "ms")
        figure.decimals = 0
        start = time.perf_counter()
        if sender == "floor":
            await self.bench.floor.setup_calls(ours_requests)
            figure.values.append((time.perf_counter() - start) * 1000)
            return figure
        if restarted is None:
            domain = DOMAIN if sender == "ours" else BUILTIN_DOMAIN
            entry = make_entry(domain, f"Setup {sender} {rep}", self.bench.links.wan)
            # async_add registers the entry and runs async_setup on it.
            await hass.config_entries.async_add(entry)
        else:
            entry = restarted
            await hass.config_entries.async_setup(entry.entry_id)
        figure.values.append((time.perf_counter() - start) * 1000)
        # Until the background work (asking Pushover again) is done too.
        await hass.async_block_till_done(wait_background_tasks=True)
        ready = (time.perf_counter() - start) * 1000
        if entry.state is not ConfigEntryState.LOADED:
            raise BenchError(f"{entry.title}: {entry.state} ({entry.reason})")
        figure.details.setdefault("until_idle_ms", []).append(ready)
        if sender == "ours" and restarted is None:
            await hass.config_entries.async_remove(entry.entry_id)
        return figure

    # -- 6 -------------------------------------------------------------------

    async def outbox(self) -> None:
        """Queue messages while Pushover fails: CPU per message, few vs many waiting."""
        params = self.params
        bench = self.bench
        await bench.use_link("direct")
        image = bench.allowed_dir / "bench-snapshot.jpg"
        loop = asyncio.get_running_loop()
        size = await loop.run_in_executor(
            None, write_noise_jpeg, image, params.outbox_image_bytes
        )
        sizes = (params.outbox_few, params.outbox_many)
        say(
            f"{OUTBOX}: {params.outbox_repetitions} x {params.outbox_messages} "
            f"messages on top of {' and '.join(f'{n:,}' for n in sizes)} waiting, "
            f"1 in {params.outbox_image_every} with a {size:,} byte snapshot"
        )
        await bench.control.reset()
        await bench.control.add_fault("500", 10**6, "messages.json")
        try:
            for rep in self._repetitions(params.outbox_repetitions):
                for waiting in rotate(sizes, rep):
                    figure = self.figures.get(
                        OUTBOX, outbox_metric(waiting), "ours", "Pushover Plus", "ms"
                    )
                    figure.decimals = 3
                    figure.values.append(
                        await self._queue(f"Outbox {rep} {waiting}", waiting, image)
                    )
        finally:
            await bench.control.clear_faults()
        await bench.control.reset()
        self._log_medians(OUTBOX)

    async def _queue(self, name: str, waiting: int, image: Path) -> float:
        """Fill a new entry's outbox with ``waiting`` messages, then time more.

        Returns the process CPU time (every thread, the kernel's work for it
        included) per timed message, in ms. Each message is an action call of
        the notify entity, queued behind the first (which Pushover failed).
        """
        params = self.params
        entry, sender = await self.bench.add_ours(name)
        try:
            for index in range(waiting):
                await self._enqueue(sender, f"waiting {index}", index, image)
            # The disk writes the filling left behind are not the timed ones'.
            await asyncio.get_running_loop().run_in_executor(None, os.sync)
            gc.collect()
            start = time.process_time()
            for index in range(params.outbox_messages):
                await self._enqueue(sender, f"timed {index}", index, image)
            cpu = time.process_time() - start
            queued = entry.runtime_data.outbox.size
            if queued != waiting + params.outbox_messages:
                raise BenchError(f"{name}: {queued} messages wait, not all of them")
        finally:
            await self.bench.hass.config_entries.async_remove(entry.entry_id)
        return cpu / params.outbox_messages * 1000

    async def _enqueue(
        self, sender: OursEntity, text: str, index: int, image: Path
    ) -> None:
        if index % self.params.outbox_image_every == 0:
            await sender.send_attachment(text, image)
        else:
            await sender.send(text)

    # -- 7 -------------------------------------------------------------------

    async def soak(self) -> None:
        """Send many messages through one entry: memory growth, storage left."""
        await Soak(self, say).run()

    def _repetitions(self, count: int) -> Iterator[int]:
        """Yield 0 to ``count`` - 1, telling the progress as each one is done."""
        self.progress.expect(count, "repetition")
        for rep in range(count):
            yield rep
            self.progress.step()

    def _log_medians(self, scenario: str) -> None:
        for item in self.figures.items:
            if item.scenario == scenario:
                say(
                    f"  {item.metric:>20}  {item.label:<36} "
                    f"{item.median:10.{item.decimals}f} {item.unit}"
                )
