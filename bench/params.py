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
    #: Five: the figure is a median, and a 2-core machine has noisy minutes.
    cpu_repetitions: int = 5
    cpu_warmup: int = 20
    cpu_messages: int = 1000
    #: notify.plus with and without actions, taking turns this many times per
    #: repetition, this many messages each turn (see Scenarios.cpu).
    cpu_pair_turns: int = 20
    cpu_pair_messages: int = 100
    burst: int = 50
    max_connections: int = 2
    attachment_bytes: int = 5_000_000
    attachment_repetitions: int = 3
    #: Messages already waiting in the outbox: few, then many.
    outbox_few: int = 10
    outbox_many: int = 2000
    #: Messages queued (and timed) on top of those.
    outbox_messages: int = 100
    #: One message in this many carries a snapshot.
    outbox_image_every: int = 10
    outbox_image_bytes: int = 100_000
    outbox_repetitions: int = 5
    #: The soak: messages in all; memory is read after every ``soak_baseline``.
    soak_messages: int = 50_000
    soak_baseline: int = 5_000
    #: Action calls in flight at once.
    soak_concurrency: int = 8
    #: One message in this many is an emergency, acknowledged at the sandbox.
    soak_emergency_every: int = 100
    #: An outage (every message refused with a 500) starts this often...
    soak_outage_every: int = 10_000
    #: ...and lasts this many messages, which wait in the outbox.
    soak_outage_messages: int = 200
