"""Run the fault matrix, the fuzzing and the secret search; print what they found.

Called by scripts/faults. Runs pytest in this process on the tests that record
figures in tests/fault_figures.py, then prints them as tables and writes them
to artifacts/faults.json. Exits non-zero when a test failed, a message was
lost or a secret was found.

Unless --quiet is given, standard error says which test starts, which failed,
and at least every 10 s how long the one running has run, with the time left
(from the last run's durations with as many fuzzed payloads, else from the
tests done); pytest's dots are then left out, its summary is not.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from contextlib import ExitStack
import json
import os
from pathlib import Path
import sys
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402 - the repository must be importable first

from bench.progress import Progress  # noqa: E402
from tests.fault_figures import FIGURES  # noqa: E402

TESTS = ("tests/test_faults.py", "tests/test_fuzz.py", "tests/test_no_secrets.py")
ARTIFACT = ROOT / "artifacts" / "faults.json"
OUTCOMES = ("sent", "ServiceValidationError", "vol.Invalid")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return rows under headers in aligned columns."""
    cells = [list(map(str, headers)), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def report() -> tuple[str, dict[str, int]]:
    """Return the printed report and the totals."""
    cases = FIGURES.cases
    totals = {
        "faults_injected": sum(case.injected for case in cases),
        "messages_sent": sum(case.sent for case in cases),
        "messages_delivered": sum(case.delivered for case in cases),
        "lost": sum(case.lost for case in cases),
        "duplicates": sum(case.duplicates for case in cases),
        "fuzzed_payloads": sum(FIGURES.fuzz.values()),
        "fuzz_requests": FIGURES.fuzz_requests,
        "fuzz_rule_breaks": FIGURES.fuzz_rule_breaks,
        "secret_texts": FIGURES.secret_texts,
        "secrets_found": FIGURES.secrets_found,
    }
    faults = table(
        (
            "fault",
            "way in",
            "caller saw",
            "injected",
            "sent",
            "delivered",
            "lost",
            "dupl.",
            "note",
        ),
        [
            (
                case.fault,
                case.way,
                case.caller_saw,
                case.injected,
                case.sent,
                case.delivered,
                case.lost,
                case.duplicates,
                case.note,
            )
            for case in cases
        ],
    )
    ways = sorted({way for way, _ in FIGURES.fuzz})
    fuzz = table(
        ("way in", *OUTCOMES, "total"),
        [
            (
                way,
                *(FIGURES.fuzz[way, outcome] for outcome in OUTCOMES),
                sum(FIGURES.fuzz[way, outcome] for outcome in OUTCOMES),
            )
            for way in ways
        ],
    )
    explained = sorted({case.note for case in cases if case.duplicates})
    summary = table(
        ("figure", "value"),
        [
            ("faults injected", totals["faults_injected"]),
            ("messages sent", totals["messages_sent"]),
            ("messages delivered", totals["messages_delivered"]),
            ("lost (must be 0)", totals["lost"]),
            ("duplicates", totals["duplicates"]),
            ("fuzzed payloads", totals["fuzzed_payloads"]),
            ("fuzzed requests that reached the sandbox", totals["fuzz_requests"]),
            (
                "  of which broke a documented rule (must be 0)",
                totals["fuzz_rule_breaks"],
            ),
            ("texts searched for secrets", totals["secret_texts"]),
            ("secrets found (must be 0)", totals["secrets_found"]),
        ],
    )
    examples = os.environ.get("PUSHOVER_PLUS_FUZZ_EXAMPLES", "25")
    text = "\n\n".join(
        [
            "== Faults (each once, on messages.json)\n" + faults,
            "Duplicates: " + ("; ".join(explained) or "none"),
            f"== Fuzzed payloads ({examples} per way in)\n" + fuzz,
            "== Summary\n" + summary,
        ]
    )
    return text, totals


class ProgressPlugin:
    """A pytest plugin that reports each test through a :class:`Progress`."""

    def __init__(
        self, out: TextIO, expected: Mapping[str, float], *, enabled: bool
    ) -> None:
        """Write to ``out`` if ``enabled``; ``expected``: earlier durations, in s.

        Disabled, it only measures how long each test takes.
        """
        self.out = out
        self.expected = expected
        self.enabled = enabled
        self.progress = Progress((), enabled=False)
        self._ticking = ExitStack()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Follow the tests that will run, in their order."""
        self.progress = Progress(
            [item.nodeid for item in session.items],
            prefix="faults: ",
            out=self.out,
            expected=self.expected,
            enabled=self.enabled,
        )
        self._ticking.enter_context(self.progress.ticking())

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        """Say which test starts."""
        self.progress.start(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Say when a test fails (pytest's summary says how)."""
        if report.failed:
            self.progress.note(f"{report.when} failed")

    def pytest_runtest_logfinish(self) -> None:
        """Count the test's duration."""
        self.progress.finish()

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport
    ) -> Generator[None, tuple[str, str, Any], tuple[str, str, Any]]:
        """Leave pytest's letters out while the progress lines say as much."""
        category, letter, word = yield
        return category, "" if self.enabled else letter, word

    def pytest_sessionfinish(self) -> None:
        """Stop the line every 10 s."""
        self._ticking.close()


def _earlier_seconds(examples: str) -> dict[str, float]:
    """Return each test's duration in the last run with as many fuzzed payloads."""
    try:
        earlier = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    except OSError, ValueError:
        return {}
    if not isinstance(earlier, dict) or earlier.get("fuzz_examples") != examples:
        return {}
    return {name: float(s) for name, s in earlier.get("test_seconds", {}).items()}


def main() -> int:
    """Run the tests, print the report, write the artifact."""
    os.chdir(ROOT)
    arguments = [argument for argument in sys.argv[1:] if argument != "--quiet"]
    examples = os.environ.get("PUSHOVER_PLUS_FUZZ_EXAMPLES", "25")
    # pytest captures file descriptor 2 while a test runs: a copy of it still
    # reaches the terminal.
    with os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1) as out:
        plugin = ProgressPlugin(
            out,
            _earlier_seconds(examples),
            enabled=len(arguments) == len(sys.argv) - 1,
        )
        status = int(
            pytest.main([*TESTS, "-q", "-p", "no:randomly", *arguments], [plugin])
        )
    text, totals = report()
    print()
    print(text)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(
        json.dumps(
            {
                "pytest_exit_status": status,
                "totals": totals,
                **FIGURES.to_json(),
                "fuzz_examples": examples,
                "test_seconds": plugin.progress.durations,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nWritten to {ARTIFACT.relative_to(ROOT)}")
    if status == 0 and (
        totals["lost"] or totals["secrets_found"] or totals["fuzz_rule_breaks"]
    ):
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
