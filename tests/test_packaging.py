"""What hassfest and HACS's action check of a custom integration, checked here.

The manifest (known keys, their order, a loadable version), hacs.json (only the
keys HACS knows), icons.json (an icon for every action and translated entity),
the brand images (sizes) and services.yaml (every action has a target or
fields). tests/test_translations.py checks services.yaml against the
translations. Then the repository around it: the GitHub workflows that run
hassfest, HACS's action and scripts/test (and that they pass GitHub's workflow
schema, as scripts/lint checks), the licence, and a changelog entry for the
version being released.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re
import subprocess
import sys
import tomllib
from typing import Any, get_args, get_type_hints

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import __version__ as ha_version
from homeassistant.loader import Manifest
from homeassistant.util.yaml import load_yaml_dict
from PIL import Image
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "pushover_plus"
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
ICONS = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
ENGLISH = json.loads((ROOT / "translations" / "en.json").read_text(encoding="utf-8"))
SERVICES = load_yaml_dict(str(INTEGRATION / "services.yaml"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WORKFLOWS = ROOT / ".github" / "workflows"
#: check-jsonschema's schemas for the workflows: GitHub's own, and a time limit
#: on every job (scripts/lint runs the same).
WORKFLOW_SCHEMAS = (
    "vendor.github-workflows",
    "custom.github-workflows-require-timeout",
)

# The strategies Home Assistant's loader accepts for a custom integration's
# version; any other version keeps the integration from loading.
VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
# What hassfest wants of a custom integration with a config flow.
REQUIRED_MANIFEST_KEYS = {
    "domain",
    "name",
    "codeowners",
    "config_flow",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "requirements",
    "version",
}
# HACS's hacs.json schema: every key it knows, with its type.
HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "content_in_root": bool,
    "zip_release": bool,
    "filename": str,
    "hide_default_branch": bool,
    "country": (str, list),
    "homeassistant": str,
    "hacs": str,
    "persistent_directory": str,
    "render_readme": bool,
}
MDI_ICON = re.compile(r"mdi:[a-z0-9]+(-[a-z0-9]+)*")


def _is_version(value: str) -> bool:
    try:
        AwesomeVersion(value, ensure_strategy=VERSION_STRATEGIES)
    except Exception:  # noqa: BLE001 - AwesomeVersion raises several kinds
        return False
    return True


def test_manifest_keys_are_known_and_ordered() -> None:
    """Domain and name first, then the rest in alphabetical order (hassfest)."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert set(keys) <= set(get_type_hints(Manifest))
    assert not REQUIRED_MANIFEST_KEYS - set(keys)


def test_manifest_values() -> None:
    """The values have the types and forms hassfest accepts."""
    assert MANIFEST["domain"] == INTEGRATION.name
    assert MANIFEST["config_flow"] is (INTEGRATION / "config_flow.py").exists()
    integration_types = get_args(get_type_hints(Manifest)["integration_type"])
    assert MANIFEST["integration_type"] in integration_types
    assert MANIFEST["iot_class"] in IOT_CLASSES
    for key in ("documentation", "issue_tracker"):
        assert MANIFEST[key].startswith("https://"), key
    assert MANIFEST["codeowners"]
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])
    for key in ("requirements", "dependencies", "after_dependencies", "loggers"):
        value = MANIFEST.get(key, [])
        assert isinstance(value, list), key
        assert all(isinstance(item, str) for item in value), key


def test_manifest_dependencies_are_home_assistant_integrations() -> None:
    """Every (after) dependency is an integration Home Assistant ships."""
    for domain in [*MANIFEST.get("dependencies", []), *MANIFEST["after_dependencies"]]:
        spec = importlib.util.find_spec(f"homeassistant.components.{domain}")
        assert spec is not None, domain


@pytest.mark.parametrize(
    ("version", "valid"),
    [("0.1.0", True), ("2026.11.0", True), ("1.2", True), ("v1.x", False)],
)
def test_version_check_matches_the_loader(version: str, valid: bool) -> None:
    """The check below refuses what Home Assistant's loader refuses."""
    assert _is_version(version) is valid


def test_manifest_version_loads() -> None:
    """Home Assistant loads a custom integration only with a valid version."""
    assert _is_version(MANIFEST["version"])


def test_hacs_json() -> None:
    """Only HACS's keys, with their types; the minimum is the tested version."""
    hacs: dict[str, Any] = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert set(hacs) <= set(HACS_KEYS), set(hacs) - set(HACS_KEYS)
    for key, value in hacs.items():
        assert isinstance(value, HACS_KEYS[key]), key
    assert hacs["name"] == MANIFEST["name"]
    assert hacs["homeassistant"] == ha_version
    assert _is_version(hacs["homeassistant"])
    if hacs.get("zip_release"):
        assert hacs.get("filename"), "a zip release needs its filename"
    countries = hacs.get("country", [])
    for country in [countries] if isinstance(countries, str) else countries:
        assert re.fullmatch(r"[A-Z]{2}", country), country


