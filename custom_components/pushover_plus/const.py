"""Constants for the Pushover Plus integration."""

from typing import Final

DOMAIN: Final = "pushover_plus"

DEFAULT_NAME: Final = "Pushover"
DEFAULT_API_URL: Final = "https://api.pushover.net/1/"

# Config entry data keys, the same as the built-in pushover integration's.
CONF_API_KEY: Final = "api_key"
CONF_USER_KEY: Final = "user_key"
