"""The manifest and hacs.json describe the integration as HACS expects."""

import json
from pathlib import Path

from homeassistant.const import __version__ as ha_version

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "pushover_plus"


def test_manifest() -> None:
    """The keys hassfest requires of a custom integration are there."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert manifest["domain"] == "pushover_plus"
    assert manifest["name"] == "Pushover Plus"
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "service"
    assert manifest["iot_class"] == "cloud_push"
    assert manifest["requirements"] == []
    assert manifest["version"]
    for key in ("documentation", "issue_tracker", "codeowners"):
        assert manifest[key], key


def test_hacs_json_names_the_tested_home_assistant() -> None:
    """hacs.json's minimum Home Assistant is the version the tests run on."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "Pushover Plus"
    assert hacs["homeassistant"] == ha_version


def test_brand_images_are_present() -> None:
    """Home Assistant shows the integration's own icon and logo."""
    for name in ("icon.png", "icon@2x.png", "logo.png", "logo@2x.png"):
        data = (INTEGRATION / "brand" / name).read_bytes()
        assert data.startswith(b"\x89PNG"), name
