"""The YAML examples of Home Assistant's Pushover page, run unchanged.

Only the action name differs: the page writes `notify.entity_id` for "your
Pushover action", which is notify.<slug of the entry name> here. The Alexa
example calls notify.notify, which is what an entry named "notify" gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest_asyncio
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from sandbox.model import MessageRecord
from sandbox.seed import DEMO_TOKEN, DEMO_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.images import image_bytes

# The devices the page's examples name.
SEED = {
    "apps": {DEMO_TOKEN: {"name": "Home Assistant"}},
    "users": {
        DEMO_USER: {
            "devices": ["pixel", "pixel3", "pixel4a", "iphone11pro"],
            "licenses": ["Android", "iOS"],
        }
    },
}

FIRST_EXAMPLE = """
- action: notify.entity_id
  data:
    message: "This is the message"
    title: "Title of message"
    data:
      url: "https://www.home-assistant.io/"
      sound: pianobar
      priority: 0
      attachment: "local/image.png"
"""

DEVICES_EXAMPLE = """
- action: notify.entity_id
  data:
    message: "This is the message"
    title: "Title of message"
    target:
      - pixel3
      - pixel4a
    data:
      sound: pianobar
      priority: 0
"""

EMERGENCY_EXAMPLE = """
- action: notify.entity_id
  data:
    message: "This is the message"
    title: "Title of message"
    target:
      - iphone11pro
    data:
      priority: 2
      sound: "siren"
      expire: 300
      retry: 30
"""

ALEXA_ACTION = """
action: notify.notify
data:
  message: "The location of {{ User }} has been queried via Alexa."
  title: "Home Assistant"
  target: pixel
  data:
    sound: falling
    url: "https://www.home-assistant.io/"
    attachment: "/tmp/image.png"
"""


@pytest_asyncio.fixture
async def seed_sandbox(socket_enabled: None) -> AsyncIterator[SandboxServer]:
    async with SandboxServer(seed=SEED) as server:
        yield server


async def _setup_entry(
    hass: HomeAssistant, sandbox: SandboxServer, name: str
) -> MockConfigEntry:
    entry = demo_entry(sandbox, name=name)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _run_script(hass: HomeAssistant, sequence: object) -> None:
    assert await async_setup_component(
        hass, "script", {"script": {"example": {"sequence": sequence}}}
    )
    await hass.services.async_call("script", "example", blocking=True)
    await hass.async_block_till_done()


def _as_pushover_action(example: str) -> object:
    return yaml.safe_load(example.replace("notify.entity_id", "notify.pushover"))


def _only(sandbox: SandboxServer) -> MessageRecord:
    [record] = sandbox.state.messages
    return record


async def test_first_example_with_a_local_attachment(
    hass: HomeAssistant, seed_sandbox: SandboxServer, tmp_path: Path
) -> None:
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "image.png").write_bytes(image_bytes())
    hass.config.allowlist_external_dirs = {str(tmp_path / "www")}
    await _setup_entry(hass, seed_sandbox, "Pushover")

    await _run_script(hass, _as_pushover_action(FIRST_EXAMPLE))

    record = _only(seed_sandbox)
    assert record.fields["message"] == "This is the message"
    assert record.fields["title"] == "Title of message"
    assert record.fields["url"] == "https://www.home-assistant.io/"
    assert record.fields["sound"] == "pianobar"
    assert record.fields["priority"] == "0"
    assert record.attachment is not None
    assert record.attachment.data == image_bytes()
    assert record.attachment.content_type == "image/png"
    assert record.all_devices


async def test_devices_example(
    hass: HomeAssistant, seed_sandbox: SandboxServer
) -> None:
    await _setup_entry(hass, seed_sandbox, "Pushover")
    await _run_script(hass, _as_pushover_action(DEVICES_EXAMPLE))
    record = _only(seed_sandbox)
    assert record.fields["device"] == "pixel3,pixel4a"
    assert record.devices == ["pixel3", "pixel4a"]
    assert record.fields["sound"] == "pianobar"


async def test_emergency_example_as_an_automation(
    hass: HomeAssistant, seed_sandbox: SandboxServer
) -> None:
    await _setup_entry(hass, seed_sandbox, "Pushover")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [{"trigger": "event", "event_type": "water_leak"}],
                "actions": _as_pushover_action(EMERGENCY_EXAMPLE),
            }
        },
    )
    hass.bus.async_fire("water_leak")
    await hass.async_block_till_done()
    record = _only(seed_sandbox)
    assert record.fields["device"] == "iphone11pro"
    assert record.fields["priority"] == "2"
    assert record.fields["sound"] == "siren"
    assert (record.fields["expire"], record.fields["retry"]) == ("300", "30")
    assert record.receipt is not None


async def test_alexa_example_action_with_a_template(
    hass: HomeAssistant, seed_sandbox: SandboxServer
) -> None:
    image = Path("/tmp/image.png")  # noqa: S108 - the page's own path
    image.write_bytes(image_bytes())
    try:
        hass.config.allowlist_external_dirs = {"/tmp"}  # noqa: S108
        await _setup_entry(hass, seed_sandbox, "notify")
        action = yaml.safe_load(ALEXA_ACTION)
        sequence = [{"variables": {"User": "Paulus"}}, action]
        await _run_script(hass, sequence)
    finally:
        image.unlink()
    record = _only(seed_sandbox)
    assert (
        record.fields["message"] == "The location of Paulus has been queried via Alexa."
    )
    assert record.fields["title"] == "Home Assistant"
    assert record.fields["device"] == "pixel"
    assert record.fields["sound"] == "falling"
    assert record.fields["url"] == "https://www.home-assistant.io/"
    assert record.attachment is not None
