"""What Pushover says about the account: devices, groups, sounds and limits.

The first setup asks Pushover and keeps the answers in a store. Every later
start loads them from there without waiting for the network, and the quota
coordinator asks again in the background (then every hour). A message naming a
device or sound the entry does not know asks again first, at most once a minute
per recipient and once a minute for the sounds, since devices and custom sounds
are added at Pushover at any time.

The store holds no key: recipients are known by their recipient id.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import logging
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import NoActiveDevicesError, PushoverClient, PushoverError, Quota
from .const import CLIENTS_URL, CONF_API_KEY, DOMAIN
from .data import (
    PushoverPlusConfigEntry,
    Recipient,
    RecipientConfig,
    message_defaults,
)
from .entity import async_register_devices
from .repairs import async_show_warning

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
#: How often an unknown device or sound may make Pushover be asked again.
ASK_AGAIN: Final = timedelta(minutes=1)
#: The key under which asking for the sounds is timed.
_SOUNDS: Final = "sounds"


def signal_recipients_changed(entry_id: str) -> str:
    """Return the dispatcher signal sent when a recipient's devices changed."""
    return f"{DOMAIN}_recipients_changed_{entry_id}"


def _storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.account.{entry_id}"


async def async_remove_account(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what a removed entry learnt."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, _storage_key(entry_id)
    ).async_remove()


@dataclass(frozen=True, slots=True)
class Facts:
    """What Pushover says about one recipient."""

    devices: tuple[str, ...] = ()
    is_group: bool = False


@dataclass(frozen=True, slots=True)
class Learnt:
    """Everything setup needs from Pushover."""

    sounds: dict[str, str]
    quota: Quota
    recipients: dict[str, Facts]


def fingerprint(secret: str) -> str:
    """Return a short one-way digest of a key, to notice a changed key."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _learnt_to_json(
    token: str,
    sounds: Mapping[str, str],
    quota: Quota,
    recipients: Mapping[str, Recipient],
) -> dict[str, Any]:
    return {
        "token": fingerprint(token),
        "sounds": dict(sounds),
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
            for recipient_id, recipient in recipients.items()
        },
    }


def _learnt_from_json(
    data: Mapping[str, Any], token: str, configs: Mapping[str, RecipientConfig]
) -> Learnt | None:
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
    return Learnt(
        dict(sounds),
        Quota(int(quota["limit"]), int(quota["remaining"]), reset),
        recipients,
    )


class Account:
    """Keeps an entry's recipients and sounds current, and stored."""

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
        self._configs = {config.recipient_id: config for config in configs}
        self._store = Store[dict[str, Any]](
            hass,
            STORAGE_VERSION,
            _storage_key(entry.entry_id),
            private=True,
            atomic_writes=True,
        )
        self._asked: dict[str, datetime] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def async_load(self) -> Learnt | None:
        """Return what an earlier setup learnt with this token, or None."""
        data = await self._store.async_load()
        if data is None:
            return None
        try:
            return _learnt_from_json(
                data, self._entry.data[CONF_API_KEY], self._configs
            )
        except TypeError, ValueError, KeyError, AttributeError:
            _LOGGER.warning(
                "What Pushover told %s before could not be read: asking again",
                self._entry.title,
            )
            return None

    async def async_fetch(self) -> Learnt:
        """Ask Pushover for everything; raises the client's errors."""
        sounds, quota, facts = await asyncio.gather(
            self._client.get_sounds(),
            self._client.get_limits(),
            asyncio.gather(
                *(self._async_ask(config) for config in self._configs.values())
            ),
        )
        now = dt_util.utcnow()
        self._asked.update(dict.fromkeys([_SOUNDS, *self._configs], now))
        return Learnt(sounds, quota, dict(zip(self._configs, facts, strict=True)))

    def recipients(self, learnt: Learnt) -> dict[str, Recipient]:
        """Return every configured recipient with what is known of it.

        A recipient added since the answers were stored has no known device
        until Pushover is asked.
        """
        return {
            recipient_id: self._recipient(config, learnt.recipients.get(recipient_id))
            for recipient_id, config in self._configs.items()
        }

    @staticmethod
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

    async def _async_ask(self, config: RecipientConfig) -> Facts:
        """Ask for a recipient's devices; no device is a repair, not a failure."""
        issue_id = f"no_active_devices_{self._entry.entry_id}_{config.recipient_id}"
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
            return Facts()
        ir.async_delete_issue(self._hass, DOMAIN, issue_id)
        return Facts(validation.devices, validation.is_group)

    async def async_save(self, quota: Quota) -> None:
        """Store the recipients and sounds in use, with ``quota``."""
        runtime = self._entry.runtime_data
        await self._store.async_save(
            _learnt_to_json(
                self._entry.data[CONF_API_KEY],
                runtime.sounds,
                quota,
                runtime.recipients,
            )
        )

    async def async_forget(self) -> None:
        """Delete the stored answers (the next setup asks Pushover first)."""
        await self._store.async_remove()

    async def async_refresh(self) -> Quota:
        """Ask Pushover for everything again and use it; raises the client's errors."""
        learnt = await self.async_fetch()
        self._entry.runtime_data.sounds = learnt.sounds
        self.async_use(self.recipients(learnt))
        await self.async_save(learnt.quota)
        return learnt.quota

    @callback
    def async_use(self, recipients: Mapping[str, Recipient]) -> None:
        """Make ``recipients`` current: their devices, entities and registry entries."""
        current = self._entry.runtime_data.recipients
        changed = any(current.get(key) != value for key, value in recipients.items())
        current.update(recipients)
        async_register_devices(self._hass, self._entry, recipients.values())
        if changed:
            async_dispatcher_send(
                self._hass, signal_recipients_changed(self._entry.entry_id)
            )

    async def async_check_devices(self, recipient: Recipient) -> Recipient:
        """Ask Pushover for a recipient's devices again; return it as now known."""
        recipient_id = recipient.recipient_id
        runtime = self._entry.runtime_data

        async def ask() -> None:
            config = self._configs[recipient_id]
            facts = await self._async_ask(config)
            self.async_use({recipient_id: self._recipient(config, facts)})
            await self.async_save(runtime.quota.data)

        await self._async_ask_once(
            recipient_id, f"the devices of {recipient.name}", ask
        )
        return runtime.recipients[recipient_id]

    async def async_check_sounds(self) -> None:
        """Ask Pushover for the account's sounds again."""
        runtime = self._entry.runtime_data

        async def ask() -> None:
            runtime.sounds = await self._client.get_sounds()
            await self.async_save(runtime.quota.data)

        await self._async_ask_once(_SOUNDS, "the sounds", ask)

    async def _async_ask_once(
        self, key: str, what: str, ask: Callable[[], Awaitable[None]]
    ) -> None:
        """Run ``ask`` unless it ran for ``key`` less than a minute ago.

        Callers that wait meanwhile get its answer. A failure leaves what was
        known: the caller decides with that.
        """
        async with self._locks[key]:
            now = dt_util.utcnow()
            if (last := self._asked.get(key)) is not None and now - last < ASK_AGAIN:
                return
            self._asked[key] = now
            try:
                await ask()
            except PushoverError as err:
                _LOGGER.warning(
                    "Could not ask Pushover again about %s (%s): %s",
                    what,
                    self._entry.title,
                    err,
                )
