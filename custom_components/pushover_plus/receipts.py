"""Emergency receipts: remembered, polled, and turned into events.

Every priority-2 message Pushover accepts comes back with a receipt. They are
kept in a Store (so restarts lose none), polled by one loop per entry, and
reported on the bus as ``pushover_plus_acknowledged`` or
``pushover_plus_expired`` when Pushover says so. Where the user enables it,
Pushover reports acknowledgements at once to a Home Assistant webhook; such a
report only makes the receipt due for a poll, so that an event always stands
on what Pushover itself answers. Polling stays as the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
import logging
from pathlib import Path
import secrets
from typing import Any, Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    EMERGENCY_PRIORITY,
    Message,
    MessageResult,
    PushoverClient,
    PushoverError,
    PushoverRequestError,
    ReceiptStatus,
    is_valid_key,
)
from .const import CONF_ACK_WEBHOOK, DOMAIN
from .coordinator import PushoverCoordinator
from .data import PushoverPlusConfigEntry
from .delivery import signal_sent
from .entity import application_entity_id
from .storage import (
    SoonWrite,
    async_remove_store,
    aware_time,
    parse,
    salvage,
    text_or_none,
    texts,
)

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
#: Seconds from a change of the receipts followed to their write.
SAVE_DELAY: Final = 1.0
EVENT_ACKNOWLEDGED: Final = f"{DOMAIN}_acknowledged"
EVENT_EXPIRED: Final = f"{DOMAIN}_expired"
#: The key of the entry's Emergency alerts event entity.
ALERTS_KEY: Final = "emergency_alerts"

#: Pushover asks for no more than one receipt poll every 5 seconds; older
#: alerts are polled less often: (age up to, interval).
POLL_SCHEDULE: Final = (
    (timedelta(minutes=2), timedelta(seconds=5)),
    (timedelta(minutes=10), timedelta(seconds=15)),
    (timedelta(hours=1), timedelta(seconds=30)),
)
SLOWEST_POLL: Final = timedelta(seconds=60)
#: However often an acknowledgement is reported, a receipt is polled no sooner.
FASTEST_POLL: Final = POLL_SCHEDULE[0][1]
#: An unanswered receipt is given up this long after it should have expired.
GIVE_UP_AFTER: Final = timedelta(hours=1)
UNKNOWN_USER: Final = "unknown"


def poll_interval(age: timedelta) -> timedelta:
    """Return how long to wait before polling an alert of this age again."""
    for up_to, interval in POLL_SCHEDULE:
        if age < up_to:
            return interval
    return SLOWEST_POLL


@dataclass(slots=True)
class TrackedReceipt:
    """An emergency message Pushover is still repeating, as stored."""

    receipt: str
    title: str | None
    tags: list[str]
    #: Names of the recipients it went to (never their keys).
    recipients: list[str]
    sent_at: str
    expires_at: str
    next_poll: str = field(default="", compare=False)

    def event_data(self, entry_id: str) -> dict[str, Any]:
        """Return what every event about this receipt carries."""
        return {
            "entry_id": entry_id,
            "receipt": self.receipt,
            "tags": list(self.tags),
            "title": self.title,
            "recipients": list(self.recipients),
        }


def signal_receipt_settled(entry_id: str) -> str:
    """Return the signal sent with (event type, data) per acknowledgement or expiry."""
    return f"{DOMAIN}_receipt_settled_{entry_id}"


def _storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.receipts.{entry_id}"


async def async_remove_receipts(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the receipts of a removed entry: nothing follows them any more."""
    await async_remove_store(hass, STORAGE_VERSION, _storage_key(entry_id))


def receipt_from_json(data: object) -> TrackedReceipt:
    """Read a stored receipt; raise TypeError if it is not one."""
    if not isinstance(data, Mapping) or not is_valid_key(data.get("receipt")):
        raise TypeError("not a receipt")
    sent_at, expires_at = data.get("sent_at"), data.get("expires_at")
    aware_time(sent_at)
    aware_time(expires_at)
    return TrackedReceipt(
        receipt=data["receipt"],
        title=text_or_none(data.get("title")),
        tags=list(texts(data.get("tags", []))),
        recipients=list(texts(data.get("recipients", []))),
        sent_at=str(sent_at),
        expires_at=str(expires_at),
        next_poll=text_or_none(data.get("next_poll")) or "",
    )


