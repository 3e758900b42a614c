"""How much of each scenario to run (no Home Assistant imports here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Params:
    """How much of each scenario to run."""

    rtt: float = 0.050
    repetitions: int = 5
    latency_warmup: int = 3
    latency_messages: int = 20
    cpu_repetitions: int = 3
    cpu_warmup: int = 20
    cpu_messages: int = 1000
    burst: int = 50
    max_connections: int = 2
    attachment_bytes: int = 5_000_000
    attachment_repetitions: int = 3
