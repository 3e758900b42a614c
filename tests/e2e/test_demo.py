"""scripts/develop's first run: Home Assistant onboarded and the entry added.

``python -m sandbox.demo`` drives a new Home Assistant through its own
onboarding and config flow APIs; afterwards the printed login works and the
first message reaches the sandbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import demo
from sandbox.seed import DEMO_TOKEN, DEMO_USER

from .stack import Sandbox, request_json, start_home_assistant


def log_in(url: str, username: str, password: str) -> str:
    """Log in through Home Assistant's login flow; return an access token."""
    client_id = url + "/"
    flow = request_json(
        "POST",
        url + "/auth/login_flow",
        json_body={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    )
    result = request_json(
        "POST",
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json_body={"client_id": client_id, "username": username, "password": password},
    )
    return demo.access_token(url, result["result"])


def test_first_run_is_ready_to_send(
    sandbox: Sandbox,
    artifacts: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with start_home_assistant(
        artifacts, tmp_path / "config", onboarded=False
    ) as home_assistant:
        url = home_assistant.url
        args = ["--ha-url", url, "--api-url", sandbox.api_url]
        args += ["--token", DEMO_TOKEN, "--user", DEMO_USER]
        assert demo.main(args) == 0
        assert "Log in as demo / demo" in capsys.readouterr().out

        token = log_in(url, demo.DEMO_USERNAME, demo.DEMO_PASSWORD)
        home_assistant.token = token
        home_assistant.wait_until_running()
        [entry] = home_assistant.api(
            "GET", "/api/config/config_entries/entry?domain=pushover_plus"
        )
        assert (entry["title"], entry["state"]) == ("Pushover", "loaded")
        home_assistant.api("POST", "/api/services/notify/pushover", {"message": "Hi"})
        assert [m["fields"]["message"] for m in sandbox.messages()] == ["Hi"]

        # A second start finds the owner and adds nothing.
        assert demo.main(args) == 0
        assert "Log in with the user you created" in capsys.readouterr().out
        entries = home_assistant.api(
            "GET", "/api/config/config_entries/entry?domain=pushover_plus"
        )
        assert len(entries) == 1
