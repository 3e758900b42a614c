"""Figures, goals, the printed table and the JSON file."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import platform
import statistics
import subprocess
import sys
from typing import Any

from .processes import ROOT


@dataclass
class Figure:
    """One measured quantity of one sender, with one value per repetition."""

    scenario: str
    metric: str
    unit: str
    sender: str
    label: str
    values: list[float] = field(default_factory=list)
    #: How many decimals the table shows.
    decimals: int = 1
    goal: str = ""
    met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        """Return the median of the repetitions."""
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        """Return the smallest repetition."""
        return min(self.values)

    @property
    def high(self) -> float:
        """Return the largest repetition."""
        return max(self.values)

    def to_json(self) -> dict[str, Any]:
        """Describe the figure as plain JSON values."""
        return {
            "scenario": self.scenario,
            "metric": self.metric,
            "unit": self.unit,
            "sender": self.sender,
            "label": self.label,
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "repetitions": self.values,
            "goal": self.goal or None,
            "met": self.met,
            "details": self.details,
        }


class Figures:
    """Every figure of a run, in the order measured."""

    def __init__(self) -> None:
        """Start empty."""
        self.items: list[Figure] = []

    def get(
        self, scenario: str, metric: str, sender: str, label: str, unit: str
    ) -> Figure:
        """Return the figure for these keys, made on first use."""
        for item in self.items:
            if (item.scenario, item.metric, item.sender) == (scenario, metric, sender):
                return item
        item = Figure(scenario, metric, unit, sender, label)
        self.items.append(item)
        return item

    def find(self, scenario: str, metric: str, sender: str) -> Figure | None:
        """Return the figure for these keys, if measured."""
        for item in self.items:
            if (item.scenario, item.metric, item.sender) == (scenario, metric, sender):
                return item
        return None


def _format(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def table(figures: Figures) -> str:
    """Return the figures as a Markdown table (it reads fine as plain text)."""
    header = ("scenario", "sender", "median", "min", "max", "goal", "met?")
    rows: list[tuple[str, ...]] = []
    last = ""
    first: dict[tuple[str, str], int] = {}
    for index, item in enumerate(figures.items):
        first.setdefault((item.scenario, item.metric), index)
    ordered = sorted(
        figures.items,
        key=lambda figure: (
            figure.scenario[0],
            first[figure.scenario, figure.metric],
        ),
    )
    for item in ordered:
        name = f"{item.scenario}: {item.metric}" + (
            f" ({item.unit})" if item.unit else ""
        )
        met = "" if item.met is None else ("yes" if item.met else "NO")
        rows.append(
            (
                name if name != last else "",
                item.label,
                _format(item.median, item.decimals),
                _format(item.low, item.decimals),
                _format(item.high, item.decimals),
                item.goal,
                met,
            )
        )
        last = name
    return _markdown(header, rows, numeric={2, 3, 4})


#: The columns of the side-by-side summary, by sender key.
COLUMNS = (
    (("ours_entity", "ours"), "Pushover Plus, entity"),
    (("ours_legacy",), "Pushover Plus, notify.plus"),
    (("ours_legacy_actions",), "Pushover Plus, notify.plus with actions"),
    (("builtin",), "built-in pushover"),
    (("floor",), "floor (aiohttp)"),
    (("ha_entity_floor",), "HA entity around floor"),
    (("ha_legacy_floor",), "HA notify.<name> around floor"),
)


def summary(figures: Figures, goals: dict[tuple[str, str], str]) -> str:
    """Return one row per measured quantity, the senders side by side.

    Cells are "median (min-max)" over the repetitions; ``goals`` gives the
    short goal text of a (scenario, metric).
    """
    keys: list[tuple[str, str]] = []
    for item in sorted(figures.items, key=lambda figure: figure.scenario[0]):
        if (item.scenario, item.metric) not in keys:
            keys.append((item.scenario, item.metric))
    header = ("scenario", *(title for _, title in COLUMNS), "goal", "met?")
    rows: list[tuple[str, ...]] = []
    for scenario, metric in keys:
        cells: list[str] = []
        verdicts: list[str] = []
        unit = ""
        for senders, _ in COLUMNS:
            found = next(
                (
                    item
                    for item in figures.items
                    if (item.scenario, item.metric) == (scenario, metric)
                    and item.sender in senders
                ),
                None,
            )
            if found is None:
                cells.append("-")
                continue
            unit = found.unit
            low, high = (_format(v, found.decimals) for v in (found.low, found.high))
            spread = "" if low == high else f" ({low}-{high})"
            cells.append(_format(found.median, found.decimals) + spread)
            if found.met is not None:
                verdicts.append("yes" if found.met else "NO")
        name = f"{scenario}: {metric}" + (f", {unit}" if unit else "")
        rows.append(
            (name, *cells, goals.get((scenario, metric), ""), " / ".join(verdicts))
        )
    return _markdown(header, rows, numeric=set(range(1, len(COLUMNS) + 1)))


def _markdown(
    header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: set[int]
) -> str:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        padded = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2)
        for i, w in enumerate(widths)
    )
    return "\n".join([line(header), rule + "|", *(line(row) for row in rows)])


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _git(*args: str) -> str:
    try:
        return subprocess.run(  # noqa: S603 - fixed git arguments
            ["git", *args],  # noqa: S607 - git from PATH, optional
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except OSError, subprocess.CalledProcessError:
        return ""


def machine() -> dict[str, Any]:
    """Describe the machine and the software the run used."""
    from aiohttp import __version__ as aiohttp_version  # noqa: PLC0415
    from homeassistant.const import __version__ as ha_version  # noqa: PLC0415

    cpu = next(
        (
            line.partition(":")[2].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = next(
        (
            int(line.split()[1]) * 1024
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_bytes": memory,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "home_assistant": ha_version,
        "aiohttp": aiohttp_version,
        "load_average_at_start": list(os.getloadavg()),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "worktree_changes": bool(_git("status", "--porcelain")),
    }


def machine_line(info: dict[str, Any]) -> str:
    """Return a one-line description of the machine."""
    gib = info["memory_bytes"] / 2**30
    return (
        f"{info['cpu']}, {info['cores_usable']} cores, {gib:.0f} GiB; "
        f"Python {info['python']}, Home Assistant {info['home_assistant']}, "
        f"aiohttp {info['aiohttp']}; commit {info['commit']}"
        + (" + uncommitted changes" if info["worktree_changes"] else "")
    )


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write the run's figures and context to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
