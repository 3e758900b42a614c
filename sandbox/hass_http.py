"""Home Assistant's HTTP settings, stored as already confirmed.

Home Assistant keeps its HTTP settings in ``.storage/http`` and treats any
that come from YAML as pending: unless someone confirms them in the UI within
five minutes, it reverts and restarts (an ERROR in its log). The demo
(``scripts/develop``), the end-to-end tests and the benchmark start Home
Assistants nobody confirms anything in, so they store the settings as stable.

``python -m sandbox.hass_http CONFIG_DIR HOST PORT`` does it for a new
configuration folder; a folder that has settings keeps them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

from homeassistant.components.http import config as http
from homeassistant.util import dt as dt_util


def write_http_settings(
    config_dir: Path, host: str, port: int, *, replace: bool = False
) -> bool:
    """Store ``host`` and ``port`` as confirmed settings.

    Settings already stored are kept unless ``replace``; returns whether it wrote.
    """
    file = config_dir / ".storage" / http.STORAGE_KEY
    if file.exists() and not replace:
        return False
    stable = {
        **http.HTTP_STORAGE_SCHEMA({"server_host": [host], "server_port": port}),
        http.HTTP_CONFIG_CREATED_AT: dt_util.utcnow().isoformat(),
        http.HTTP_CONFIG_ERROR: None,
        http.HTTP_CONFIG_ERROR_MESSAGE: None,
    }
    stored = {
        "version": http.STORAGE_VERSION,
        "minor_version": http.STORAGE_MINOR_VERSION,
        "key": http.STORAGE_KEY,
        "data": {
            http.KEY_STABLE: stable,
            http.KEY_PENDING: None,
            http.KEY_YAML_MIGRATION_DONE: True,
        },
    }
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(stored, indent=2), encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Write the settings for ``CONFIG_DIR HOST PORT``; 2 on bad arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.hass_http", description=__doc__.splitlines()[0]
    )
    parser.add_argument("config_dir", type=Path)
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    args = parser.parse_args(argv)
    write_http_settings(args.config_dir, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
