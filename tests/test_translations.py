"""The translation sources and the integration's copy stay identical."""

import json
from pathlib import Path
import re
from typing import Any

import yaml

from custom_components.pushover_plus.api import ValidationCode

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


ENGLISH = json.loads((SOURCES / "en.json").read_text(encoding="utf-8"))
INTEGRATION = ROOT / "custom_components" / "pushover_plus"
RAISED_KEY = re.compile(
    r'(?:\binvalid_field|\binvalid|\bfailed)\(\s*"([a-z_]+)"'
    r'|translation_key="([a-z_]+)"'
    r'|\bkey = "([a-z_]+)"'
)


def test_every_validation_code_of_the_client_is_translated() -> None:
    """The client's refusals reach the user through these keys."""
    missing = {code.value for code in ValidationCode} - set(ENGLISH["exceptions"])
    assert not missing


def test_every_raised_translation_key_exists() -> None:
    """A key without a translation would show the user the bare key."""
    known = (
        set(ENGLISH["exceptions"])
        | set(ENGLISH["issues"])
        | set(ENGLISH["selector"])
        | {key for platform in ENGLISH["entity"].values() for key in platform}
    )
    used: set[str] = set()
    for path in INTEGRATION.glob("*.py"):
        for match in RAISED_KEY.finditer(path.read_text(encoding="utf-8")):
            used.update(group for group in match.groups() if group)
    assert used, "the pattern found nothing: it is out of date"
    assert not used - known


def _service_fields(fields: dict[str, Any]) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    sections: set[str] = set()
    for name, spec in fields.items():
        if "fields" in spec:
            sections.add(name)
            names.update(spec["fields"])
        else:
            names.add(name)
    return names, sections


def test_every_action_field_and_section_is_named_and_described() -> None:
    """services.yaml and the translations describe the same actions."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    icons = json.loads((INTEGRATION / "icons.json").read_text())
    assert set(services) == set(ENGLISH["services"]) == set(icons["services"])
    for action, spec in services.items():
        translated = ENGLISH["services"][action]
        assert translated["name"]
        assert translated["description"]
        fields, sections = _service_fields(spec["fields"])
        assert set(translated["fields"]) == fields
        for field in translated["fields"].values():
            assert field["name"]
            assert field["description"]
        assert set(translated.get("sections", {})) == sections
        assert set(icons["services"][action].get("sections", {})) == sections


def _strings(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten a translation tree into {dotted.key: string}."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_strings(value, path))
        else:
            flat[path] = value
    return flat


def test_every_language_has_the_english_keys_and_placeholders() -> None:
    """Each translation has exactly en.json's keys and {placeholder} names."""
    languages = {path.stem for path in SOURCES.glob("*.json")}
    assert {"en", "de", "fr", "nl", "es", "it", "pl", "sv", "pt-BR"} <= languages
    english = _strings(ENGLISH)
    for path in sorted(SOURCES.glob("*.json")):
        if path.name == "en.json":
            continue
        translated = _strings(json.loads(path.read_text(encoding="utf-8")))
        assert set(translated) == set(english), (
            path.name,
            sorted(set(english) - set(translated)),
            sorted(set(translated) - set(english)),
        )
        for key, text in english.items():
            assert isinstance(translated[key], str), (path.name, key)
            assert set(re.findall(r"{(\w+)}", translated[key])) == set(
                re.findall(r"{(\w+)}", text)
            ), (path.name, key)
