"""The translation sources and the integration's copy stay identical."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "translations"
SHIPPED = ROOT / "custom_components" / "pushover_plus" / "translations"


def test_shipped_translations_are_copies_of_the_sources() -> None:
    """scripts/setup copies translations/ into the integration; nothing drifts."""
    sources = {path.name: path.read_bytes() for path in SOURCES.glob("*.json")}
    shipped = {path.name: path.read_bytes() for path in SHIPPED.glob("*.json")}
    assert "en.json" in sources
    assert sources == shipped, "run scripts/setup (scripts/sync_translations.py)"


def test_translations_are_valid_json_without_references() -> None:
    """Custom integrations cannot use [%key:...%] references."""
    for path in SOURCES.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        json.loads(text)
        assert "[%key:" not in text, path.name
