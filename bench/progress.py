"""Progress of a long run on standard error: what starts, time spent and left.

``scripts/bench`` reports each scenario and each of its repetitions through a
:class:`Progress`, and ``scripts/faults`` each test, so that a run of minutes
says where it is. A line says when a part starts, when one of its steps is done
(if it counts any), and, while it runs, at least every ``every`` seconds (from
a background thread: :meth:`Progress.ticking`). Time left comes from how long
each part took in an earlier run when that is known, else from the mean of the
parts done so far; within a part that counts its steps, from the steps done.
Nothing here imports Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
import statistics
import sys
import threading
import time
from typing import TextIO


def duration(seconds: float) -> str:
    """Return ``seconds`` as "41 s", "2 min" or "3 min 5 s"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def rough(seconds: float) -> str:
    """Return ``seconds`` to 5 s under a minute, else to the minute."""
    if seconds < 57.5:
        return f"{max(5, 5 * round(seconds / 5))} s"
    return f"{round(seconds / 60)} min"


def left(seconds: float) -> str:
    """Return "about 40 s left", or "under 5 s left" when so little is."""
    return "under 5 s left" if seconds < 5 else f"about {rough(seconds)} left"


class Progress:
    """Say on a stream which part of a run starts, how far it is, what is left.

    The parts are named up front, in the order they run; :meth:`start` names
    the one starting (and ends the one before). Every method may be called from
    any thread.
    """

    def __init__(
        self,
        names: Sequence[str],
        *,
        prefix: str = "",
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        expected: Mapping[str, float] | None = None,
        enabled: bool = True,
        every: float = 10.0,
    ) -> None:
        """Follow the parts ``names``; ``expected``: their earlier durations, in s.

        Lines start with ``prefix`` and go to ``out`` (standard error unless
        given); with ``enabled`` false nothing is written, but durations are
        still measured.
        """
        self.names = list(names)
        self.prefix = prefix
        self.enabled = enabled
        self.every = every
        #: How long each finished part took, in seconds.
        self.durations: dict[str, float] = {}
        self._out = sys.stderr if out is None else out
        self._clock = clock
        self._expected = dict(expected or {})
        self._lock = threading.RLock()
        self._started = clock()
        self._last_line = self._started
        self._current: str | None = None
        self._position = 0
        self._part_started = self._started
        self._last_step = self._started
        self._steps: int | None = None
        self._unit = ""
        self._done = 0

    def start(self, name: str) -> None:
        """Say that part ``name`` starts (and end the one before)."""
        with self._lock:
            now = self._clock()
            self._finish(now)
            self._current = name
            self._position = self.names.index(name)
            self._part_started = now
            self._last_step = now
            self._steps = None
            self._unit = "step"
            self._done = 0
            self._say(now, "started")

    def expect(self, steps: int, unit: str = "step") -> None:
        """Announce that the current part will report ``steps`` ``unit``s done."""
        with self._lock:
            self._steps = steps
            self._unit = unit

    def step(self) -> None:
        """Say that one more step of the current part is done."""
        with self._lock:
            now = self._clock()
            self._done += 1
            self._last_step = now
            total = f"/{self._steps}" if self._steps else ""
            self._say(now, f"{self._unit} {self._done}{total} done")

    def note(self, what: str) -> None:
        """Say ``what`` about the current part."""
        with self._lock:
            self._say(self._clock(), what)

    def finish(self) -> None:
        """End the current part (the next :meth:`start` does it too)."""
        with self._lock:
            self._finish(self._clock())

    def tick(self) -> None:
        """Say how the current part goes if nothing was said for ``every`` s."""
        with self._lock:
            now = self._clock()
            if self._current is not None and now - self._last_line >= self.every:
                self._say(now, f"running for {duration(now - self._part_started)}")

    @contextmanager
    def ticking(self) -> Iterator[None]:
        """Call :meth:`tick` from a background thread while the block runs."""
        if not self.enabled:
            yield
            return
        stop = threading.Event()

        def tick_when_due() -> None:
            while not stop.wait(self._until_due()):
                self.tick()

        thread = threading.Thread(target=tick_when_due, name="progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _until_due(self) -> float:
        with self._lock:
            return max(0.1, self.every - (self._clock() - self._last_line))

    def _finish(self, now: float) -> None:
        if self._current is not None:
            self.durations[self._current] = now - self._part_started
            self._current = None

    def _expected_seconds(self, name: str) -> float | None:
        if name in self._expected:
            return self._expected[name]
        if self.durations:
            return statistics.fmean(self.durations.values())
        return None

    def _remaining(self, now: float, name: str) -> str:
        """Return what is left, in words, while part ``name`` runs."""
        if self._steps and self._done:
            # The steps to come take as long as those done; one is under way.
            per_step = (self._last_step - self._part_started) / self._done
            to_come = per_step * max(self._steps - self._done, 0)
            current: float | None = max(to_come - (now - self._last_step), 0.0)
        elif (expected := self._expected_seconds(name)) is not None:
            current = max(expected - (now - self._part_started), 0.0)
        else:
            current = None
        later = self.names[self._position + 1 :]
        estimates = [self._expected_seconds(name) for name in later]
        if current is None:
            return "time left not known yet"
        if None in estimates:
            return f"{left(current)} in this one, {len(later)} more after"
        return left(current + sum(estimate or 0.0 for estimate in estimates))

    def _say(self, now: float, what: str) -> None:
        self._last_line = now
        name = self._current
        if not self.enabled or name is None:
            return
        self._out.write(
            f"{self.prefix}[{self._position + 1}/{len(self.names)}] {name}: {what}; "
            f"{duration(now - self._started)} elapsed, {self._remaining(now, name)}\n"
        )
        self._out.flush()
