"""Constants for the Pushover Plus integration."""

from enum import StrEnum
from typing import Final

DOMAIN: Final = "pushover_plus"
BUILTIN_DOMAIN: Final = "pushover"

DEFAULT_NAME: Final = "Pushover"
DEFAULT_API_URL: Final = "https://api.pushover.net/1/"

APPS_URL: Final = "https://pushover.net/apps/build"
DASHBOARD_URL: Final = "https://pushover.net/dashboard"
CLIENTS_URL: Final = "https://pushover.net/clients"

# Config entry data, the same keys as the built-in pushover integration's.
CONF_API_KEY: Final = "api_key"
CONF_USER_KEY: Final = "user_key"

# Message defaults, per recipient (in its subentry's data).
CONF_DEVICES: Final = "devices"
CONF_SOUND: Final = "sound"
CONF_PRIORITY: Final = "priority"
CONF_RETRY: Final = "retry"
CONF_EXPIRE: Final = "expire"
CONF_TTL: Final = "ttl"
CONF_HTML: Final = "html"
#: Seconds within which the same message to the same recipient is not sent again.
CONF_SUPPRESS_REPEATS: Final = "suppress_repeats"
#: The settings a recipient may give defaults for.
DEFAULT_KEYS: Final = (
    CONF_DEVICES,
    CONF_SOUND,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_EXPIRE,
    CONF_TTL,
    CONF_HTML,
    CONF_SUPPRESS_REPEATS,
)

# Action fields beyond the defaults above, named as the Messages API names them.
ATTR_MESSAGE: Final = "message"
ATTR_TITLE: Final = "title"
ATTR_URL: Final = "url"
ATTR_URL_TITLE: Final = "url_title"
ATTR_TIMESTAMP: Final = "timestamp"
ATTR_CALLBACK: Final = "callback"
ATTR_TAGS: Final = "tags"
ATTR_MONOSPACE: Final = "monospace"
ATTR_ATTACHMENT: Final = "attachment"
#: Whether a message goes end-to-end encrypted (by default when there is a key).
ATTR_ENCRYPT: Final = "encrypt"
#: The glance of one device of a recipient (pushover_plus.update_glance).
ATTR_DEVICE: Final = "device"
#: Buttons and a reply box on the message's action page, in the companion
#: app's shape: a list of {action, title, uri}.
ATTR_ACTIONS: Final = "actions"

# Entry options.
CONF_LONG_MESSAGE: Final = "long_message"
CONF_OUTBOX: Final = "outbox"
CONF_OUTBOX_MAX_AGE: Final = "outbox_max_age"
#: Ask Pushover to report acknowledgements to a Home Assistant webhook.
CONF_ACK_WEBHOOK: Final = "ack_webhook"
CONF_QUOTA_WARNING: Final = "quota_warning_threshold"
CONF_API_URL: Final = "api_url"
#: Hosts that http(s) attachment URLs may be downloaded from (empty: none).
CONF_ATTACHMENT_HOSTS: Final = "attachment_hosts"
#: Hours an action page link stays valid when nobody uses it.
CONF_ACTION_LINK_HOURS: Final = "action_link_hours"
#: Action links may use the internal URL, for those who answer only at home.
CONF_ACTION_LINK_INTERNAL: Final = "action_link_internal"

DEFAULT_OUTBOX_MAX_AGE_HOURS: Final = 24
#: Most messages an outbox holds: a day of one every 17 seconds.
OUTBOX_MAX_MESSAGES: Final = 5000
#: Most bytes of images an outbox holds: a thousand 200 kB camera snapshots.
OUTBOX_MAX_BYTES: Final = 200_000_000
#: Fired when the outbox gives up on a message.
EVENT_DELIVERY_FAILED: Final = f"{DOMAIN}_delivery_failed"
#: A message waits in the outbox; then that it was delivered (for the logbook).
EVENT_QUEUED: Final = f"{DOMAIN}_queued"
EVENT_DELIVERED: Final = f"{DOMAIN}_delivered"
#: A message was not sent again: the same went out within its window.
EVENT_SUPPRESSED: Final = f"{DOMAIN}_suppressed"
DEFAULT_QUOTA_WARNING: Final = 500
DEFAULT_ACTION_LINK_HOURS: Final = 24
#: Fired when a button of a message's action page is pressed.
EVENT_ACTION: Final = f"{DOMAIN}_action"

#: Pushover's own sounds, offered while the account's list cannot be fetched.
BUILTIN_SOUNDS: Final = (
    "pushover",
    "bike",
    "bugle",
    "cashregister",
    "classical",
    "cosmic",
    "falling",
    "gamelan",
    "incoming",
    "intermission",
    "magic",
    "mechanical",
    "pianobar",
    "siren",
    "spacealarm",
    "tugboat",
    "alien",
    "climb",
    "persistent",
    "echo",
    "updown",
    "vibrate",
    "none",
)

#: The choice in the sound select that leaves the sound to each device.
SOUND_DEVICE_DEFAULT: Final = "device_default"

#: Repair issues offering to remove a duplicate built-in pushover entry.
BUILTIN_ISSUE_PREFIX: Final = "builtin_pushover_"

SUBENTRY_RECIPIENT: Final = "recipient"
#: In a recipient's data: the id its entities and stored messages know it by,
#: when that is not its subentry id (a recipient moved from an older entry).
CONF_RECIPIENT_ID: Final = "recipient_id"
#: In a recipient's data: it receives the entry's legacy notify.<name> action.
CONF_LEGACY_NOTIFY: Final = "legacy_notify"
#: A recipient's end-to-end encryption key (64 hex characters), in its data.
CONF_ENCRYPTION_KEY: Final = "encryption_key"


class LongMessage(StrEnum):
    """What to do with a message longer than Pushover accepts."""

    TRUNCATE = "truncate"
    SPLIT = "split"
    REJECT = "reject"
