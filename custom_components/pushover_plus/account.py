"""Asking Pushover about the account, and the store that keeps its answers.

:class:`Account` fetches each recipient's devices and group flag, the sounds
and the quota, and stores them so that a later start needs no network. The
store holds no key: recipients are known by their recipient id, keys by a
digest. The coordinator decides when to ask (see coordinator.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
import hashlib
import logging
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import NoActiveDevicesError, PushoverClient, Quota
from .const import BUILTIN_SOUNDS, CLIENTS_URL, CONF_API_KEY, DOMAIN
from .data import (
    AccountData,
    PushoverPlusConfigEntry,
    Recipient,
    RecipientConfig,
    message_defaults,
)
from .entity import MODEL_GROUP, parse_recipient_unique_id, recipient_identifier
from .issues import async_delete_issues
from .repairs import async_show_warning
from .storage import async_remove_store

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1


def _device_issue_prefix(entry_id: str) -> str:
    """Return how the repairs of an entry's recipients without devices begin."""
    return f"no_active_devices_{entry_id}_"


def _storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.account.{entry_id}"


async def async_remove_account(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what a removed entry learnt."""
    await async_remove_store(hass, STORAGE_VERSION, _storage_key(entry_id))


@dataclass(frozen=True, slots=True)
class Facts:
    """What Pushover says about one recipient."""

    devices: tuple[str, ...] = ()
    is_group: bool = False


@dataclass(frozen=True, slots=True)
class _Stored:
    """The stored answers, with what they say of each recipient."""

    sounds: dict[str, str]
    quota: Quota
    recipients: dict[str, Facts]


def fingerprint(secret: str) -> str:
    """Return a short one-way digest of a key, to notice a changed key."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _to_json(token: str, data: AccountData, quota: Quota) -> dict[str, Any]:
    return {
        "token": fingerprint(token),
        "sounds": dict(data.sounds),
        "quota": {
            "limit": quota.limit,
            "remaining": quota.remaining,
            "reset": quota.reset.isoformat(),
        },
        "recipients": {
            recipient_id: {
                "key": fingerprint(recipient.user_key),
                "devices": list(recipient.devices),
                "group": recipient.is_group,
            }
            for recipient_id, recipient in data.recipients.items()
        },
    }


def _from_json(
    data: Mapping[str, Any], token: str, configs: Mapping[str, RecipientConfig]
) -> _Stored | None:
    """Read the stored answers, None when they are another token's.

    Answers about a recipient whose key changed are left out. Raises
    TypeError, ValueError, KeyError or AttributeError when damaged.
    """
    if data["token"] != fingerprint(token):
        return None
    sounds = data["sounds"]
    if not all(isinstance(value, str) for value in (*sounds, *sounds.values())):
        raise TypeError("sounds")
    quota = data["quota"]
    reset = dt_util.parse_datetime(quota["reset"])
    if reset is None:
        raise ValueError("reset")
    recipients = {
        recipient_id: Facts(
            tuple(str(device) for device in facts["devices"]), bool(facts["group"])
        )
        for recipient_id, facts in data["recipients"].items()
        if recipient_id in configs
        and facts["key"] == fingerprint(configs[recipient_id].user_key)
    }
    return _Stored(
        dict(sounds),
        Quota(int(quota["limit"]), int(quota["remaining"]), reset),
        recipients,
    )


class Account:
    """Asks Pushover about an entry's recipients and sounds; stores the answers."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        client: PushoverClient,
        configs: Sequence[RecipientConfig],
    ) -> None:
        """Ask about ``configs`` with ``client`` for ``entry``."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self.configure(configs)
        self._store = Store[dict[str, Any]](
            hass,
            STORAGE_VERSION,
            _storage_key(entry.entry_id),
            private=True,
            atomic_writes=True,
        )

    def configure(self, configs: Sequence[RecipientConfig]) -> None:
        """Ask about ``configs`` from now on; forget the repairs of the others."""
        self._configs = {config.recipient_id: config for config in configs}
        prefix = _device_issue_prefix(self._entry.entry_id)
        async_delete_issues(
            self._hass,
            lambda issue_id: (
                issue_id.startswith(prefix)
                and issue_id.removeprefix(prefix) not in self._configs
            ),
        )

    def unasked(self, recipient_id: str) -> Recipient:
        """Return a configured recipient as known before Pushover is asked."""
        return _recipient(self._configs[recipient_id], None)

    def changed(self, recipient: Recipient) -> Recipient:
        """Return ``recipient`` with its configured name and defaults."""
        config = self._configs[recipient.recipient_id]
        return replace(
            recipient, name=config.name, defaults=message_defaults(config.settings)
        )

    async def async_load(self) -> AccountData | None:
        """Return what an earlier setup learnt with this token, or None.

        A recipient added since the answers were stored has no known device
        until Pushover is asked.
        """
        data = await self._store.async_load()
        if data is None:
            return None
        try:
            stored = _from_json(data, self._entry.data[CONF_API_KEY], self._configs)
        except TypeError, ValueError, KeyError, AttributeError:
            _LOGGER.warning(
                "What Pushover told %s before could not be read: asking again",
                self._entry.title,
            )
            return None
        if stored is None:
            return None
        return AccountData(
            {
                recipient_id: _recipient(config, stored.recipients.get(recipient_id))
                for recipient_id, config in self._configs.items()
            },
            stored.sounds,
            stored.quota,
        )

    async def async_fetch(self) -> AccountData:
        """Ask Pushover for everything; raises the client's errors."""
        sounds, quota, recipients = await asyncio.gather(
            self._client.get_sounds(),
            self._client.get_limits(),
            asyncio.gather(
                *(
                    self.async_fetch_recipient(recipient_id)
                    for recipient_id in self._configs
                )
            ),
        )
        return AccountData(
            {recipient.recipient_id: recipient for recipient in recipients},
            sounds,
            quota,
        )

    async def async_fetch_sounds(self) -> dict[str, str]:
        """Ask Pushover for the account's sounds; raises the client's errors."""
        return await self._client.get_sounds()

    async def async_fetch_recipient(self, recipient_id: str) -> Recipient:
        """Ask for a recipient's devices; no device is a repair, not a failure."""
        config = self._configs[recipient_id]
        issue_id = f"{_device_issue_prefix(self._entry.entry_id)}{recipient_id}"
        try:
            validation = await self._client.validate_user(config.user_key)
        except NoActiveDevicesError:
            _LOGGER.warning(
                "Pushover recipient %s has no active device: nothing can be delivered",
                config.name,
            )
            async_show_warning(
                self._hass,
                issue_id,
                "no_active_devices",
                {"recipient": config.name, "clients_url": CLIENTS_URL},
                learn_more_url=CLIENTS_URL,
            )
            return _recipient(config, None)
        ir.async_delete_issue(self._hass, DOMAIN, issue_id)
        return _recipient(config, Facts(validation.devices, validation.is_group))

    async def async_save(self, data: AccountData) -> None:
        """Store ``data`` for the next start, once Pushover has told the quota."""
        if data.quota is not None:
            await self._store.async_save(
                _to_json(self._entry.data[CONF_API_KEY], data, data.quota)
            )

    async def async_forget(self) -> None:
        """Delete the stored answers (the next setup asks Pushover first)."""
        await self._store.async_remove()


def _recipient(config: RecipientConfig, facts: Facts | None) -> Recipient:
    facts = facts or Facts()
    return Recipient(
        recipient_id=config.recipient_id,
        name=config.name,
        user_key=config.user_key,
        subentry_id=config.subentry_id,
        devices=facts.devices,
        is_group=facts.is_group,
        defaults=message_defaults(config.settings),
        encryption_key=config.encryption_key,
    )


@callback
def registry_answers(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    configs: Sequence[RecipientConfig],
) -> AccountData | None:
    """Return what Home Assistant's registries know of an entry set up before.

    A start with no stored answers (the first after an update, or a lost file)
    while Pushover cannot be reached takes each recipient's devices from its
    notify entities and its group flag from its device, so that messages can
    queue. None for an entry that never had an entity: it must ask Pushover.
    """
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    if not entities:
        return None
    ids = [config.recipient_id for config in configs]
    devices: dict[str, list[str]] = {recipient_id: [] for recipient_id in ids}
    for registered in entities:
        target = parse_recipient_unique_id(entry.entry_id, ids, registered.unique_id)
        if registered.domain == "notify" and target and target.device:
            devices[target.recipient_id].append(target.device)
    registry = dr.async_get(hass)

    def facts(recipient_id: str) -> Facts:
        device = registry.async_get_device_by_identifier(
            recipient_identifier(entry.entry_id, recipient_id), entry.entry_id
        )
        is_group = device is not None and device.model == MODEL_GROUP
        return Facts(tuple(devices[recipient_id]), is_group)

    return AccountData(
        {
            config.recipient_id: _recipient(config, facts(config.recipient_id))
            for config in configs
        },
        {sound: sound for sound in BUILTIN_SOUNDS},
        None,
    )
