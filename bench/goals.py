"""The goals of issue 8, judged on this integration's figures.

Medians are compared for times and CPU; the worst repetition for the limits
that must never be crossed (connections, stalls, memory).
"""

from __future__ import annotations

import math
from typing import Any

from .hass_env import FLOOR_ENTITY, FLOOR_LEGACY, OURS_ACTIONS, OURS_LEGACY
from .params import Params
from .results import Figure, Figures
from .scenarios import (
    ACTIONS_EXTRA,
    ATTACHMENT,
    BURST,
    CPU,
    LATENCY,
    OURS,
    OUTBOX,
    RESTART_METRIC,
    SETUP,
    SETUP_METRIC,
    outbox_metric,
)
from .soak import SOAK, soak_metric

LATENCY_SPEEDUP = 2.5
LATENCY_OVER_FLOOR = 1.2
CPU_OF_BUILTIN = 0.8
CPU_OVER_FLOOR = 1.5
BURST_SLACK = 1.2
MAX_STALL_MS = 5.0
MAX_MEMORY_FACTOR = 1.5
#: Setting up an entry set up before, from its saved state, against the built-in.
RESTART_OF_BUILTIN = 0.3
#: Queueing with many messages waiting, at most this many times with few.
OUTBOX_RATIO = 1.5
#: What actions may add to a message's CPU time, in floors (of one message).
ACTIONS_OVER_FLOOR = 0.2
#: Resident memory that the soak's messages after the first reading may add.
SOAK_MAX_GROWTH_MB = 5.0
#: Each of our senders, and Home Assistant's own path of that kind around the floor.
REFERENCE = {"ours_entity": FLOOR_ENTITY, OURS_LEGACY: FLOOR_LEGACY}


def _pair(
    figures: Figures, scenario: str, metric: str, sender: str
) -> tuple[Figure, Figure, Figure] | None:
    ours = figures.find(scenario, metric, sender)
    builtin = figures.find(scenario, metric, "builtin")
    floor = figures.find(scenario, metric, "floor")
    if ours is None or builtin is None or floor is None:
        return None
    return ours, builtin, floor


def evaluate(figures: Figures, params: Params, context: dict[str, Any]) -> None:
    """Fill in the goal text and verdict of this integration's figures."""
    for sender in OURS:
        if trio := _pair(figures, LATENCY, "time per message", sender):
            ours, builtin, floor = trio
            speedup = builtin.median / ours.median
            over = ours.median / floor.median
            ours.goal = (
                f"built-in/ours {speedup:.2f} (>= {LATENCY_SPEEDUP}), "
                f"ours/floor {over:.2f} (<= {LATENCY_OVER_FLOOR})"
            )
            ours.met = speedup >= LATENCY_SPEEDUP and over <= LATENCY_OVER_FLOOR

        if trio := _pair(figures, CPU, "CPU time per message", sender):
            ours, builtin, floor = trio
            of_builtin = ours.median / builtin.median
            over = ours.median / floor.median
            ours.goal = (
                f"ours/built-in {of_builtin:.2f} (<= {CPU_OF_BUILTIN}), "
                f"ours/floor {over:.2f} (<= {CPU_OVER_FLOOR})"
            )
            if reference := figures.find(CPU, ours.metric, REFERENCE[sender]):
                ours.goal += (
                    f"; Home Assistant's own path {reference.median / floor.median:.2f}"
                    " x floor"
                )
            ours.met = of_builtin <= CPU_OF_BUILTIN and over <= CPU_OVER_FLOOR

        if figure := figures.find(BURST, "total time", sender):
            ideal = context["burst_ideal_ms"]
            allowed = BURST_SLACK * ideal
            figure.goal = f"<= {allowed:,.0f} ({BURST_SLACK} x ideal {ideal:,.0f})"
            figure.met = figure.median <= allowed
        if figure := figures.find(BURST, "peak connections", sender):
            figure.goal = f"never > {params.max_connections} (worst run)"
            figure.met = figure.high <= params.max_connections

        if figure := figures.find(ATTACHMENT, "longest loop stall", sender):
            figure.goal = f"<= {MAX_STALL_MS:g} ms (worst run)"
            figure.met = figure.high <= MAX_STALL_MS
        if figure := figures.find(ATTACHMENT, "peak memory growth", sender):
            figure.goal = f"< {MAX_MEMORY_FACTOR} x file (worst run)"
            figure.met = figure.high < MAX_MEMORY_FACTOR

    _judge_restart(figures)
    _judge_actions(figures)
    _evaluate_outbox(figures, params, context)
    _judge_soak(figures, params)
    _judge_setup(figures, params)


def _judge_soak(figures: Figures, params: Params) -> None:
    """Judge what the soak's later messages add to Home Assistant's memory."""
    if figure := figures.find(SOAK, soak_metric(params), "ours"):
        figure.goal = f"<= {SOAK_MAX_GROWTH_MB:g} MB"
        figure.met = figure.high <= SOAK_MAX_GROWTH_MB


