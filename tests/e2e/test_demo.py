"""scripts/develop's first run: Home Assistant onboarded and the demo set up.

``python -m sandbox.demo`` drives a new Home Assistant through its own
onboarding and config flow APIs; afterwards the printed login works, the first
message reaches the sandbox, the demo camera shows the picture the project
ships and My media holds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import demo
from sandbox.seed import DEMO_TOKEN, DEMO_USER, OTHER_USER

from .stack import Sandbox, start_home_assistant

pytestmark = pytest.mark.e2e


def test_first_run_is_ready_to_send(
    sandbox: Sandbox,
    artifacts: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config_dir = tmp_path / "config"
    with start_home_assistant(artifacts, config_dir, onboarded=False) as hass:
        args = ["--ha-url", hass.url, "--api-url", sandbox.api_url]
        args += ["--token", DEMO_TOKEN, "--user", DEMO_USER, "--other-user", OTHER_USER]
        assert demo.main(args) == 0
        banner = capsys.readouterr().out
        assert "Log in as demo / demo (created just now)" in banner
        assert f"Second user key: {OTHER_USER}" in banner

        hass.log_in(demo.DEMO_USERNAME, demo.DEMO_PASSWORD)
        hass.wait_until_running()
        [entry] = hass.api(
            "GET", "/api/config/config_entries/entry?domain=pushover_plus"
        )
        assert (entry["title"], entry["state"]) == ("Pushover", "loaded")
        # The recipient is the demo user; the legacy action keeps the entry's name.
        assert hass.api("GET", f"/api/states/{demo.RECIPIENT_ENTITY}")
        hass.api("POST", "/api/services/notify/pushover", {"message": "Hi"})
        assert [m["fields"]["message"] for m in sandbox.messages()] == ["Hi"]

        # The camera's picture and the one in My media are the picture shipped.
        camera = hass.api("GET", "/api/states/camera.demo_camera")
        assert camera["attributes"]["friendly_name"] == demo.CAMERA_NAME
        size = demo.CAMERA_IMAGE.stat().st_size
        for source in ("camera.demo_camera", f"{demo.MY_MEDIA}/front-door.jpg"):
            hass.api(
                "POST",
                "/api/services/pushover_plus/send_message",
                {
                    "entity_id": demo.RECIPIENT_ENTITY,
                    "message": source,
                    "attachment": source,
                },
            )
            assert sandbox.messages()[-1]["attachment"]["size"] == size

        # Again while the same Home Assistant runs: it finds the owner and adds
        # nothing (a real second start is in test_develop.py).
        assert demo.main(args) == 0
        assert "Log in with the user you created" in capsys.readouterr().out
        entries = hass.api("GET", "/api/config/config_entries/entry")
        assert sum(e["domain"] == "pushover_plus" for e in entries) == 1
        assert sum(e["domain"] == "local_file" for e in entries) == 1