class ReceiptTracker:
    """Keeps the receipts of one entry until each is acknowledged or expires."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverPlusConfigEntry,
        client: PushoverClient,
        coordinator: PushoverCoordinator,
    ) -> None:
        """Track for ``entry``; call :meth:`async_start` before use.

        ``client`` polls the receipts; ``coordinator`` names the recipients.
        """
        self._hass = hass
        self._entry = entry
        self._client = client
        self._coordinator = coordinator
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, _storage_key(entry.entry_id)
        )
        self._writes = SoonWrite(self._store, self._data, SAVE_DELAY)
        self._receipts: dict[str, TrackedReceipt] = {}
        self._webhook_id = ""
        self._cancel_poll: CALLBACK_TYPE | None = None
        #: Set while receipts are being polled: that poll schedules the next.
        self._polling = False
        #: When each receipt was last polled (not stored).
        self._polled_at: dict[str, datetime] = {}
        self.callback_url: str | None = None

    @property
    def receipts(self) -> Mapping[str, TrackedReceipt]:
        """Return the receipts still being followed."""
        return self._receipts

    async def async_start(self) -> None:
        """Load the stored receipts, open the webhook if wanted, start polling."""
        await self._async_load()
        self._entry.async_on_unload(
            async_dispatcher_connect(
                self._hass, signal_sent(self._entry.entry_id), self.async_message_sent
            )
        )
        if self._entry.options.get(CONF_ACK_WEBHOOK):
            self._async_open_webhook()
        self._async_schedule()

    async def async_stop(self) -> None:
        """Stop polling, close the webhook and write what is tracked."""
        if self._cancel_poll:
            self._cancel_poll()
            self._cancel_poll = None
        if self.callback_url:
            webhook.async_unregister(self._hass, self._webhook_id)
            self.callback_url = None
        await self._writes.async_write_now()

    async def _async_load(self) -> None:
        """Read the stored receipts; what cannot be read is logged and left out.

        A damaged file is moved aside, keeping the receipts written before the
        damage; its webhook id is lost (acknowledgements are then polled).
        """
        salvaged = await self._hass.async_add_executor_job(
            salvage, Path(self._store.path), ("receipts",)
        )
        data = salvaged[0] if salvaged is not None else await self._store.async_load()
        found, unreadable = parse(data or {}, "receipts", receipt_from_json)
        self._receipts = {tracked.receipt: tracked for tracked in found}
        webhook_id = data.get("webhook_id") if isinstance(data, Mapping) else None
        self._webhook_id = (
            webhook_id if isinstance(webhook_id, str) and webhook_id else None
        ) or secrets.token_hex(32)
        if salvaged is not None:
            _LOGGER.warning(
                "The emergency receipts file of %s was damaged: %s receipts were "
                "recovered. The damaged file is kept as %s",
                self._entry.title,
                len(found),
                salvaged[1],
            )
        if unreadable:
            _LOGGER.warning(
                "%s unreadable emergency receipts of %s are no longer followed",
                unreadable,
                self._entry.title,
            )

    @callback
    def async_message_sent(self, message: Message, result: MessageResult) -> None:
        """Remember the receipt of an emergency message Pushover accepted."""
        if message.priority != EMERGENCY_PRIORITY or result.receipt is None:
            return
        now = dt_util.utcnow()
        self._receipts[result.receipt] = TrackedReceipt(
            receipt=result.receipt,
            title=message.title,
            tags=list(message.tags),
            recipients=[self._name_of(user) for user in message.users],
            sent_at=now.isoformat(),
            expires_at=(now + timedelta(seconds=message.expire or 0)).isoformat(),
            next_poll=(now + poll_interval(timedelta())).isoformat(),
        )
        self._async_save()
        self._async_schedule()

    @callback
    def async_forget(self, receipts: Sequence[str]) -> None:
        """Stop following receipts (they were cancelled)."""
        for receipt in receipts:
            self._receipts.pop(receipt, None)
        self._async_save()
        self._async_schedule()

    def name_of_user(self, user_key: str | None) -> str:
        """Return a recipient's name for a key, never the key itself."""
        return self._name_of(user_key)

    def _name_of(self, user_key: str | None) -> str:
        for recipient in self._coordinator.data.recipients.values():
            if recipient.user_key == user_key:
                return recipient.name
        return UNKNOWN_USER

    def _data(self) -> dict[str, Any]:
        return {
            "webhook_id": self._webhook_id,
            "receipts": [asdict(tracked) for tracked in self._receipts.values()],
        }

    @callback
    def _async_save(self) -> None:
        self._writes.async_request()

    @callback
    def _async_schedule(self) -> None:
        """Wake up when the soonest receipt is due.

        A poll under way schedules the next itself when it ends: one poll at
        a time, so that no receipt is polled, or settled, twice at once.
        """
        if self._polling:
            return
        if self._cancel_poll:
            self._cancel_poll()
            self._cancel_poll = None
        if not self._receipts:
            return
        soonest = min(
            dt_util.parse_datetime(tracked.next_poll) or dt_util.utcnow()
            for tracked in self._receipts.values()
        )
        delay = max((soonest - dt_util.utcnow()).total_seconds(), 0)
        self._cancel_poll = async_call_later(self._hass, delay, self._async_poll_due)

    async def _async_poll_due(self, now: datetime) -> None:
        self._cancel_poll = None
        self._polling = True
        try:
            for tracked in list(self._receipts.values()):
                due = dt_util.parse_datetime(tracked.next_poll)
                if due is None or due <= now:
                    await self._async_poll(tracked, now)
        finally:
            self._polling = False
        self._polled_at = {
            receipt: at
            for receipt, at in self._polled_at.items()
            if receipt in self._receipts
        }
        self._async_save()
        self._async_schedule()

    async def _async_poll(self, tracked: TrackedReceipt, now: datetime) -> None:
        """Ask Pushover about one receipt; settle it, or plan the next poll."""
        self._polled_at[tracked.receipt] = now
        try:
            status = await self._client.get_receipt(tracked.receipt)
        except PushoverRequestError:
            _LOGGER.warning(
                "Pushover no longer knows an emergency receipt of %s; "
                "no longer following it",
                tracked.title or "an untitled message",
            )
            self._receipts.pop(tracked.receipt, None)
            return
        except PushoverError as err:
            _LOGGER.debug("Polling a receipt failed, trying later: %s", err)
            status = None
        if status is None or not self._async_settle(tracked, status):
            self._async_plan_next(tracked, now)

    @callback
    def _async_plan_next(self, tracked: TrackedReceipt, now: datetime) -> None:
        sent_at = dt_util.parse_datetime(tracked.sent_at) or now
        expires_at = dt_util.parse_datetime(tracked.expires_at) or now
        if now > expires_at + GIVE_UP_AFTER:
            _LOGGER.warning(
                "Giving up on the receipt of %s: no answer long after it expired",
                tracked.title or "an untitled message",
            )
            self._receipts.pop(tracked.receipt, None)
            return
        tracked.next_poll = (now + poll_interval(now - sent_at)).isoformat()

    @callback
    def _async_settle(self, tracked: TrackedReceipt, status: ReceiptStatus) -> bool:
        """Fire the event a final status calls for; return True when it was final."""
        if status.acknowledged:
            self._async_fire(
                EVENT_ACKNOWLEDGED,
                {
                    **tracked.event_data(self._entry.entry_id),
                    "acknowledged_by": self._name_of(status.acknowledged_by),
                    "acknowledged_by_device": status.acknowledged_by_device,
                    "acknowledged_at": iso_or_none(status.acknowledged_at),
                },
            )
        elif status.expired:
            self._async_fire(
                EVENT_EXPIRED,
                {
                    **tracked.event_data(self._entry.entry_id),
                    "expired_at": iso_or_none(status.expires_at),
                },
            )
        else:
            return False
        self._receipts.pop(tracked.receipt, None)
        return True

    @callback
    def _async_fire(self, event_type: str, data: dict[str, Any]) -> None:
        # The bus event names the entry's Emergency alerts entity, so that the
        # activity of that entity shows it; the entity's attributes do not.
        alerts = application_entity_id(
            self._hass, Platform.EVENT, self._entry.entry_id, ALERTS_KEY
        )
        self._hass.bus.async_fire(event_type, {**data, "entity_id": alerts})
        async_dispatcher_send(
            self._hass, signal_receipt_settled(self._entry.entry_id), event_type, data
        )

    @callback
    def _async_open_webhook(self) -> None:
        try:
            url = webhook.async_generate_url(
                self._hass, self._webhook_id, allow_ip=False, prefer_external=True
            )
        except NoURLAvailableError:
            _LOGGER.warning(
                "Instant acknowledgements need Home Assistant's external URL "
                "(Settings > System > Network); polling instead"
            )
            return
        webhook.async_register(
            self._hass,
            DOMAIN,
            "Pushover Plus acknowledgements",
            self._webhook_id,
            self._async_handle_webhook,
            allowed_methods=["POST"],
        )
        self.callback_url = url

    async def _async_handle_webhook(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Take a report that a receipt this entry sent was acknowledged.

        The form is not believed: anyone who learnt the URL could post one. It
        only makes the receipt due for a poll now (or 5 seconds after its last
        one: reports cannot make it polled faster), and the event fires when
        Pushover itself answers that it was acknowledged, with Pushover's
        values (who, on which device, when). A poll that fails leaves the
        receipt to the usual schedule. The answer is the same whatever the
        form said, so that it tells a forger nothing.
        """
        form = await request.post()
        tracked = self._receipts.get(str(form.get("receipt", "")))
        if tracked is not None and str(form.get("acknowledged", "")) == "1":
            _LOGGER.debug(
                "An acknowledgement of %s was reported; asking Pushover",
                tracked.title or "an untitled message",
            )
            now = dt_util.utcnow()
            polled_at = self._polled_at.get(tracked.receipt, now - FASTEST_POLL)
            tracked.next_poll = max(now, polled_at + FASTEST_POLL).isoformat()
            self._async_schedule()
        return web.Response(status=200)


def iso_or_none(value: datetime | None) -> str | None:
    """Return a time as ISO 8601 text, or None."""
    return None if value is None else value.isoformat()
