"""Action page links: one per message with actions, kept hashed, good for one press.

When a message with actions is sent, it gets a link to its action page (see
:mod:`.action_page`) as its ``url``. The link holds a random token of 256 bits
(``secrets.token_urlsafe(32)``); only the message carries the token, while
the entry's store keeps its SHA-256 with what the page shows, so that links
survive a restart and the file opens none of them. A link is valid until it
is used or expires: after the ``action_link_hours`` option (24 h by default),
or an emergency message's ``expire`` when that is longer, since it keeps
asking for an answer that long. Used and expired links are purged on load
and hourly; at most :data:`MAX_LINKS` are kept.

The link is made from Home Assistant's external URL (or Home Assistant
Cloud's), or its internal one where the entry's option allows it. Without
one the message goes without its actions; the log says so once and a repair
explains what to set, until a link can be made again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import hashlib
import logging
import re
import secrets
import time
from typing import Any, Final

from homeassistant.const import EVENT_CORE_CONFIG_UPDATE, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .action_texts import texts_for
from .actions import Action, actions_from_json, named
from .api import EMERGENCY_PRIORITY, MAX_URL_TITLE_LENGTH, Message
from .const import (
    CONF_ACTION_LINK_HOURS,
    CONF_ACTION_LINK_INTERNAL,
    DEFAULT_ACTION_LINK_HOURS,
    DOMAIN,
    EVENT_ACTION,
)
from .data import PushoverPlusConfigEntry, Recipient
from .entity import recipient_unique_id
from .message import Outgoing, PageLink
from .repairs import async_show_warning
from .storage import (
    SoonWrite,
    async_remove_store,
    aware_time,
    parse,
    text_or_none,
    texts,
)

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
#: Where the action page is served; the token goes in the query, which Home
#: Assistant's request log leaves out.
PATH: Final = "/api/pushover_plus/action"
TOKEN_PARAMETER: Final = "token"  # noqa: S105 - the query parameter's name
#: 32 random bytes: 256 bits, 43 characters of base64url.
TOKEN_BYTES: Final = 32
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
#: Most links an entry keeps (the oldest go first). A link lives a day by
#: default: a thousand is a message with buttons every 90 seconds all day,
#: more than a home sends, while the store stays under half a megabyte.
MAX_LINKS: Final = 1000
#: Most form nonces a link keeps: its page open in that many tabs at once.
MAX_NONCES: Final = 5
#: Most action ids the event entity offers as event types (the newest).
MAX_EVENT_TYPES: Final = 100
PURGE_INTERVAL: Final = timedelta(hours=1)
#: Seconds the URL links start with is used before it is looked up again (at
#: once when the network settings change): Home Assistant Cloud's comes and goes.
URL_LIFETIME: Final = 60.0
#: A new or changed link is written at most this many seconds later.
SAVE_DELAY: Final = 1.0
#: Characters of a token's hash the log may show.
_LOGGED_HASH: Final = 8


def signal_action(entry_id: str) -> str:
    """Return the signal sent with (action id, attributes) per pressed button."""
    return f"{DOMAIN}_action_{entry_id}"


def signal_event_types(entry_id: str) -> str:
    """Return the signal sent when the action ids seen change."""
    return f"{DOMAIN}_action_types_{entry_id}"


def store_key(entry_id: str) -> str:
    """Return the storage key of an entry's action links."""
    return f"{DOMAIN}.action_links.{entry_id}"


def unreachable_issue(entry_id: str) -> str:
    """Return the id of the repair saying a phone could not reach the links."""
    return f"action_links_unreachable_{entry_id}"


def digest(secret: str) -> str:
    """Return the SHA-256 of a token or nonce, as kept in place of it."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def async_remove_action_links(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the links and the repair of a removed entry."""
    await async_remove_store(hass, STORAGE_VERSION, store_key(entry_id))
    ir.async_delete_issue(hass, DOMAIN, unreachable_issue(entry_id))


