"""Fault injection: make the next requests under ``/1/`` fail in chosen ways."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import random
from typing import Any, Final

FAULT_KINDS: Final = (
    "500",
    "503_html",
    "hang",
    "drop",
    "slow",
    "malformed_json",
    "429",
)
"""The kinds of fault, in the words the control API uses."""

DEFAULT_DELAYS: Final = {"slow": 2.0, "hang": 300.0}


class FaultError(ValueError):
    """A fault description that does not make sense."""


@dataclass
class Fault:
    """One planned fault.

    It applies to requests whose path contains ``path`` (all ``/1/`` requests when
    None): to the next ``count`` of them, or, with ``fraction``, to each with that
    probability drawn from a generator seeded with ``seed`` (at most ``count``
    times when a count is given too). With ``after`` the request is handled
    normally first (a message is delivered) and the fault replaces the reply.
    """

    id: int
    kind: str
    count: int | None = 1
    fraction: float | None = None
    seed: int = 0
    path: str | None = None
    delay: float = 0.0
    after: bool = False
    applied: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Check the description and seed the generator."""
        if self.kind not in FAULT_KINDS:
            raise FaultError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if self.count is not None and self.count < 1:
            raise FaultError("count must be a positive integer")
        if self.fraction is not None and not 0.0 <= self.fraction <= 1.0:
            raise FaultError("fraction must be between 0 and 1")
        if self.delay < 0:
            raise FaultError("delay must not be negative")
        if not self.delay:
            self.delay = DEFAULT_DELAYS.get(self.kind, 0.0)
        self._rng = random.Random(self.seed)  # noqa: S311 - reproducible on purpose

    def triggers(self, path: str) -> bool:
        """Return whether the fault hits a request to ``path`` (drawing if random)."""
        if self.path is not None and self.path not in path:
            return False
        return self.fraction is None or self._rng.random() < self.fraction

    def to_json(self) -> dict[str, Any]:
        """Describe the fault as plain JSON values."""
        return {
            "id": self.id,
            "kind": self.kind,
            "count": self.count,
            "fraction": self.fraction,
            "seed": self.seed,
            "path": self.path,
            "delay": self.delay,
            "after": self.after,
            "applied": self.applied,
        }


class FaultPlan:
    """The ordered list of planned faults; the first that triggers is used up."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(
        self,
        kind: str,
        *,
        count: int | None = None,
        fraction: float | None = None,
        seed: int = 0,
        path: str | None = None,
        delay: float = 0.0,
        after: bool = False,
    ) -> Fault:
        """Plan a fault; without count or fraction it hits the next request once."""
        if count is None and fraction is None:
            count = 1
        fault = Fault(
            self._next_id,
            kind,
            count=count,
            fraction=fraction,
            seed=seed,
            path=path,
            delay=delay,
            after=after,
        )
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def add_from_json(self, data: Mapping[str, Any]) -> Fault:
        """Plan a fault from a control API body such as ``{"kind": "500"}``."""
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise FaultError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        return self.add(
            kind,
            count=_opt_int(data.get("count"), "count"),
            fraction=_opt_float(data.get("fraction"), "fraction"),
            seed=_opt_int(data.get("seed"), "seed") or 0,
            path=_opt_str(data.get("path"), "path"),
            delay=_opt_float(data.get("delay"), "delay") or 0.0,
            after=bool(data.get("after", False)),
        )

    def take(self, path: str) -> Fault | None:
        """Return the fault for a request to ``path``, using it up; or None."""
        for fault in self._faults:
            if not fault.triggers(path):
                continue
            fault.applied += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
            return fault
        return None

    def clear(self) -> None:
        """Drop every planned fault."""
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Return the faults still planned, in order."""
        return list(self._faults)


def _opt_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultError(f"{name} must be an integer")
    return value


def _opt_float(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultError(f"{name} must be a number")
    return float(value)


def _opt_str(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FaultError(f"{name} must be a string")
    return value
