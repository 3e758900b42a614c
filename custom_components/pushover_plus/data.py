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
    from .suppression import RepeatMemory


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
    """What Pushover last said: each recipient's devices, the sounds, the quota.

    The quota is None while only Home Assistant's registries have been asked
    (see :func:`.account.registry_answers`).
    """

    recipients: Mapping[str, Recipient]
    sounds: Mapping[str, str]
    quota: Quota | None


@dataclass(frozen=True, slots=True)
class FixedParts:
    """What an entry was set up with that only a reload can change."""

    title: str
    data: Mapping[str, Any]
    options: Mapping[str, Any]
    #: Each recipient's settings other than its message defaults, by subentry.
    recipients: Mapping[str, Mapping[str, Any]]

    @classmethod
    def of(cls, entry: ConfigEntry[Any]) -> FixedParts:
        """Return the fixed parts of ``entry`` as it is now."""
        return cls(
            entry.title,
            dict(entry.data),
            dict(entry.options),
            {
                subentry_id: {
                    key: value
                    for key, value in subentry.data.items()
                    if key not in DEFAULT_KEYS
                }
                for subentry_id, subentry in entry.subentries.items()
            },
        )

    def allow(self, now: FixedParts) -> bool:
        """Return whether ``now`` only adds recipients or changes their defaults."""
        return (self.title, self.data, self.options) == (
            now.title,
            now.data,
            now.options,
        ) and all(
            now.recipients.get(subentry_id) == settings
            for subentry_id, settings in self.recipients.items()
        )


@dataclass(slots=True)
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
    #: What went out recently, to suppress repeats.
    repeats: RepeatMemory
    #: The links of messages' action pages.
    action_links: ActionLinks
    #: The application's device, which the recipients' devices are reached via.
    application_device_id: str
    #: What the entry was set up with, to tell a change that needs a reload.
    fixed: FixedParts


type PushoverPlusConfigEntry = ConfigEntry[PushoverPlusData]