@dataclass(slots=True)
class ActionLink:
    """What a link's page shows and what pressing a button fires."""

    #: The SHA-256 of the token.
    digest: str
    expires_at: datetime
    actions: tuple[Action, ...]
    #: The message's title: the page shows it, never the message itself.
    title: str | None
    #: The message's own link, shown on the page.
    url: str | None
    url_title: str | None
    recipient_id: str
    #: The recipient's name (never its key).
    recipient: str
    tags: tuple[str, ...]
    #: Pushover's request id of the message, once it accepted it.
    request: str | None = None
    #: Hashes of the nonces of the forms handed out (not stored).
    nonces: tuple[str, ...] = ()
    #: What :meth:`to_json` returned: every write has every open link.
    _json: dict[str, Any] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def note_request(self, request: str) -> None:
        """Keep Pushover's request id of the message (stored with the link)."""
        self.request = request
        if self._json is not None:
            self._json["request"] = request

    def to_json(self) -> dict[str, Any]:
        """Describe the link as the store keeps it (made once, not at every write)."""
        if self._json is None:
            self._json = self._describe()
        return self._json

    def _describe(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "expires_at": self.expires_at.isoformat(),
            "actions": [action.to_json() for action in self.actions],
            "title": self.title,
            "url": self.url,
            "url_title": self.url_title,
            "recipient_id": self.recipient_id,
            "recipient": self.recipient,
            "tags": list(self.tags),
            "request": self.request,
        }


