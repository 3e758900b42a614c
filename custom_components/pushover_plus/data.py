"""What a loaded Pushover Plus config entry holds at runtime."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry

from .api import PushoverClient, Quota
from .const import DEFAULT_KEYS

if TYPE_CHECKING:
    from .action_links import ActionLinks
    from .coordinator import PushoverCoordinator
    from .notify import PushoverLegacyNotifyService
    from .outbox import Outbox
    from .receipts import ReceiptTracker
    from .sending import Sender


def message_defaults(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Pick a recipient's message defaults out of its settings."""
    return {key: settings[key] for key in DEFAULT_KEYS if key in settings}


@dataclass(frozen=True, slots=True)
class RecipientConfig:
    """A recipient as configured in its config subentry."""

    recipient_id: str
    subentry_id: str
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
    subentry_id: str
    devices: tuple[str, ...]
    is_group: bool
    #: Message defaults: devices, sound, priority, retry, expire, ttl, html.
    defaults: Mapping[str, Any]
    #: The end-to-end encryption key (32 bytes): its messages are encrypted
    #: unless a message says otherwise. None when it has none.
    encryption_key: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AccountData:
    """What Pushover last said: each recipient's devices, the sounds, the quota."""

    recipients: Mapping[str, Recipient]
    sounds: Mapping[str, str]
    quota: Quota


@dataclass(frozen=True, slots=True)
class PushoverPlusData:
    """The collaborators of a loaded entry, wired by ``async_setup_entry``."""

    client: PushoverClient
    #: Owns what Pushover says (see :class:`AccountData`).
    coordinator: PushoverCoordinator
    sender: Sender
    #: The legacy notify.<name> action.
    legacy_service: PushoverLegacyNotifyService
    #: Messages waiting to be sent again.
    outbox: Outbox
    receipts: ReceiptTracker
    #: The links of messages' action pages.
    action_links: ActionLinks
    #: The application's device, which the recipients' devices are reached via.
    application_device_id: str


type PushoverPlusConfigEntry = ConfigEntry[PushoverPlusData]
