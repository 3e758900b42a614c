"""A message's actions, in the companion app's shape, read and checked once.

``actions`` is a list of ``{action, title, uri}``: ``action`` is the id an
automation listens for, ``title`` the button's text; ``action: REPLY`` asks
for a text, ``action: URI`` with a ``uri`` is a plain link. Keys only the
companion app knows (``icon``, ``destructive``, ``authenticationRequired``,
``textInputButtonTitle``, ``textInputPlaceholder``, ``activationMode``...)
are ignored, so that a notify group sending to both delivers here too. For
the same reason a ``uri`` no page can open (``app://``, ``entityId:``...) leaves
its action out rather than refusing the message.

Pushover has no buttons: the message's link opens an action page with them
(see :mod:`.action_links` and :mod:`.action_page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import logging
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import invalid_field
from .storage import text_or_none

_LOGGER = logging.getLogger(__name__)

#: The action that asks for a text.
REPLY: Final = "REPLY"
#: The action that is a plain link to its ``uri``.
URI: Final = "URI"
#: Most actions a message takes. The companion app shows at most 10 on iOS
#: (3 on Android); more buttons than that are no choice to make at a glance
#: on a phone, and each link's stored record stays small.
MAX_ACTIONS: Final = 10
#: Longest action id: an id is matched by automations, not read.
MAX_ID_LENGTH: Final = 64
#: Longest button title: Pushover's own limit for a link's title.
MAX_TITLE_LENGTH: Final = 100
#: Longest ``uri``: Pushover's own limit for a link.
MAX_URI_LENGTH: Final = 512
#: Between the titles when they name the message's link.
SEPARATOR: Final = " · "
_OPENABLE: Final = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class Action:
    """One button (or link) of a message's action page."""

    action: str
    title: str
    #: Where a URI action leads; None for the others.
    uri: str | None = None

    @property
    def is_link(self) -> bool:
        """Return whether it is a plain link rather than a button."""
        return self.action == URI

    @property
    def is_reply(self) -> bool:
        """Return whether it asks for a text."""
        return self.action == REPLY

    def to_json(self) -> dict[str, Any]:
        """Describe the action as the outbox and the link store keep it."""
        return {"action": self.action, "title": self.title, "uri": self.uri}

    @classmethod
    def from_json(cls, data: object) -> Action:
        """Read a kept action; raise TypeError if it is not one."""
        if not isinstance(data, Mapping):
            raise TypeError("not an action")
        action, title = data.get("action"), data.get("title")
        if not isinstance(action, str) or not isinstance(title, str):
            raise TypeError("an action without id or title")
        return cls(action, title, text_or_none(data.get("uri")))


def actions_from_json(data: object) -> tuple[Action, ...]:
    """Read kept actions; raise TypeError if they are not."""
    if not isinstance(data, list):
        raise TypeError("not a list of actions")
    return tuple(Action.from_json(item) for item in data)


def parse_actions(value: object, name: str) -> tuple[Action, ...]:
    """Read a caller's actions; refuse what is not, naming the field ``name``."""
    if value is None or value == "":
        return ()
    if not isinstance(value, (list, tuple)):
        raise invalid_field("actions_not_list", name)
    if len(value) > MAX_ACTIONS:
        raise invalid_field(
            "actions_too_many", name, count=str(len(value)), max=str(MAX_ACTIONS)
        )
    actions = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict) and not isinstance(item, Mapping):
            raise invalid_field("actions_not_list", name)
        if (action := _action(item, number, name)) is not None:
            actions.append(action)
    return tuple(actions)


def _action(item: Mapping[str, Any], number: int, name: str) -> Action | None:
    """Read one action; None for a link no page can open.

    Only a URI action's ``uri`` is read: the companion app ignores the others'.
    """
    action = _text(item.get("action"))
    title = _text(item.get("title"))
    if not action:
        raise invalid_field("action_id_missing", name, number=str(number))
    if not title:
        raise invalid_field("action_title_missing", name, number=str(number))
    uri = _text(item.get("uri")) if action == URI else ""
    if action == URI and not uri:
        raise invalid_field("action_uri_missing", name, number=str(number))
    if (
        len(action) > MAX_ID_LENGTH
        or len(title) > MAX_TITLE_LENGTH
        or len(uri) > MAX_URI_LENGTH
    ):
        raise invalid_field(
            "action_too_long",
            name,
            number=str(number),
            id=str(MAX_ID_LENGTH),
            title=str(MAX_TITLE_LENGTH),
            uri=str(MAX_URI_LENGTH),
        )
    if not uri:
        return Action(action, title)
    if not _openable(uri):
        _LOGGER.debug(
            "Action %s opens %s, which no page can open: left out", title, uri
        )
        return None
    return Action(action, title, uri)


def _text(value: object) -> str:
    """Return a value as stripped text; what is not text counts as missing."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def _openable(uri: str) -> bool:
    """Return whether a page can link to ``uri``: http(s), or a path of this host."""
    if uri.startswith("/"):
        return not uri.startswith("//")
    return urlsplit(uri).scheme.lower() in _OPENABLE


def named(actions: Sequence[Action], limit: int) -> str | None:
    """Return the actions' titles as one text, None if over ``limit``."""
    titles = SEPARATOR.join([action.title for action in actions])
    return titles if 0 < len(titles) <= limit else None
