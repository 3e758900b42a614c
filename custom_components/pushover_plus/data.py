"""What a loaded Pushover Plus config entry holds at runtime."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry

from .api import PushoverClient
from .const import DEFAULT_KEYS

if TYPE_CHECKING:
    from .account import Account
    from .coordinator import QuotaCoordinator
    from .notify import PushoverLegacyNotifyService
    from .outbox import Outbox
    from .receipts import ReceiptTracker
    from .sending import Sender


def message_defaults(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Pick a recipient's message defaults out of its settings."""
    return {key: settings[key] for key in DEFAULT_KEYS if key in settings}


@dataclass(frozen=True, slots=True)
class RecipientConfig:
    """A recipient as configured: the entry's own user key or a subentry."""

    recipient_id: str
    #: The config subentry it comes from; None for the entry's own user key.
    subentry_id: str | None
    name: str
    user_key: str = field(repr=False)
    settings: Mapping[str, Any] = field(repr=False)
    #: The end-to-end encryption key (32 bytes), None when it has none.
    encryption_key: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A user or group key that messages go to, with what was validated."""

    recipient_id: str
    name: str
    user_key: str = field(repr=False)
    #: The config subentry it comes from; None for the entry's own user key.
    subentry_id: str | None
    devices: tuple[str, ...]
    is_group: bool
    #: Message defaults: devices, sound, priority, retry, expire, ttl, html.
    defaults: Mapping[str, Any]
    #: The end-to-end encryption key (32 bytes): its messages are encrypted
    #: unless a message says otherwise. None when it has none.
    encryption_key: bytes | None = field(default=None, repr=False)


@dataclass(slots=True)
class PushoverPlusData:
    """The client and what setup learnt from the API."""

    client: PushoverClient
    #: Keeps the recipients and sounds below current, and stored.
    account: Account
    sounds: dict[str, str]
    recipients: dict[str, Recipient]
    sender: Sender
    #: The legacy notify.<name> action.
    legacy_service: PushoverLegacyNotifyService
    #: Messages waiting to be sent again.
    outbox: Outbox
    receipts: ReceiptTracker
    quota: QuotaCoordinator


type PushoverPlusConfigEntry = ConfigEntry[PushoverPlusData]
