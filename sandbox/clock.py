"""The sandbox's notion of "now", which tests can freeze and move forward."""

from __future__ import annotations

from collections.abc import Callable
import time


class Clock:
    """Unix time from a source function plus an offset that tests can advance.

    ``Clock()`` follows the real time; ``Clock.frozen(t)`` stays at ``t`` until
    advanced. Everything time-based in the sandbox (receipts, expiry, quota reset,
    message times) reads this clock, and nothing runs on timers: state is worked out
    from the clock whenever it is asked for.
    """

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        """Follow ``source`` (default: the real time)."""
        self._source = source
        self._offset = 0.0

    @classmethod
    def frozen(cls, at: float) -> Clock:
        """Return a clock standing still at ``at`` until advanced."""
        return cls(lambda: at)

    def __call__(self) -> float:
        """Return the current sandbox time as Unix seconds."""
        return self._source() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds
        return self()

    def set(self, at: float) -> float:
        """Move the clock to ``at`` (not before the current time) and return it."""
        return self.advance(at - self())
