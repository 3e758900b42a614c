"""Limits and defaults of the Pushover API, as the client enforces them."""

from __future__ import annotations

import re
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.pushover.net/1/"

#: Pushover asks senders to keep at most this many requests open per API host.
MAX_CONCURRENT_REQUESTS: Final = 2

#: Seconds to wait for a TCP (and TLS) connection to the API.
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
#: Seconds for a whole exchange, upload of a 5 MB attachment included.
DEFAULT_TOTAL_TIMEOUT: Final = 60.0

#: The type of attachment bytes of unknown image format; the API inspects them.
DEFAULT_CONTENT_TYPE: Final = "application/octet-stream"

KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9]{30}")
DEVICE_NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,25}")

MAX_USERS: Final = 50
MAX_MESSAGE_LENGTH: Final = 1024
MAX_TITLE_LENGTH: Final = 250
MAX_URL_LENGTH: Final = 512
MAX_URL_TITLE_LENGTH: Final = 100
MAX_DEVICE_NAME_LENGTH: Final = 25
MIN_PRIORITY: Final = -2
MAX_PRIORITY: Final = 2
EMERGENCY_PRIORITY: Final = 2
MIN_RETRY: Final = 30
MAX_EXPIRE: Final = 10800
MAX_ATTACHMENT_SIZE: Final = 5_242_880
MAX_GLANCE_TEXT_LENGTH: Final = 100
MIN_GLANCE_PERCENT: Final = 0
MAX_GLANCE_PERCENT: Final = 100
