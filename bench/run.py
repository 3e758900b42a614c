"""Run Home Assistant on its production event loop and measure every scenario.

Imported only once ``REQUESTS_CA_BUNDLE`` names the bundle that trusts the
sandbox (see :mod:`bench.hass_env`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
import json
import logging
from pathlib import Path
import ssl
import sys
import time
from typing import Any, TextIO, override

from homeassistant import block_async_io, runner
from homeassistant.util.resource import set_open_file_descriptor_limit

from .goals import evaluate, short_goals
from .hass_env import Bench, Links, SandboxControl, async_start_hass
from .params import Params
from .processes import ROOT, ProxyProcess, SandboxProcess
from .progress import Progress
from .results import machine, machine_line, summary, table, write_json
from .scenarios import Scenarios, say

#: In the order they run: those over loopback first, then those over the proxy,
#: so that the link changes once (the table lists them by number).
SCENARIOS = ("cpu", "attachment", "outbox", "soak", "latency", "burst", "setup")


class _CountingHandler(logging.Handler):
    """Count the log records of each level (to report warnings and errors)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    @override
    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1


def _configure_logging(log_file: Path) -> _CountingHandler:
    """Log like Home Assistant does by default (INFO), to a file, not the screen."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, mode="w")
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s (%(threadName)s) [%(name)s] %(message)s"
        )
    )
    counter = _CountingHandler()
    root = logging.getLogger()
    for existing in root.handlers[:]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.addHandler(counter)
    root.setLevel(logging.INFO)
    return counter


async def _measure(
    params: Params,
    *,
    selected: tuple[str, ...],
    sandbox: SandboxProcess,
    proxy: ProxyProcess,
    bundle: Path,
    work_dir: Path,
    progress: Progress,
) -> tuple[Scenarios, dict[str, Any]]:
    """Start Home Assistant, set both integrations up, run the scenarios."""
    block_async_io.enable()
    loop = asyncio.get_running_loop()
    allowed = work_dir / "files"
    started = time.perf_counter()
    hass = await async_start_hass(work_dir / "config", allowed)
    context: dict[str, Any] = {
        "hass_start_s": time.perf_counter() - started,
        "loop_debug": loop.get_debug(),
        "hass_config_debug": hass.config.debug,
        "loop": type(loop).__name__,
    }
    ssl_context = await loop.run_in_executor(
        None, partial(ssl.create_default_context, cafile=str(bundle))
    )
    control = SandboxControl(sandbox.base_url, ssl_context)
    links = Links(direct=sandbox.api_url, wan=f"https://127.0.0.1:{proxy.port}/1/")
    bench = Bench(hass, links, ssl_context, control, allowed)
    scenarios = Scenarios(bench, proxy, params, progress)
    try:
        await bench.async_setup()
        say(f"Home Assistant ready in {context['hass_start_s']:.1f} s")
        with progress.ticking():
            for name in selected:
                progress.start(name)
                await getattr(scenarios, name)()
            progress.finish()
    finally:
        await bench.async_close()
    context.update(scenarios.context)
    context["burst_ideal_ms"] = scenarios.burst_ideal()
    return scenarios, context


def _earlier_seconds(json_path: Path, params: Params) -> dict[str, float]:
    """Return how long each scenario took when last run with the same parameters."""
    try:
        earlier = json.loads(json_path.read_text(encoding="utf-8"))
    except OSError, ValueError:
        return {}
    if not isinstance(earlier, dict) or earlier.get("params") != asdict(params):
        return {}
    seconds = earlier.get("context", {}).get("scenario_seconds", {})
    return {name: float(value) for name, value in seconds.items()}


def _write_conditions(
    out: TextIO, info: dict[str, Any], params: Params, context: dict[str, Any]
) -> None:
    """Write under the tables what the figures were measured under."""
    out.write(f"Machine: {machine_line(info)}\n")
    out.write(
        f"Link: {params.rtt * 1000:g} ms round trip through a latency proxy; "
        f"burst ideal over {params.max_connections} connections "
        f"{context['burst_ideal_ms']:,.0f} ms (cold: TCP + TLS + "
        f"{params.burst // params.max_connections} round trips)\n"
    )
    if "idle_loop_lag_ms" in context:
        out.write(
            f"Loop-lag probe on an idle loop: {context['idle_loop_lag_ms']:.2f} ms; "
            f"attachment {context['attachment_bytes']:,} bytes\n"
        )
    if "soak" in context:
        soak = context["soak"]
        out.write(
            f"Soak: {soak['messages']:,} messages in {soak['seconds']:.0f} s, "
            f"{soak['emergencies']:,} emergencies ({soak['acknowledged']:,} "
            f"acknowledged), {soak['queued_in_outages']:,} queued in "
            f"{soak['outages']} outages, {soak['suppressed']:,} repeats suppressed "
            f"({soak['remembered_at_end']:,} messages remembered at the end); "
            f"resident {soak['rss_first_mb']:.1f} MB "
            f"at the first reading, {soak['rss_last_mb']:.1f} MB at the last\n"
        )
    if "outbox_ratio" in context:
        out.write(
            f"Outbox: CPU per queued message with {params.outbox_many:,} waiting "
            f"/ with {params.outbox_few:,} waiting = {context['outbox_ratio']:.2f}\n"
        )


def run(
    params: Params,
    *,
    selected: tuple[str, ...],
    sandbox: SandboxProcess,
    proxy: ProxyProcess,
    bundle: Path,
    work_dir: Path,
    json_path: Path,
    check: bool = False,
    quiet: bool = False,
) -> int:
    """Measure, print the table and write ``json_path``; return an exit status.

    With ``check``, the status is 1 when a goal is not met. Unless ``quiet``,
    each scenario and repetition is reported with the time left on standard
    error (estimated from the last run's ``json_path`` when it had the same
    parameters).
    """
    started = time.perf_counter()
    log_file = ROOT / "artifacts" / "bench-hass.log"
    counter = _configure_logging(log_file)
    info = machine()
    progress = Progress(
        selected,
        prefix="bench: ",
        expected=_earlier_seconds(json_path, params),
        enabled=not quiet,
    )
    (work_dir / "files").mkdir()
    (work_dir / "config").mkdir()
    set_open_file_descriptor_limit()
    loop = runner.create_event_loop(debug=False)
    asyncio.set_event_loop(loop)
    try:
        scenarios, context = loop.run_until_complete(
            _measure(
                params,
                selected=selected,
                sandbox=sandbox,
                proxy=proxy,
                bundle=bundle,
                work_dir=work_dir,
                progress=progress,
            )
        )
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()
    logging.shutdown()
    figures = scenarios.figures
    evaluate(figures, params, context)
    seconds = time.perf_counter() - started
    text = table(figures)
    side_by_side = summary(figures, short_goals(figures, params, context))
    context["log_records"] = dict(counter.counts)
    context["scenario_seconds"] = progress.durations
    write_json(
        json_path,
        {
            "issue": 8,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_seconds": seconds,
            "machine": info,
            "params": asdict(params),
            "context": context,
            "figures": [item.to_json() for item in figures.items],
            "table": text,
            "summary": side_by_side,
        },
    )
    out = sys.stdout
    out.write("\n" + text + "\n\nSide by side, median (min-max):\n\n")
    out.write(side_by_side + "\n\n")
    _write_conditions(out, info, params, context)
    verdicts = [item for item in figures.items if item.met is not None]
    missed = [item for item in verdicts if not item.met]
    out.write(
        f"Goals: {len(verdicts) - len(missed)} of {len(verdicts)} met"
        + "".join(f"\n  NOT met: {i.scenario}: {i.metric}, {i.label}" for i in missed)
        + "\n"
    )
    out.write(
        f"Run time {seconds:.0f} s; figures in {json_path}, Home Assistant's log in "
        f"{log_file} ({context['log_records'] or 'no warnings'})\n"
    )
    return 1 if check and missed else 0
