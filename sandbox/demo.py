"""Make a new Home Assistant ready for the Pushover Plus demo.

``scripts/develop`` runs ``python -m sandbox.demo`` beside Home Assistant. Once
Home Assistant answers, a new configuration gets its owner through Home
Assistant's onboarding API and a Pushover Plus entry pointing at the sandbox
through the config flow API: the same flow a user runs on the integrations
page. A configuration that was onboarded before is left as it is. Then it
prints how to log in and what to try.

The end-to-end tests onboard their Home Assistant with the same functions.
Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
import json
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

DEMO_NAME = "Demo"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - a local demo instance's login, printed
ENTRY_NAME = "Pushover"
REQUEST_TIMEOUT = 30.0
LOOPBACK_PREFIXES = ("http://127.0.0.1:", "http://localhost:")


class HomeAssistantError(RuntimeError):
    """Home Assistant answered something else than expected."""


def request_json(
    method: str,
    url: str,
    *,
    token: str | None = None,
    json_body: Mapping[str, Any] | None = None,
    form: Mapping[str, str] | None = None,
) -> Any:
    """Send one HTTP request to a loopback address; return its JSON answer."""
    if not url.startswith(LOOPBACK_PREFIXES):
        raise ValueError(f"only loopback addresses are contacted, not {url}")
    headers: dict[str, str] = {}
    data: bytes | None = None
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(json_body).encode()
    elif form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - loopback http only, checked above
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as err:
        raise HomeAssistantError(
            f"{method} {url} answered {err.code}: {err.read().decode(errors='replace')}"
        ) from err
    return json.loads(body) if body else None


def is_onboarded(url: str) -> bool:
    """Return whether Home Assistant at ``url`` already has its owner."""
    steps = request_json("GET", url + "/api/onboarding")
    return any(step["step"] == "user" and step["done"] for step in steps)


def access_token(url: str, code: str) -> str:
    """Exchange an authorization code of Home Assistant's for an access token."""
    tokens = request_json(
        "POST",
        url + "/auth/token",
        form={"grant_type": "authorization_code", "code": code, "client_id": url + "/"},
    )
    token: str = tokens["access_token"]
    return token


def onboard(
    url: str, *, name: str, username: str, password: str, language: str = "en"
) -> str:
    """Create the owner and finish every onboarding step, as the wizard does.

    Returns an access token of the owner.
    """
    client_id = url + "/"
    user = request_json(
        "POST",
        url + "/api/onboarding/users",
        json_body={
            "name": name,
            "username": username,
            "password": password,
            "client_id": client_id,
            "language": language,
        },
    )
    token = access_token(url, user["auth_code"])
    request_json("POST", url + "/api/onboarding/core_config", token=token)
    request_json("POST", url + "/api/onboarding/analytics", token=token)
    request_json(
        "POST",
        url + "/api/onboarding/integration",
        token=token,
        json_body={
            "client_id": client_id,
            "redirect_uri": client_id + "?auth_callback=1",
        },
    )
    steps = request_json("GET", url + "/api/onboarding")
    if not all(step["done"] for step in steps):
        raise HomeAssistantError(f"onboarding is not finished: {steps}")
    return token


def add_entry(
    url: str, token: str, *, api_key: str, user_key: str, api_url: str
) -> dict[str, Any]:
    """Add a Pushover Plus entry through the config flow; return the result."""
    flows = url + "/api/config/config_entries/flow"
    form = request_json(
        "POST", flows, token=token, json_body={"handler": "pushover_plus"}
    )
    if form.get("step_id") != "user":
        raise HomeAssistantError(f"the config flow did not ask for keys: {form}")
    result: dict[str, Any] = request_json(
        "POST",
        f"{flows}/{form['flow_id']}",
        token=token,
        json_body={
            "name": ENTRY_NAME,
            "api_key": api_key,
            "user_key": user_key,
            "advanced": {"api_url": api_url},
        },
    )
    if result.get("type") != "create_entry":
        raise HomeAssistantError(f"the config flow refused the keys: {result}")
    return result


def wait_until_answering(url: str, timeout: float) -> None:
    """Wait until Home Assistant's HTTP server answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            request_json("GET", url + "/api/onboarding")
        except OSError, HomeAssistantError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
        else:
            return


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Onboard a new Home Assistant and add the demo entry; print what to do."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo")
    parser.add_argument("--ha-url", required=True)
    parser.add_argument("--api-url", help="the sandbox's API URL")
    parser.add_argument("--token", help="the sandbox's demo application token")
    parser.add_argument("--user", help="the sandbox's demo user key")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    url = args.ha_url.rstrip("/")

    wait_until_answering(url, args.timeout)
    if is_onboarded(url):
        _say("  Log in with the user you created.")
        return 0
    token = onboard(url, name=DEMO_NAME, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    _say(f"  Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (created just now).")
    if args.api_url and args.token and args.user:
        add_entry(
            url, token, api_key=args.token, user_key=args.user, api_url=args.api_url
        )
        _say(
            f"  Pushover Plus is set up as '{ENTRY_NAME}', sending to the sandbox.\n"
            "  Try it: Developer tools > Actions > notify.pushover, message 'Hello';\n"
            "  it shows on the sandbox page. Another entry can be added by hand\n"
            "  with the keys above (open Advanced and paste the API URL)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