def _judge_setup(figures: Figures, params: Params) -> None:
    """Report a new entry's setup against the built-in's, in round trips."""
    ours_setup = figures.find(SETUP, SETUP_METRIC, "ours")
    builtin_setup = figures.find(SETUP, SETUP_METRIC, "builtin")
    if ours_setup is None or builtin_setup is None:
        return
    runs = ours_setup.details.get("arrivals_ms", [])
    calls = max((len(arrivals) for arrivals in runs), default=0)
    best = math.ceil(calls / params.max_connections)
    worst = max((_rounds(arrivals, params.rtt) for arrivals in runs), default=0)
    ideal = (best + 2) * params.rtt * 1000
    ratio = ours_setup.median / builtin_setup.median
    ours_setup.goal = (
        f"ours/built-in {ratio:.2f} (report); {calls} calls in {worst} "
        f"round(s), best {best} at {params.max_connections} at once "
        f"(ideal {ideal:,.0f})"
    )
    ours_setup.met = worst <= best


def _judge_actions(figures: Figures) -> None:
    """Judge what a message's actions add to notify.<name>'s CPU time.

    The figure is the difference measured in turns (``Scenarios._actions_in_turns``),
    not that of the two senders' medians, which drift apart by more.
    """
    extra = figures.find(CPU, ACTIONS_EXTRA, OURS_ACTIONS)
    floor = figures.find(CPU, "CPU time per message", "floor")
    if extra is None or floor is None:
        return
    ratio = extra.median / floor.median
    extra.goal = f"extra/floor {ratio:.2f} (<= {ACTIONS_OVER_FLOOR})"
    extra.met = ratio <= ACTIONS_OVER_FLOOR


def _judge_restart(figures: Figures) -> None:
    """Judge the setup of an entry set up before against the built-in's."""
    if pair := _restart_pair(figures):
        ours_restart, builtin_restart = pair
        ratio = ours_restart.median / builtin_restart.median
        ours_restart.goal = (
            f"ours from saved state/built-in setup {ratio:.2f} "
            f"(<= {RESTART_OF_BUILTIN})"
        )
        ours_restart.met = ratio <= RESTART_OF_BUILTIN


def _restart_pair(figures: Figures) -> tuple[Figure, Figure] | None:
    """Return ours set up before and the built-in's setup (it keeps nothing)."""
    ours = figures.find(SETUP, RESTART_METRIC, "ours")
    builtin = figures.find(SETUP, SETUP_METRIC, "builtin")
    if ours is None or builtin is None:
        return None
    return ours, builtin


def _evaluate_outbox(figures: Figures, params: Params, context: dict[str, Any]) -> None:
    """Judge the cost of queueing with many messages waiting against few."""
    few = figures.find(OUTBOX, outbox_metric(params.outbox_few), "ours")
    many = figures.find(OUTBOX, outbox_metric(params.outbox_many), "ours")
    if few is None or many is None:
        return
    ratio = many.median / few.median
    context["outbox_ratio"] = ratio
    many.goal = (
        f"{params.outbox_many:,}/{params.outbox_few:,} waiting {ratio:.2f} "
        f"(<= {OUTBOX_RATIO})"
    )
    many.met = ratio <= OUTBOX_RATIO


def _rounds(arrivals_ms: list[float], rtt: float) -> int:
    """Count the round trips the requests of a setup came in.

    Requests sent together reach the sandbox within a fraction of a round trip
    of each other; a request sent after another's reply, a round trip later.
    """
    rounds = 0
    start = -math.inf
    for arrival in sorted(arrivals_ms):
        if arrival - start > rtt * 1000 / 2:
            rounds += 1
            start = arrival
    return rounds


def short_goals(
    figures: Figures, params: Params, context: dict[str, Any]
) -> dict[tuple[str, str], str]:
    """Return the goal of each (scenario, metric) in a few words."""
    goals = {
        (LATENCY, "time per message"): (
            f">= {LATENCY_SPEEDUP}x faster than built-in, "
            f"<= {LATENCY_OVER_FLOOR}x floor"
        ),
        (CPU, "CPU time per message"): (
            f"<= {CPU_OF_BUILTIN}x built-in, <= {CPU_OVER_FLOOR}x floor"
        ),
        (CPU, ACTIONS_EXTRA): f"<= {ACTIONS_OVER_FLOOR}x floor",
        (BURST, "peak connections"): f"never > {params.max_connections}",
        (ATTACHMENT, "longest loop stall"): f"never > {MAX_STALL_MS:g} ms",
        (ATTACHMENT, "peak memory growth"): f"< {MAX_MEMORY_FACTOR} x file",
    }
    goals[SOAK, soak_metric(params)] = (
        f"<= {SOAK_MAX_GROWTH_MB:g} MB after gc.collect()"
    )
    goals[OUTBOX, outbox_metric(params.outbox_many)] = (
        f"<= {OUTBOX_RATIO}x with {params.outbox_few:,} waiting"
    )
    if "burst_ideal_ms" in context:
        allowed = BURST_SLACK * context["burst_ideal_ms"]
        goals[BURST, "total time"] = f"<= {allowed:,.0f} ms ({BURST_SLACK}x ideal)"
    if _restart_pair(figures):
        goals[SETUP, RESTART_METRIC] = (
            f"<= {RESTART_OF_BUILTIN}x built-in's setup (saved state, no round trip)"
        )
    if ours_setup := figures.find(SETUP, SETUP_METRIC, "ours"):
        runs = ours_setup.details.get("arrivals_ms", [])
        calls = max((len(arrivals) for arrivals in runs), default=0)
        best = math.ceil(calls / params.max_connections)
        goals[SETUP, SETUP_METRIC] = (
            f"report; its {calls} calls concurrent ({best} round(s) at "
            f"{params.max_connections} at once)"
        )
    return goals
