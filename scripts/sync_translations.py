"""Copy the translation sources in translations/ into the integration.

translations/ at the top of the repository is where translators work; Home
Assistant and HACS read custom_components/pushover_plus/translations/. This
keeps the second an exact copy of the first (tests/test_translations.py fails
when they drift). Run by scripts/setup; `--check` only reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "translations"
TARGET = ROOT / "custom_components" / "pushover_plus" / "translations"


def drifted() -> list[str]:
    """Return the names of the translation files that differ or are missing."""
    sources = {path.name: path.read_bytes() for path in SOURCE.glob("*.json")}
    targets = {path.name: path.read_bytes() for path in TARGET.glob("*.json")}
    return sorted(
        name
        for name in sources.keys() | targets.keys()
        if sources.get(name) != targets.get(name)
    )


def sync() -> list[str]:
    """Make the integration's translations an exact copy of the sources."""
    changed = drifted()
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in changed:
        source = SOURCE / name
        target = TARGET / name
        if source.exists():
            target.write_bytes(source.read_bytes())
        else:
            target.unlink()
    return changed


def main() -> int:
    """Sync, or with --check report drift and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drift")
    args = parser.parse_args()
    if args.check:
        changed = drifted()
        for name in changed:
            print(f"translations/{name} and the integration's copy differ")
        return 1 if changed else 0
    for name in sync():
        print(f"synced translations/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