def test_readme_names_the_tested_releases() -> None:
    """README's installation part names the suite's release and the smoke's next one."""
    pinned = re.search(
        r"^homeassistant==(\S+)$",
        (ROOT / "requirements_ha_next.txt").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert pinned is not None
    assert AwesomeVersion(pinned[1]) > AwesomeVersion(ha_version)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    installation = readme.split("\n## Installation\n")[1].split("\n## ")[0]
    for release in (ha_version, pinned[1]):
        assert release in installation, release


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def test_icons_are_material_design_icons() -> None:
    """Every icon in icons.json is an mdi: name."""
    for icon in _leaves(ICONS):
        assert isinstance(icon, str)
        assert MDI_ICON.fullmatch(icon), icon


def test_every_action_has_an_icon() -> None:
    """hassfest wants an icon for each action in services.yaml, and no others."""
    assert set(ICONS["services"]) == set(SERVICES)
    for action, icons in ICONS["services"].items():
        assert icons["service"], action


def test_every_translated_entity_has_an_icon() -> None:
    """Each entity translation key has a default icon, and no icon is orphaned."""
    translated = {
        (platform, key)
        for platform, keys in ENGLISH.get("entity", {}).items()
        for key in keys
    }
    with_icons = {
        (platform, key)
        for platform, keys in ICONS.get("entity", {}).items()
        for key in keys
    }
    assert translated == with_icons
    for platform, key in with_icons:
        assert ICONS["entity"][platform][key]["default"], (platform, key)


def _size(name: str) -> tuple[int, int]:
    with Image.open(INTEGRATION / "brand" / name) as image:
        assert image.format == "PNG", name
        return image.size


def test_brand_images() -> None:
    """Icons are square at 256 and 512 px; logos as tall or wider, and doubled."""
    assert _size("icon.png") == (256, 256)
    assert _size("icon@2x.png") == (512, 512)
    width, height = _size("logo.png")
    assert 128 <= height <= 256
    assert width >= height
    assert _size("logo@2x.png") == (width * 2, height * 2)


def test_every_action_has_a_target_or_fields() -> None:
    """services.yaml parses and no action is an empty description."""
    assert SERVICES
    for action, spec in SERVICES.items():
        assert isinstance(spec, dict), action
        assert "target" in spec or spec.get("fields"), action


# Home Assistant's quality scale rules (developers.home-assistant.io), by tier.
QUALITY_RULES = {
    "bronze": "action-setup appropriate-polling brands common-modules "
    "config-flow-test-coverage config-flow dependency-transparency docs-actions "
    "docs-high-level-description docs-installation-instructions "
    "docs-removal-instructions entity-event-setup entity-unique-id has-entity-name "
    "runtime-data test-before-configure test-before-setup unique-config-entry",
    "silver": "action-exceptions config-entry-unloading docs-configuration-parameters "
    "docs-installation-parameters entity-unavailable integration-owner "
    "log-when-unavailable parallel-updates reauthentication-flow test-coverage",
    "gold": "devices diagnostics discovery-update-info discovery docs-data-update "
    "docs-examples docs-known-limitations docs-supported-devices "
    "docs-supported-functions docs-troubleshooting docs-use-cases dynamic-devices "
    "entity-category entity-device-class entity-disabled-by-default "
    "entity-translations exception-translations icon-translations "
    "reconfiguration-flow repair-issues stale-devices",
    "platinum": "async-dependency inject-websession strict-typing",
}


def test_quality_scale_names_every_rule_with_a_status() -> None:
    rules = load_yaml_dict(str(INTEGRATION / "quality_scale.yaml"))["rules"]
    assert set(rules) == {
        rule for names in QUALITY_RULES.values() for rule in names.split()
    }
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in ("done", "exempt", "todo"), rule
        if status == "exempt":
            assert value["comment"], f"{rule}: an exemption needs its reason"


def _workflow(name: str) -> dict[Any, Any]:
    """Return a workflow; its ``on`` key is read as YAML 1.1's ``True``."""
    workflow: dict[Any, Any] = yaml.safe_load(
        (WORKFLOWS / name).read_text(encoding="utf-8")
    )
    workflow["on"] = workflow.pop(True)
    return workflow


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_validate_workflow_runs_hassfest_and_hacs() -> None:
    """hassfest and HACS's action (every check) on pushes, pull requests, daily."""
    workflow = _workflow("validate.yml")
    assert {"push", "pull_request", "schedule"} <= set(workflow["on"])
    uses = {
        step["uses"].partition("@")[0]: step
        for step in _steps(workflow)
        if "uses" in step
    }
    assert "home-assistant/actions/hassfest" in uses
    assert uses["hacs/action"]["with"] == {"category": "integration"}


def test_test_workflow_runs_scripts_test() -> None:
    """CI on GitHub is scripts/test, as .ci/run is, on pushes and pull requests."""
    workflow = _workflow("test.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert "scripts/test" in [step.get("run") for step in _steps(workflow)]


@pytest.mark.parametrize("schema", WORKFLOW_SCHEMAS)
def test_workflows_lint_clean(schema: str) -> None:
    """Every workflow passes check-jsonschema's schema, as scripts/lint checks."""
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    assert files
    result = subprocess.run(  # noqa: S603 - the venv's own tool, our own files
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            schema,
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_license_is_the_one_pyproject_declares() -> None:
    """LICENSE is the MIT text, with the holder pyproject.toml names."""
    project = PYPROJECT["project"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert text.startswith("MIT License\n")
    holder = project["authors"][0]["name"]
    assert re.search(rf"^Copyright \(c\) \d{{4}} {re.escape(holder)}$", text, re.M)


def test_changelog_starts_at_the_released_version() -> None:
    """The newest CHANGELOG.md entry is manifest.json's version, and pyproject's."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## \[(\d[^\]]*)\]", changelog, re.MULTILINE)
    assert newest is not None
    assert newest[1] == MANIFEST["version"] == PYPROJECT["project"]["version"]
