"""The application's message quota, from replies and from apps/limits.json.

Its refresh also asks Pushover again about devices, groups and sounds (see
account.py): hourly, and in the background after a start from stored answers,
sooner after a failure (the outbox's back-off) until it succeeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    InvalidTokenError,
    InvalidUserError,
    Message,
    MessageResult,
    PushoverError,
    Quota,
    QuotaExceededError,
)
from .const import CONF_QUOTA_WARNING, DEFAULT_QUOTA_WARNING, DOMAIN
from .data import PushoverPlusConfigEntry
from .delivery import signal_sent
from .outbox import FIRST_RETRY, MAX_RETRY
from .repairs import async_show_warning

_LOGGER = logging.getLogger(__name__)

#: Replies to sends keep the figures current; this only catches other senders.
QUOTA_REFRESH: Final = timedelta(hours=1)
#: Figures from replies are shown at most this often, not once per message.
QUOTA_SHOW_DELAY: Final = 5.0


class QuotaCoordinator(DataUpdateCoordinator[Quota]):
    """Holds the latest monthly limit, remaining messages and reset time."""

    config_entry: PushoverPlusConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: PushoverPlusConfigEntry, quota: Quota
    ) -> None:
        """Start from the figures setup fetched."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} quota",
            update_interval=QUOTA_REFRESH,
        )
        self._latest = quota
        #: The wait before the next attempt after a failure, None after a success.
        self._retry: timedelta | None = None
        self._cancel_show: CALLBACK_TYPE | None = None
        self.async_set_updated_data(quota)
        self.async_add_listener(self._async_check_threshold)
        entry.async_on_unload(self._async_cancel_show)
        entry.async_on_unload(
            async_dispatcher_connect(
                hass, signal_sent(entry.entry_id), self.async_message_sent
            )
        )

    async def _async_update_data(self) -> Quota:
        account = self.config_entry.runtime_data.account
        try:
            quota = await account.async_refresh()
        except InvalidTokenError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            ) from err
        except InvalidUserError as err:
            # Setup reports a refused user key; it must ask Pushover to see it.
            await account.async_forget()
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="invalid_user_key"
            ) from err
        except PushoverError as err:
            retry_after = None
            if err.retryable:
                self._retry = (
                    min(2 * self._retry, MAX_RETRY) if self._retry else FIRST_RETRY
                )
                retry_after = self._retry.total_seconds()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err)},
                retry_after=retry_after,
            ) from err
        self._retry = None
        self._latest = quota
        return quota

    def reset_time(self, err: QuotaExceededError) -> datetime | None:
        """Return when the used-up quota resets: from the reply, else the last seen."""
        quota = self.config_entry.runtime_data.client.quota
        return err.reset_at or (quota.reset if quota is not None else None)

    @callback
    def async_message_sent(self, message: Message, result: MessageResult) -> None:
        """Take the figures every reply to a send carries, shown a little later."""
        self._latest = result.quota or self._latest
        if self._cancel_show is None:
            self._cancel_show = async_call_later(
                self.hass, QUOTA_SHOW_DELAY, self._async_show_latest
            )

    @callback
    def _async_show_latest(self, now: datetime) -> None:
        self._cancel_show = None
        self.async_set_updated_data(self._latest)

    @callback
    def _async_cancel_show(self) -> None:
        if self._cancel_show is not None:
            self._cancel_show()

    @callback
    def _async_check_threshold(self) -> None:
        """Warn while fewer messages remain than the option says."""
        issue_id = f"quota_low_{self.config_entry.entry_id}"
        threshold = self.config_entry.options.get(
            CONF_QUOTA_WARNING, DEFAULT_QUOTA_WARNING
        )
        quota = self.data
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