def link_from_json(data: object) -> ActionLink:
    """Read a stored link; raise TypeError if it is not one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("digest"), str):
        raise TypeError("not an action link")
    recipient_id, recipient = data.get("recipient_id"), data.get("recipient")
    if not isinstance(recipient_id, str) or not isinstance(recipient, str):
        raise TypeError("an action link without its recipient")
    return ActionLink(
        digest=data["digest"],
        expires_at=aware_time(data.get("expires_at")),
        actions=actions_from_json(data.get("actions")),
        title=text_or_none(data.get("title")),
        url=text_or_none(data.get("url")),
        url_title=text_or_none(data.get("url_title")),
        recipient_id=recipient_id,
        recipient=recipient,
        tags=texts(data.get("tags", [])),
        request=text_or_none(data.get("request")),
    )


class ActionLinks:
    """The open action links of one entry, and what pressing their buttons does."""

    def __init__(self, hass: HomeAssistant, entry: PushoverPlusConfigEntry) -> None:
        """Keep ``entry``'s links; nothing is read before :meth:`async_load`."""
        self._hass = hass
        self._entry = entry
        self._store = Store[dict[str, Any]](
            hass,
            STORAGE_VERSION,
            store_key(entry.entry_id),
            private=True,
            atomic_writes=True,
        )
        self._writes = SoonWrite(self._store, self._data, SAVE_DELAY)
        #: The open links by the hash of their token, oldest first.
        self._links: OrderedDict[str, ActionLink] = OrderedDict()
        self._hours = timedelta(
            hours=int(
                entry.options.get(CONF_ACTION_LINK_HOURS, DEFAULT_ACTION_LINK_HOURS)
            )
        )
        self._event_types: list[str] = []
        #: Whether the last link could be made; None before the first.
        self._reachable: bool | None = None
        #: The URL links start with (None: none), and until when it is used.
        self._base: str | None = None
        self._base_until = 0.0

    @property
    def count(self) -> int:
        """Return how many links are open."""
        return len(self._links)

    @property
    def event_types(self) -> list[str]:
        """Return the action ids seen, oldest first."""
        return list(self._event_types)

    async def async_load(self) -> None:
        """Read the stored links, drop the expired ones and purge hourly."""
        data = await self._store.async_load() or {}
        found, unreadable = parse(data, "links", link_from_json)
        self._links = OrderedDict((link.digest, link) for link in found)
        kept_types = data.get("event_types") if isinstance(data, Mapping) else None
        if isinstance(kept_types, list):
            self._event_types = [item for item in kept_types if isinstance(item, str)]
        if unreadable:
            _LOGGER.warning(
                "%s unreadable action links of %s were dropped",
                unreadable,
                self._entry.title,
            )
        self._async_purge(dt_util.utcnow())
        self._entry.async_on_unload(
            async_track_time_interval(self._hass, self._async_purge, PURGE_INTERVAL)
        )
        self._entry.async_on_unload(
            self._hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, self._async_new_urls)
        )

    @callback
    def _async_new_urls(self, _event: Event[Any]) -> None:
        """Look the URL up again for the next link: the settings changed."""
        self._base_until = 0.0

    async def async_stop(self) -> None:
        """Write the open links now."""
        await self._writes.async_write_now()

    def _data(self) -> dict[str, Any]:
        return {
            "links": [link.to_json() for link in self._links.values()],
            "event_types": self._event_types,
        }

    @callback
    def _async_purge(self, now: datetime) -> None:
        """Forget the expired links."""
        expired = [key for key, link in self._links.items() if link.expires_at <= now]
        for key in expired:
            del self._links[key]
        if expired:
            _LOGGER.debug("%s action links expired", len(expired))
            self._writes.async_request()

    # Making links ---------------------------------------------------------

    @callback
    def async_open(self, outgoing: Outgoing, recipient: Recipient) -> PageLink | None:
        """Return the link for a message with actions; None for one without.

        Without a URL a phone can reach, the message goes without its actions
        (its own link, if any, stays) and there is no link either.
        """
        if not outgoing.actions or (base := self._base_url()) is None:
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        template = outgoing.template
        link = ActionLink(
            digest=digest(token),
            expires_at=dt_util.utcnow() + self._lifetime(template),
            actions=_absolute(outgoing.actions, base),
            title=template.title,
            url=template.url,
            url_title=template.url_title,
            recipient_id=recipient.recipient_id,
            recipient=recipient.name,
            tags=tuple(template.tags),
        )
        self._links[link.digest] = link
        while len(self._links) > MAX_LINKS:
            oldest, _ = self._links.popitem(last=False)
            _LOGGER.debug("Action link %s… dropped to make room", oldest[:_LOGGED_HASH])
        self._learn(outgoing.actions)
        self._writes.async_request()
        _LOGGER.debug(
            "Action link %s… for %s, valid until %s",
            link.digest[:_LOGGED_HASH],
            recipient.name,
            link.expires_at,
        )
        return PageLink(
            f"{base}{PATH}?{TOKEN_PARAMETER}={token}",
            self._url_title(outgoing),
            link.digest,
        )

    def _lifetime(self, template: Message) -> timedelta:
        """Return how long a link stays valid: an emergency's ``expire`` at least."""
        if template.priority == EMERGENCY_PRIORITY and template.expire:
            return max(self._hours, timedelta(seconds=template.expire))
        return self._hours

    def _url_title(self, outgoing: Outgoing) -> str | None:
        """Name the actions in the link's title, else say "Answer"; encrypted, none.

        An encrypted title never fits Pushover's 100 characters.
        """
        if outgoing.encrypted:
            return None
        return (
            named(outgoing.actions, MAX_URL_TITLE_LENGTH)
            or texts_for(self._hass.config.language).answer
        )

    def _base_url(self) -> str | None:
        """Return the URL the links start with; say once when there is none."""
        if (now := time.monotonic()) < self._base_until:
            return self._base
        self._base_until = now + URL_LIFETIME
        internal = bool(self._entry.options.get(CONF_ACTION_LINK_INTERNAL, False))
        try:
            self._base = get_url(
                self._hass, allow_internal=internal, prefer_external=True
            )
        except NoURLAvailableError:
            self._base = None
        self._set_reachable(self._base is not None, internal)
        return self._base

    def _set_reachable(self, reachable: bool, internal: bool) -> None:
        if reachable is self._reachable:
            return
        was, self._reachable = self._reachable, reachable
        issue_id = unreachable_issue(self._entry.entry_id)
        if reachable:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            if was is False:
                _LOGGER.info(
                    "Messages of %s carry their actions again", self._entry.title
                )
            return
        _LOGGER.warning(
            "Messages of %s go without their actions: Home Assistant has no %s URL "
            "for their links (Settings > System > Network, or Home Assistant Cloud)",
            self._entry.title,
            "internal or external" if internal else "external",
        )
        async_show_warning(
            self._hass,
            issue_id,
            "action_links_unreachable",
            {"name": self._entry.title},
        )

    def _learn(self, actions: Sequence[Action]) -> None:
        """Add new action ids to the event types (the newest are kept)."""
        known = self._event_types
        new = [
            action.action
            for action in actions
            if action.action not in known and not action.is_link
        ]
        if not new:
            return
        self._event_types = [*self._event_types, *dict.fromkeys(new)][-MAX_EVENT_TYPES:]
        async_dispatcher_send(self._hass, signal_event_types(self._entry.entry_id))

    @callback
    def async_sent(self, link_digest: str, request: str) -> None:
        """Note Pushover's request id of the message a link went with.

        The link may be gone already: used, or dropped to make room. It is
        stored with the save the link's making asked for, a second later, or
        at the next one.
        """
        if (link := self._links.get(link_digest)) is not None:
            link.note_request(request)

    # Using links ----------------------------------------------------------

    def find(self, token: str) -> ActionLink | None:
        """Return the open link of a token; None for unknown, used or expired."""
        if not TOKEN_PATTERN.fullmatch(token):
            return None
        link = self._links.get(digest(token))
        if link is None or link.expires_at <= dt_util.utcnow():
            return None
        return link

    @staticmethod
    def hand_out_nonce(link: ActionLink) -> str:
        """Return a new nonce for a form of the link's page."""
        nonce = secrets.token_urlsafe(16)
        link.nonces = (*link.nonces[-(MAX_NONCES - 1) :], digest(nonce))
        return nonce

    @staticmethod
    def nonce_is_valid(link: ActionLink, nonce: str) -> bool:
        """Return whether a form's nonce is one handed out for this link."""
        return bool(nonce) and digest(nonce) in link.nonces

    async def async_press(
        self, link: ActionLink, action: Action, reply: str | None
    ) -> bool:
        """Use the link: fire the action's event; False when it was used already.

        The link is gone from the store before the event fires, so that a
        restart cannot make it work twice.
        """
        if self._links.pop(link.digest, None) is None:
            return False
        await self._writes.async_write_now()
        self._learn([action])
        registry = er.async_get(self._hass)
        notify_entity = registry.async_get_entity_id(
            Platform.NOTIFY,
            DOMAIN,
            recipient_unique_id(self._entry.entry_id, link.recipient_id, None),
        )
        data = {
            "action": action.action,
            "title": action.title,
            "reply_text": reply if action.is_reply else None,
            "recipient": link.recipient,
            "request": link.request,
            "tags": list(link.tags),
            "message_title": link.title,
        }
        self._hass.bus.async_fire(
            EVENT_ACTION,
            {"entry_id": self._entry.entry_id, "entity_id": notify_entity, **data},
        )
        async_dispatcher_send(
            self._hass,
            signal_action(self._entry.entry_id),
            action.action,
            {**data, "notify_entity": notify_entity},
        )
        _LOGGER.debug(
            "Action %s pressed on link %s…", action.action, link.digest[:_LOGGED_HASH]
        )
        return True


def _absolute(actions: tuple[Action, ...], base: str) -> tuple[Action, ...]:
    """Return the actions with links to paths of this Home Assistant as full URLs."""
    for action in actions:
        if action.uri and action.uri[0] == "/":
            return tuple(
                replace(action, uri=f"{base}{action.uri}")
                if action.uri and action.uri[0] == "/"
                else action
                for action in actions
            )
    return actions
