"""The progress lines of scripts/bench and scripts/faults (bench/progress.py).

A fake clock stands in for time; one test lets the background thread tick.
"""

from __future__ import annotations

import io
import time
from typing import Any

from bench.progress import Progress, duration, rough


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _progress(
    names: list[str], **kwargs: Any
) -> tuple[Progress, io.StringIO, FakeClock]:
    out = io.StringIO()
    clock = FakeClock()
    progress = Progress(names, prefix="bench: ", out=out, clock=clock, **kwargs)
    return progress, out, clock


def _lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def _play(progress: Progress, clock: FakeClock, *moves: tuple[float, str]) -> None:
    """Move the clock by each number of seconds, then call the method named."""
    for seconds, method in moves:
        clock.now += seconds
        getattr(progress, method)()


def test_durations_read_as_people_say_them() -> None:
    assert duration(41.4) == "41 s"
    assert duration(120) == "2 min"
    assert duration(185) == "3 min 5 s"
    assert rough(41) == "40 s"
    assert rough(1) == "5 s"
    assert rough(70) == "1 min"
    assert rough(100) == "2 min"


def test_time_left_from_the_scenarios_done() -> None:
    """With nothing from an earlier run, the scenarios done so far estimate."""
    progress, out, clock = _progress(["cpu", "outbox", "latency"])
    progress.start("cpu")
    clock.now += 30
    progress.start("outbox")
    clock.now += 11
    progress.start("latency")
    assert _lines(out) == [
        "bench: [1/3] cpu: started; 0 s elapsed, time left not known yet",
        "bench: [2/3] outbox: started; 30 s elapsed, about 1 min left",
        "bench: [3/3] latency: started; 41 s elapsed, about 20 s left",
    ]


def test_each_repetition_and_what_is_left_of_it() -> None:
    """Repetitions done tell the rest of their scenario; an earlier run the next."""
    progress, out, clock = _progress(["latency", "burst"], expected={"burst": 20.0})
    progress.start("latency")
    progress.expect(5, "repetition")
    _play(progress, clock, (8, "step"), (8, "step"), (10, "tick"))
    assert _lines(out)[1:] == [
        "bench: [1/2] latency: repetition 1/5 done; 8 s elapsed, about 50 s left",
        "bench: [1/2] latency: repetition 2/5 done; 16 s elapsed, about 45 s left",
        # The third is under way: 10 s of its 8 s are gone, 16 s to come.
        "bench: [1/2] latency: running for 26 s; 26 s elapsed, about 35 s left",
    ]


def test_only_the_running_scenario_is_known_before_one_is_done() -> None:
    progress, out, clock = _progress(["cpu", "outbox", "burst"])
    progress.start("cpu")
    progress.expect(4, "repetition")
    _play(progress, clock, (10, "step"), (9, "step"), (9, "step"), (9, "step"))
    done = "in this one, 2 more after"
    assert _lines(out)[1:] == [
        f"bench: [1/3] cpu: repetition 1/4 done; 10 s elapsed, about 30 s left {done}",
        f"bench: [1/3] cpu: repetition 2/4 done; 19 s elapsed, about 20 s left {done}",
        f"bench: [1/3] cpu: repetition 3/4 done; 28 s elapsed, about 10 s left {done}",
        f"bench: [1/3] cpu: repetition 4/4 done; 37 s elapsed, under 5 s left {done}",
    ]


def test_a_line_every_ten_seconds_while_a_part_runs() -> None:
    """tick() says something only after ten quiet seconds, and only mid-part."""
    expected = {"cpu": 90.0, "outbox": 30.0}
    progress, out, clock = _progress(["cpu", "outbox"], expected=expected)
    progress.start("cpu")
    _play(progress, clock, (9.9, "tick"), (70.1, "tick"), (5, "tick"), (25, "tick"))
    _play(progress, clock, (0, "finish"), (20, "tick"))
    assert _lines(out) == [
        "bench: [1/2] cpu: started; 0 s elapsed, about 2 min left",
        "bench: [1/2] cpu: running for 1 min 20 s; 1 min 20 s elapsed, about 40 s left",
        # Past the time it took before: only the next part is left.
        "bench: [1/2] cpu: running for 1 min 50 s; 1 min 50 s elapsed, about 30 s left",
    ]
    assert progress.durations == {"cpu": 110.0}


def test_a_failure_is_noted_on_its_part() -> None:
    progress, out, _clock = _progress(["tests/test_a.py::test_b"])
    progress.start("tests/test_a.py::test_b")
    progress.note("call failed")
    assert _lines(out)[-1] == (
        "bench: [1/1] tests/test_a.py::test_b: call failed; 0 s elapsed, "
        "time left not known yet"
    )


def test_quiet_says_nothing_but_still_measures() -> None:
    progress, out, clock = _progress(["a", "b"], enabled=False)
    progress.start("a")
    progress.expect(2)
    _play(progress, clock, (3, "step"), (30, "tick"))
    progress.start("b")
    _play(progress, clock, (2, "finish"))
    with progress.ticking():
        pass
    assert out.getvalue() == ""
    assert progress.durations == {"a": 33.0, "b": 2.0}


def test_ticking_writes_from_a_thread_until_the_block_ends() -> None:
    out = io.StringIO()
    progress = Progress(["slow"], out=out, every=0.05)
    with progress.ticking():
        progress.start("slow")
        deadline = time.monotonic() + 10
        while "running for" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "[1/1] slow: running for 0 s; 0 s elapsed" in out.getvalue()
