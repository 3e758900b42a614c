"""The Alexa example of Home Assistant's Pushover page, in today's form.

The page puts the intent under ``alexa: intents:``. Home Assistant now reads
intents from ``intent_script:``, and ``alexa:`` only opens the endpoint that
Amazon posts to, /api/alexa. Here Home Assistant gets that configuration as
YAML, an IntentRequest as Amazon sends it (with a ``User`` slot) is posted to
its HTTP server, and the rendered message reaches the sandbox through
``notify.notify``: the legacy action of an entry named "notify", whose user has
the device ``pixel``.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

from homeassistant.config import load_yaml_config_file
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from sandbox.seed import OTHER_USER
from sandbox.server import SandboxServer
from tests.conftest import demo_entry
from tests.images import image_bytes

# What configuration.yaml holds for the example today.
CONFIGURATION_YAML = """
homeassistant:
  allowlist_external_dirs:
    - /tmp

alexa:

intent_script:
  LocateIntent:
    action:
      action: notify.notify
      data:
        message: "The location of {{ User }} has been queried via Alexa."
        title: "Home Assistant"
        target: pixel
        data:
          sound: falling
          url: "https://www.home-assistant.io/"
          attachment: "/tmp/image.png"
    speech:
      text: "I have sent the location of {{ User }}."
"""

IMAGE = Path("/tmp/image.png")  # noqa: S108 - the page's own path

# An IntentRequest as Amazon sends it to a custom skill's endpoint.
INTENT_REQUEST: dict[str, Any] = {
    "version": "1.0",
    "session": {
        "new": True,
        "sessionId": "amzn1.echo-api.session.0000000-0000-0000-0000-00000000000",
        "application": {
            "applicationId": "amzn1.echo-sdk-ams.app.000000-d0ed-0000-ad00-000000d00ebe"
        },
        "attributes": {},
        "user": {"userId": "amzn1.account.AM3B00000000000000000000000"},
    },
    "request": {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.0000000-0000-0000-0000-00000000000",
        "timestamp": "2026-11-24T10:00:00Z",
        "locale": "en-US",
        "intent": {
            "name": "LocateIntent",
            "confirmationStatus": "NONE",
            "slots": {
                "User": {
                    "name": "User",
                    "value": "Paulus",
                    "confirmationStatus": "NONE",
                }
            },
        },
    },
}


@pytest.fixture
def image() -> Iterator[Path]:
    """Put the example's image at /tmp/image.png for the test's duration."""
    IMAGE.write_bytes(image_bytes())
    yield IMAGE
    IMAGE.unlink(missing_ok=True)


async def test_alexa_intent_sends_the_pages_example(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    pushover_sandbox: SandboxServer,
    image: Path,
    tmp_path: Path,
) -> None:
    """Amazon's IntentRequest renders the template and sends every field."""
    # Read as Home Assistant reads configuration.yaml (an empty key is {}).
    (tmp_path / "configuration.yaml").write_text(CONFIGURATION_YAML)
    configuration = await hass.async_add_executor_job(
        load_yaml_config_file, str(tmp_path / "configuration.yaml")
    )
    await async_process_ha_core_config(hass, configuration["homeassistant"])
    entry = demo_entry(pushover_sandbox, user_key=OTHER_USER, name="notify")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert await async_setup_component(hass, "alexa", configuration)
    assert await async_setup_component(hass, "intent_script", configuration)
    await hass.async_block_till_done()

    client = await hass_client()
    response = await client.post("/api/alexa", json=INTENT_REQUEST)
    assert response.status == HTTPStatus.OK
    answer = await response.json()
    assert answer["response"]["outputSpeech"] == {
        "type": "PlainText",
        "text": "I have sent the location of Paulus.",
    }

    [record] = pushover_sandbox.state.messages
    assert record.user == OTHER_USER
    assert (
        record.fields["message"] == "The location of Paulus has been queried via Alexa."
    )
    assert record.fields["title"] == "Home Assistant"
    assert record.devices == ["pixel"]
    assert record.fields["sound"] == "falling"
    assert record.fields["url"] == "https://www.home-assistant.io/"
    assert record.attachment is not None
    assert record.attachment.data == image.read_bytes()
    assert record.attachment.content_type == "image/png"
