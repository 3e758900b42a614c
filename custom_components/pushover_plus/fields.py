"""The fields of a message, declared once: everything else is derived from here.

:data:`FIELDS` has one row per field of ``pushover_plus.send_message``. From it
come the action's schema (:func:`action_schema`), the ``data`` keys of the
legacy ``notify.<name>`` action (:data:`LEGACY_DATA_KEYS`), how
:func:`.sending.prepare` reads a value (:meth:`Kind.coerce`) and how the
outbox keeps it (:mod:`.message`). The form parameter each field is sent as is
declared on :class:`.api.Message`, which the client reads.

Adding a Pushover field: its attribute on :class:`.api.Message` (with its form
parameter), a row here, its entry in services.yaml and its name and
description in the translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import VolDictType
from homeassistant.util import dt as dt_util
import voluptuous as vol

from . import storage
from .actions import parse_actions
from .const import (
    ATTR_ACTIONS,
    ATTR_ATTACHMENT,
    ATTR_CALLBACK,
    ATTR_ENCRYPT,
    ATTR_MESSAGE,
    ATTR_MONOSPACE,
    ATTR_TAGS,
    ATTR_TIMESTAMP,
    ATTR_TITLE,
    ATTR_URL,
    ATTR_URL_TITLE,
    CONF_DEVICES,
    CONF_EXPIRE,
    CONF_HTML,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_SUPPRESS_REPEATS,
    CONF_TTL,
)
from .errors import invalid_field

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})

# Coercion: a caller's value (typed action, legacy data, template) -> the field's.
# Each raises the translated ServiceValidationError naming the field.


def _text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise invalid_field("value_not_text", name)


def _integer(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise invalid_field("value_not_integer", name)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise invalid_field("value_not_integer", name)


def _flag(value: object, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and (word := value.strip().lower()) in _TRUE | _FALSE:
        return word in _TRUE
    raise invalid_field("value_not_boolean", name)


def _names(value: object, name: str) -> tuple[str, ...]:
    """Read a list of names given as a list or a comma-separated string."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(
        isinstance(item, str) for item in items
    ):
        raise invalid_field("value_not_text", name)
    return tuple(found for item in items if (found := item.strip()))


def _time(value: object, name: str) -> int | None:
    """Read a time as Unix seconds: a datetime, ISO 8601 text or a number."""
    if isinstance(value, datetime):
        return int(dt_util.as_timestamp(value))
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        if (parsed := dt_util.parse_datetime(value.strip())) is None:
            raise invalid_field("timestamp_invalid", name)
        return int(dt_util.as_timestamp(parsed))
    return _integer(value, name)


def _media(value: object, name: str) -> str | None:
    """Read where an image comes from: text, or a media selector's choice."""
    if isinstance(value, Mapping):
        value = value.get("media_content_id")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_field("value_not_text", name)
    return value.strip()


def _seconds(value: object, name: str) -> int | None:
    """Read a duration: seconds, or a Home Assistant duration ("00:05:00", a dict)."""
    if isinstance(value, (timedelta, Mapping)) or (
        isinstance(value, str) and ":" in value
    ):
        try:
            return int(cv.time_period(value).total_seconds())
        except vol.Invalid:
            raise invalid_field("value_not_duration", name) from None
    return _integer(value, name)


def _as_list(value: Any) -> Any:
    return list(value)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Kind:
    """What a field holds: how it is validated, read and stored."""

    #: Validates the field in the action's schema (types only: the rules are
    #: checked when the message is prepared, naming the field).
    validator: Any
    #: Turns a caller's value into the field's; None when not given.
    coerce: Callable[[object, str], Any]
    #: Turns the field's value into JSON for the outbox, and back.
    dump: Callable[[Any], Any] = _same
    load: Callable[[object], Any] = _same


