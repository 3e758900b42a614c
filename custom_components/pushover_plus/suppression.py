"""Repeat suppression: the same message to the same recipient, once per window.

A message is the same when its recipient, title, text, priority and devices
are; only a digest of them is kept, with when it went and until when it
counts, in a :class:`Store` so that a restart forgets nothing. Entries whose
window has passed are purged; at most :data:`MAX_REMEMBERED` are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import json
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import EMERGENCY_PRIORITY
from .const import ATTR_MESSAGE, CONF_SUPPRESS_REPEATS, DOMAIN, EVENT_SUPPRESSED
from .data import Recipient
from .entity import recipient_entity_id
from .fields import coerce
from .message import Outgoing
from .storage import SoonWrite, async_remove_store, aware_time

STORAGE_VERSION: Final = 1
#: A distinct message every 20 seconds for a day-long window: far more than a
#: home sends; past it, the oldest are forgotten first (about 1 MB stored).
MAX_REMEMBERED: Final = 5000
#: Seconds the store waits to write, so that a storm writes once a minute at
#: most (a crash within it may let one repeat through).
SAVE_DELAY: Final = 60
#: How often passed windows are looked for, rather than on every message.
PURGE_INTERVAL: Final = timedelta(minutes=1)


def _storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.repeats.{entry_id}"


async def async_remove_repeats(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the repeats of a removed entry."""
    await async_remove_store(hass, STORAGE_VERSION, _storage_key(entry_id))


def digest(
    recipient_id: str,
    title: str | None,
    message: str,
    priority: int | None,
    devices: Sequence[str],
) -> str:
    """Return what identifies a message for suppression (never its text)."""
    same = json.dumps([recipient_id, title, message, priority, sorted(devices)])
    return hashlib.sha256(same.encode()).hexdigest()


@dataclass(slots=True)
class _Sent:
    at: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    """A message that suppression looked at: its digest, and an earlier send."""

    key: str
    #: When the same message went out within its window; None: send this one.
    first_sent: datetime | None


def window(
    fields: Mapping[str, Any], recipient: Recipient, outgoing: Outgoing
) -> timedelta | None:
    """Return for how long a message suppresses its repeats, None when not at all.

    The call's own field, else the recipient's default; an emergency message
    only when the call itself asks.
    """
    seconds: int | None = coerce(fields, CONF_SUPPRESS_REPEATS)
    if seconds is None and outgoing.template.priority != EMERGENCY_PRIORITY:
        seconds = recipient.defaults.get(CONF_SUPPRESS_REPEATS)
    return timedelta(seconds=seconds) if seconds else None


class RepeatMemory:
    """Remembers what went out, for an entry, while its window lasts."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Remember for ``entry_id``; :meth:`async_load` reads what was kept."""
        self._hass = hass
        self._entry_id = entry_id
        self._store = Store[dict[str, Any]](
            hass, STORAGE_VERSION, _storage_key(entry_id), private=True
        )
        self._writes = SoonWrite(self._store, self._data, SAVE_DELAY)
        #: Oldest first, so that the oldest is forgotten first at the cap.
        self._sent: OrderedDict[str, _Sent] = OrderedDict()
        self._next_purge = dt_util.utcnow()

    def __len__(self) -> int:
        """Return how many messages are remembered."""
        return len(self._sent)

    async def async_load(self) -> None:
        """Read what an earlier start kept; what cannot be read is left out."""
        data = await self._store.async_load()
        kept = data.get("sent") if isinstance(data, Mapping) else None
        if not isinstance(kept, Mapping):
            return
        now = dt_util.utcnow()
        for key, value in kept.items():
            try:
                sent = _Sent(aware_time(value["at"]), aware_time(value["until"]))
            except TypeError, ValueError, KeyError:
                continue
            if sent.until > now:
                self._sent[key] = sent

    @callback
    def claim(
        self, fields: Mapping[str, Any], recipient: Recipient, outgoing: Outgoing
    ) -> Claim | None:
        """Look at a message about to go; None when it suppresses nothing.

        A message that may go is remembered now, so that a twin sent at the
        same moment is suppressed; :meth:`forget` it when it fails.
        """
        if (length := window(fields, recipient, outgoing)) is None:
            return None
        now = dt_util.utcnow()
        template = outgoing.template
        key = digest(
            recipient.recipient_id,
            template.title,
            str(coerce(fields, ATTR_MESSAGE)),
            template.priority,
            template.devices,
        )
        if (sent := self._sent.get(key)) is not None and sent.until > now:
            self._announce(recipient, template.title, sent.at)
            return Claim(key, sent.at)
        self._sent.pop(key, None)
        self._sent[key] = _Sent(now, now + length)
        self._purge(now)
        self._writes.async_request()
        return Claim(key, None)

    @callback
    def _announce(
        self, recipient: Recipient, title: str | None, first_sent: datetime
    ) -> None:
        """Fire the event the logbook shows with the recipient's notify entity."""
        self._hass.bus.async_fire(
            EVENT_SUPPRESSED,
            {
                "entry_id": self._entry_id,
                "title": title,
                "recipients": [recipient.name],
                "entity_id": recipient_entity_id(
                    self._hass, self._entry_id, recipient.recipient_id
                ),
                "first_sent": first_sent.isoformat(),
            },
        )

    async def async_stop(self) -> None:
        """Write what is remembered now: the entry is unloading."""
        await self._writes.async_write_now()

    @callback
    def forget(self, key: str) -> None:
        """Forget a message that did not go out after all."""
        self._sent.pop(key, None)
        self._writes.async_request()

    def _purge(self, now: datetime) -> None:
        """Forget the oldest past the cap; once a minute, what no longer counts."""
        while len(self._sent) > MAX_REMEMBERED:
            self._sent.popitem(last=False)
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_INTERVAL
        for key in [key for key, sent in self._sent.items() if sent.until <= now]:
            del self._sent[key]

    def _data(self) -> dict[str, Any]:
        return {
            "sent": {
                key: {"at": sent.at.isoformat(), "until": sent.until.isoformat()}
                for key, sent in self._sent.items()
            }
        }
