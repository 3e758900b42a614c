"""The coordinator that owns what Pushover says: devices, groups, sounds, quota.

It asks Pushover hourly, and again sooner after a failure (the outbox's
back-off). A start from stored answers begins with them and asks in the
background. A message naming a device or sound not known yet asks again first,
at most once a minute per recipient and once a minute for the sounds. Replies
to sends keep the quota current between refreshes.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
import logging
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .account import Account
from .api import (
    InvalidTokenError,
    InvalidUserError,
    Message,
    MessageResult,
    NotPushoverApiError,
    PushoverError,
    Quota,
)
from .const import CONF_QUOTA_WARNING, DEFAULT_QUOTA_WARNING, DOMAIN
from .data import AccountData, PushoverPlusConfigEntry, Recipient, RecipientConfig
from .delivery import signal_sent
from .outbox_drain import FIRST_RETRY, MAX_RETRY
from .repairs import async_show_warning

_LOGGER = logging.getLogger(__name__)

#: How often Pushover is asked again when nothing else asks sooner.
REFRESH_INTERVAL: Final = timedelta(hours=1)
#: Figures from replies are shown at most this often, not once per message.
QUOTA_SHOW_DELAY: Final = 5.0
#: How often an unknown device or sound may make Pushover be asked again.
ASK_AGAIN: Final = timedelta(minutes=1)
#: The key under which asking for the sounds is timed.
_SOUNDS: Final = "sounds"


class PushoverCoordinator(DataUpdateCoordinator[AccountData]):
    """Holds what Pushover last said about the entry's application."""

    config_entry: PushoverPlusConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: PushoverPlusConfigEntry, account: Account
    ) -> None:
        """Ask through ``account``; nothing is asked before the first refresh."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} account",
            update_interval=REFRESH_INTERVAL,
        )
        self._account = account
        #: The wait before the next attempt after a failure, None after a success.
        self._retry: timedelta | None = None
        #: The quota of the latest reply, until it is shown.
        self._replied: Quota | None = None
        self._cancel_show: CALLBACK_TYPE | None = None
        self._asked: dict[str, datetime] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.async_add_listener(self._async_check_threshold)
        entry.async_on_unload(self._async_cancel_show)
        entry.async_on_unload(
            async_dispatcher_connect(
                hass, signal_sent(entry.entry_id), self.async_message_sent
            )
        )

    async def _async_update_data(self) -> AccountData:
        try:
            data = await self._account.async_fetch()
        except InvalidTokenError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            ) from err
        except InvalidUserError as err:
            if self.data is None:
                raise ConfigEntryError(
                    translation_domain=DOMAIN, translation_key="invalid_user_key"
                ) from err
            # Setup reports a refused user key; it must ask Pushover to see it.
            await self._account.async_forget()
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="invalid_user_key"
            ) from err
        except NotPushoverApiError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="not_pushover_api"
            ) from err
        except PushoverError as err:
            raise self._failed(err) from err
        self._retry = None
        self._replied = None
        self._asked.update(dict.fromkeys([_SOUNDS, *data.recipients], dt_util.utcnow()))
        await self._account.async_save(data)
        return data

    def _failed(self, err: PushoverError) -> UpdateFailed:
        """Return the failure, with the next wait when trying again can help."""
        retry_after = None
        if err.retryable:
            self._retry = (
                min(2 * self._retry, MAX_RETRY) if self._retry else FIRST_RETRY
            )
            retry_after = self._retry.total_seconds()
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
            retry_after=retry_after,
        )

    async def async_check_devices(self, recipient: Recipient) -> Recipient:
        """Ask Pushover for a recipient's devices again; return it as now known."""
        recipient_id = recipient.recipient_id

        async def ask() -> None:
            known = await self._account.async_fetch_recipient(recipient_id)
            await self._async_use(
                replace(
                    self.data, recipients={**self.data.recipients, recipient_id: known}
                )
            )

        await self._async_ask_once(
            recipient_id, f"the devices of {recipient.name}", ask
        )
        return self.data.recipients[recipient_id]

    async def async_check_sounds(self) -> None:
        """Ask Pushover for the account's sounds again."""

        async def ask() -> None:
            sounds = await self._account.async_fetch_sounds()
            await self._async_use(replace(self.data, sounds=sounds))

        await self._async_ask_once(_SOUNDS, "the sounds", ask)

    async def async_reconfigure(self, configs: Sequence[RecipientConfig]) -> None:
        """Take recipients added, renamed or given new defaults, without a reload.

        An added recipient's devices are asked for now; when Pushover cannot
        answer, the next refresh brings them.
        """
        self._account.configure(configs)
        recipients: dict[str, Recipient] = {}
        for config in configs:
            known = self.data.recipients.get(config.recipient_id)
            if known is not None:
                recipients[config.recipient_id] = self._account.changed(known)
                continue
            try:
                known = await self._account.async_fetch_recipient(config.recipient_id)
            except PushoverError as err:
                _LOGGER.debug("Asking about %s failed: %s", config.name, err)
                known = self._account.unasked(config.recipient_id)
            recipients[config.recipient_id] = known
        await self._async_use(replace(self.data, recipients=recipients))

    async def _async_use(self, data: AccountData) -> None:
        """Make ``data`` current and store it; the refresh schedule stays."""
        self.data = data
        self.async_update_listeners()
        await self._account.async_save(data)

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
                    self.config_entry.title,
                    err,
                )

    @callback
    def async_unreachable(self, err: Exception) -> None:
        """Mark what Pushover said as out of date: a message could not reach it.

        The quota sensors turn unavailable; the outbox logs the outage once,
        so nothing is logged here.
        """
        self.last_exception = err
        if self.last_update_success:
            self.last_update_success = False
            self.async_update_listeners()

    @callback
    def async_quota_seen(self, quota: Quota) -> None:
        """Take the quota an answer of Pushover's carried: it can be reached."""
        self._replied = None
        self.async_set_updated_data(replace(self.data, quota=quota))

    @callback
    def async_message_sent(self, message: Message, result: MessageResult) -> None:
        """Take the figures every reply to a send carries, shown a little later."""
        self._replied = result.quota or self._replied
        if self._cancel_show is None:
            self._cancel_show = async_call_later(
                self.hass, QUOTA_SHOW_DELAY, self._async_show_replied
            )

    @callback
    def _async_show_replied(self, now: datetime) -> None:
        self._cancel_show = None
        if self._replied is not None:
            self.async_set_updated_data(replace(self.data, quota=self._replied))

    @callback
    def _async_cancel_show(self) -> None:
        if self._cancel_show is not None:
            self._cancel_show()

    @callback
    def _async_check_threshold(self) -> None:
        """Warn while fewer messages remain than the option says."""
        if not self.last_update_success or (quota := self.data.quota) is None:
            return
        issue_id = f"quota_low_{self.config_entry.entry_id}"
        threshold = self.config_entry.options.get(
            CONF_QUOTA_WARNING, DEFAULT_QUOTA_WARNING
        )
        if quota.remaining >= threshold:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        async_show_warning(
            self.hass,
            issue_id,
            "quota_low",
            {
                "name": self.config_entry.title,
                "remaining": str(quota.remaining),
                "limit": str(quota.limit),
                "reset": dt_util.as_local(quota.reset).isoformat(" ", "minutes"),
            },
        )