TEXT: Final = Kind(cv.string, _text, load=storage.text_or_none)
INTEGER: Final = Kind(vol.Coerce(int), _integer, load=storage.whole_number_or_none)
FLAG: Final = Kind(cv.boolean, _flag, load=storage.flag)
NAMES: Final = Kind(
    vol.All(cv.ensure_list, [cv.string]), _names, _as_list, storage.texts
)
TIME: Final = Kind(
    vol.Any(vol.Coerce(int), cv.datetime), _time, load=storage.whole_number_or_none
)
DURATION: Final = Kind(vol.Any(vol.Coerce(int), cv.time_period), _seconds)
#: Checked when read (naming the field), so the schema takes any value.
ACTIONS: Final = Kind(_same, parse_actions)
MEDIA: Final = Kind(
    vol.Any(
        cv.string,
        vol.Schema(
            {vol.Required("media_content_id"): cv.string}, extra=vol.ALLOW_EXTRA
        ),
    ),
    _media,
)


@dataclass(frozen=True, slots=True)
class MessageField:
    """One field of ``pushover_plus.send_message``."""

    #: The action's field; for a template field also the attribute of
    #: :class:`.api.Message` and its key in the outbox's files.
    name: str
    kind: Kind
    #: The keys of the legacy action's ``data`` that fill it.
    legacy: tuple[str, ...] = ()
    #: Whether every part of the message carries it as it is, so that the outbox
    #: keeps it with the message; the text (cut into parts), the image (kept
    #: as a file), the choice to encrypt (decided per recipient) and the
    #: actions (turned into a link when sent) have ways of their own.
    template: bool = True
    required: bool = False


FIELDS: Final = (
    MessageField(ATTR_MESSAGE, TEXT, template=False, required=True),
    MessageField(ATTR_TITLE, TEXT),
    # Pushover's own name for the field, and the typed action's.
    MessageField(CONF_DEVICES, NAMES, legacy=("device", CONF_DEVICES)),
    MessageField(CONF_PRIORITY, INTEGER, legacy=(CONF_PRIORITY,)),
    MessageField(CONF_RETRY, INTEGER, legacy=(CONF_RETRY,)),
    MessageField(CONF_EXPIRE, INTEGER, legacy=(CONF_EXPIRE,)),
    MessageField(ATTR_CALLBACK, TEXT, legacy=("callback_url",)),
    MessageField(ATTR_TAGS, NAMES, legacy=(ATTR_TAGS,)),
    MessageField(CONF_SOUND, TEXT, legacy=(CONF_SOUND,)),
    MessageField(ATTR_TIMESTAMP, TIME, legacy=(ATTR_TIMESTAMP,)),
    MessageField(CONF_TTL, INTEGER, legacy=(CONF_TTL,)),
    MessageField(ATTR_URL, TEXT, legacy=(ATTR_URL,)),
    MessageField(ATTR_URL_TITLE, TEXT, legacy=(ATTR_URL_TITLE,)),
    MessageField(CONF_HTML, FLAG, legacy=(CONF_HTML,)),
    MessageField(ATTR_MONOSPACE, FLAG, legacy=(ATTR_MONOSPACE,)),
    MessageField(ATTR_ATTACHMENT, MEDIA, legacy=(ATTR_ATTACHMENT,), template=False),
    MessageField(ATTR_ENCRYPT, FLAG, legacy=(ATTR_ENCRYPT,), template=False),
    MessageField(
        CONF_SUPPRESS_REPEATS,
        DURATION,
        legacy=(CONF_SUPPRESS_REPEATS,),
        template=False,
    ),
    # The companion app's key: notify groups send it to every member.
    MessageField(ATTR_ACTIONS, ACTIONS, legacy=(ATTR_ACTIONS,), template=False),
)

#: Each field's kind, by name.
KINDS: Final = {field.name: field.kind for field in FIELDS}
#: The fields every part of a message carries as they are (see ``template``).
TEMPLATE_FIELDS: Final = tuple(field for field in FIELDS if field.template)
#: The keys Home Assistant's Pushover page documents under ``data:``, and the
#: field each one fills.
LEGACY_DATA_KEYS: Final = {key: field.name for field in FIELDS for key in field.legacy}


def action_schema() -> VolDictType:
    """Return the schema of ``pushover_plus.send_message``'s fields."""
    return {
        (vol.Required if field.required else vol.Optional)(field.name): (
            field.kind.validator
        )
        for field in FIELDS
    }


def coerce(fields: Mapping[str, Any], name: str) -> Any:
    """Return the value a caller gave for one field, as the field holds it."""
    return KINDS[name].coerce(fields.get(name), name)
