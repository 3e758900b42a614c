"""Run the fault matrix, the fuzzing and the secret search; print what they found.

Called by scripts/faults. Runs pytest in this process on the tests that record
figures in tests/fault_figures.py, then prints them as tables and writes them
to artifacts/faults.json. Exits non-zero when a test failed, a message was
lost or a secret was found.
"""

from __future__ import annotations

from collections.abc import Sequence
import json
import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402 - the repository must be importable first

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


def main() -> int:
    """Run the tests, print the report, write the artifact."""
    os.chdir(ROOT)
    status = int(pytest.main([*TESTS, "-q", "-p", "no:randomly", *sys.argv[1:]]))
    text, totals = report()
    print()
    print(text)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(
        json.dumps(
            {"pytest_exit_status": status, "totals": totals, **FIGURES.to_json()},
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
