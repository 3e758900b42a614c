"""A local stand-in for api.pushover.net, for tests, benchmarks and newcomers.

Start it with ``python -m sandbox`` or, in Python, ``async with SandboxServer()``.
"""

from .clock import Clock
from .e2ee import DecryptError, Decryption, decrypt_message
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
    DEMO_USER_ENCRYPTION_KEY,
    NO_DEVICE_USER,
    OTHER_TOKEN,
    OTHER_USER,
    OTHER_USER_ENCRYPTION_KEY,
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
    "DEMO_USER_ENCRYPTION_KEY",
    "FAULT_KINDS",
    "NO_DEVICE_USER",
    "OTHER_TOKEN",
    "OTHER_USER",
    "OTHER_USER_ENCRYPTION_KEY",
    "Attachment",
    "CallbackAttempt",
    "Clock",
    "ConnectionStats",
    "ControlError",
    "Controls",
    "DecryptError",
    "Decryption",
    "Fault",
    "GlanceRecord",
    "MessageRecord",
    "Receipt",
    "RequestRecord",
    "SandboxServer",
    "SandboxState",
    "Seed",
    "decrypt_message",
    "default_seed",
    "load_seed",
]
