"""A local stand-in for api.pushover.net, for tests, benchmarks and newcomers.

Start it with ``python -m sandbox`` or, in Python, ``async with SandboxServer()``.
"""

from .clock import Clock
from .faults import FAULT_KINDS, Fault
from .model import (
    Attachment,
    CallbackAttempt,
    ConnectionStats,
    GlanceRecord,
    MessageRecord,
    Receipt,
    RequestRecord,
)
from .seed import (
    DEMO_ACCOUNT,
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    NO_DEVICE_USER,
    OTHER_TOKEN,
    OTHER_USER,
    Seed,
    default_seed,
    load_seed,
)
from .server import SandboxServer
from .state import ControlError, Controls, SandboxState

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_GROUP",
    "DEMO_TOKEN",
    "DEMO_USER",
    "FAULT_KINDS",
    "NO_DEVICE_USER",
    "OTHER_TOKEN",
    "OTHER_USER",
    "Attachment",
    "CallbackAttempt",
    "Clock",
    "ConnectionStats",
    "ControlError",
    "Controls",
    "Fault",
    "GlanceRecord",
    "MessageRecord",
    "Receipt",
    "RequestRecord",
    "SandboxServer",
    "SandboxState",
    "Seed",
    "default_seed",
    "load_seed",
]
