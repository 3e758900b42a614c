"""Figures the fault, fuzz and secret tests collect, for scripts/faults.

The tests record what they did and saw here whether or not the script runs
them; the script prints the table and writes artifacts/faults.json.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FaultCase:
    """One fault injected through one way in, and what came of it."""

    fault: str
    way: str
    #: Requests the sandbox answered with the fault (or other damage done).
    injected: int
    #: Messages the callers sent.
    sent: int
    #: Distinct messages that reached the sandbox.
    delivered: int
    #: Messages the caller was not told had failed and that never arrived.
    lost: int
    #: Extra copies that reached the sandbox.
    duplicates: int
    #: What the caller of the first message saw.
    caller_saw: str
    note: str = ""


@dataclass
class Figures:
    """Everything collected in one run."""

    cases: list[FaultCase] = field(default_factory=list)
    #: (way in, outcome) -> number of fuzzed payloads.
    fuzz: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Requests the sandbox got from fuzzed payloads, and how many broke a rule.
    fuzz_requests: int = 0
    fuzz_rule_breaks: int = 0
    #: Texts searched for the token and user keys, and how many held one.
    secret_texts: int = 0
    secrets_found: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the figures as plain JSON values."""
        return {
            "cases": [asdict(case) for case in self.cases],
            "fuzz": [
                {"way": way, "outcome": outcome, "count": count}
                for (way, outcome), count in sorted(self.fuzz.items())
            ],
            "fuzz_requests": self.fuzz_requests,
            "fuzz_rule_breaks": self.fuzz_rule_breaks,
            "secret_texts": self.secret_texts,
            "secrets_found": self.secrets_found,
        }


FIGURES = Figures()
