"""Make a new Home Assistant ready for the Pushover Plus demo, then welcome.

``scripts/develop`` runs ``python -m sandbox.demo`` beside Home Assistant. Once
Home Assistant answers, a new configuration gets its owner through Home
Assistant's onboarding API, a Pushover Plus entry pointing at the sandbox and
a camera showing a picture this project ships (the local_file integration),
both through the config flow API: the same flows a user runs on the
integrations page. The picture is also uploaded to My media (as its Upload
button does), so that the attachment picker has something to pick. A
configuration that was onboarded before is left as it is. Then it prints the
addresses, the sandbox's keys, how to log in and what to try.

The end-to-end tests onboard their Home Assistant with the same functions.
Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from http import HTTPStatus
import json
import mimetypes
from pathlib import Path
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request
import uuid

DEMO_NAME = "Demo"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - a local demo instance's login, printed
ENTRY_NAME = "Pushover"
#: The entry's first recipient is the demo user, so its notify entity is this.
RECIPIENT_ENTITY = "notify.demo"
CAMERA_NAME = "Demo camera"
#: The picture the demo camera shows and My media holds (drawn for this project).
CAMERA_IMAGE = Path(__file__).resolve().parent / "media" / "front-door.jpg"
REQUEST_TIMEOUT = 30.0
LOOPBACK_PREFIXES = ("http://127.0.0.1:", "http://localhost:")
#: The root of My media, as a media source ID.
MY_MEDIA = "media-source://media_source/local/."
#: Where Home Assistant 2026.10 and 2026.11 keep the actions tool.
ACTIONS_TOOL = "Settings > Tools > Actions"


class HomeAssistantError(RuntimeError):
    """Home Assistant answered something else than expected."""

    def __init__(self, message: str, status: int | None = None) -> None:
        """Keep the HTTP status of the answer, if there was one."""
        super().__init__(message)
        self.status = status


def request_json(
    method: str,
    url: str,
    *,
    token: str | None = None,
    json_body: Mapping[str, Any] | None = None,
    form: Mapping[str, str] | None = None,
    body: tuple[str, bytes] | None = None,
) -> Any:
    """Send one HTTP request to a loopback address; return its JSON answer.

    Its body is JSON, a form, or ``body``: a content type and the bytes.
    """
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
    elif body is not None:
        headers["Content-Type"], data = body
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - loopback http only, checked above
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            answer = response.read()
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        raise HomeAssistantError(
            f"{method} {url} answered {err.code}: {text}", err.code
        ) from err
    return json.loads(answer) if answer else None


def onboarding_steps(url: str) -> list[dict[str, Any]] | None:
    """Return Home Assistant's onboarding steps, or None once all are done.

    Home Assistant serves ``/api/onboarding`` only while onboarding is under way:
    once every step is done, it answers 404 from its next start on.
    """
    try:
        steps: list[dict[str, Any]] = request_json("GET", url + "/api/onboarding")
    except HomeAssistantError as err:
        if err.status == HTTPStatus.NOT_FOUND:
            return None
        raise
    return steps


def has_owner(steps: list[dict[str, Any]] | None) -> bool:
    """Return whether onboarding (steps as onboarding_steps gives them) made one."""
    return steps is None or any(
        step["step"] == "user" and step["done"] for step in steps
    )


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
    steps = onboarding_steps(url)
    if steps is not None and not all(step["done"] for step in steps):
        raise HomeAssistantError(f"onboarding is not finished: {steps}")
    return token


def create_entry(
    url: str, token: str, handler: str, user_input: Mapping[str, Any]
) -> dict[str, Any]:
    """Run an integration's config flow with one form filled in; return its result."""
    flows = url + "/api/config/config_entries/flow"
    form = request_json("POST", flows, token=token, json_body={"handler": handler})
    if form.get("step_id") != "user":
        raise HomeAssistantError(f"the {handler} config flow did not ask: {form}")
    result: dict[str, Any] = request_json(
        "POST", f"{flows}/{form['flow_id']}", token=token, json_body=user_input
    )
    if result.get("type") != "create_entry":
        raise HomeAssistantError(f"the {handler} config flow refused: {result}")
    return result


def add_entry(
    url: str,
    token: str,
    *,
    api_key: str,
    user_key: str,
    api_url: str,
    person: str = DEMO_NAME,
) -> dict[str, Any]:
    """Add a Pushover Plus entry through the config flow; return the result.

    ``person`` is who the user key belongs to: the entry's first recipient.
    """
    return create_entry(
        url,
        token,
        "pushover_plus",
        {
            "name": ENTRY_NAME,
            "api_key": api_key,
            "recipient_name": person,
            "user_key": user_key,
            "advanced": {"api_url": api_url},
        },
    )


def add_camera(url: str, token: str, image: Path = CAMERA_IMAGE) -> dict[str, Any]:
    """Add a camera that shows ``image`` (local_file's config flow); return it."""
    return create_entry(
        url, token, "local_file", {"name": CAMERA_NAME, "file_path": str(image)}
    )


def add_to_my_media(url: str, token: str, image: Path = CAMERA_IMAGE) -> str:
    """Upload ``image`` to My media, as its Upload button does; return its ID.

    Home Assistant keeps My media where it decides (``<config>/media``, or
    ``/media`` in a container), so the file goes through its own API.
    """
    boundary = uuid.uuid4().hex
    content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="media_content_id"\r\n\r\n'
        f"{MY_MEDIA}\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{image.name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    data = head.encode() + image.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    answer = request_json(
        "POST",
        url + "/api/media_source/local_source/upload",
        token=token,
        body=(f"multipart/form-data; boundary={boundary}", data),
    )
    media_id: str = answer["media_content_id"]
    return media_id


def wait_until_answering(url: str, timeout: float) -> list[dict[str, Any]] | None:
    """Wait until Home Assistant's HTTP server answers; return onboarding_steps."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return onboarding_steps(url)
        except OSError, HomeAssistantError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line that scripts/develop passes."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo")
    parser.add_argument("--ha-url", required=True)
    parser.add_argument("--timeout", type=float, default=900.0)
    keys = parser.add_argument_group("the sandbox (none: the real Pushover API)")
    keys.add_argument("--api-url", help="the sandbox's API URL")
    keys.add_argument("--page-url", help="the sandbox's page of received messages")
    keys.add_argument("--token", help="the sandbox's demo application token")
    keys.add_argument("--user", help="the sandbox's demo user key")
    keys.add_argument("--e2ee-key", help="the demo user's end-to-end encryption key")
    keys.add_argument("--other-user", help="a second user key, for Add recipient")
    return parser.parse_args(argv)


def set_up(
    url: str, args: argparse.Namespace, steps: list[dict[str, Any]] | None
) -> list[str]:
    """Make a new Home Assistant ready for the demo; return what to tell."""
    if has_owner(steps):
        return ["Log in with the user you created (demo / demo if the demo made it)."]
    token = onboard(url, name=DEMO_NAME, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    said = [f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (created just now)."]
    if args.api_url and args.token and args.user:
        add_entry(
            url, token, api_key=args.token, user_key=args.user, api_url=args.api_url
        )
        said.append(
            f"Pushover Plus is set up as '{ENTRY_NAME}', sending to the sandbox."
        )
    add_camera(url, token)
    add_to_my_media(url, token)
    said.append(f"'{CAMERA_NAME}' and My media hold a picture to attach.")
    return said


def try_it(sandbox: bool) -> list[str]:
    """Return what to try first."""
    if not sandbox:
        return [
            "Try it: Settings > Devices & services > Add integration > Pushover Plus",
            f"  with your own token and user key, then send from {ACTIONS_TOOL}.",
        ]
    return [
        f"Try it: {ACTIONS_TOOL}: notify.send_message on {RECIPIENT_ENTITY},",
        "  message 'Hello'; it shows on the sandbox page. To attach a picture, take",
        "  'Send a Pushover message' (pushover_plus.send_message), open Attachment,",
        f"  Image > Pick media > Camera > {CAMERA_NAME} (or My media).",
        "  The second user key is for the entry's 'Add recipient'; another entry",
        "  takes the keys above (open Advanced and paste the API URL).",
    ]


def welcome(url: str, args: argparse.Namespace, said: Sequence[str]) -> str:
    """Return the demo's banner: addresses, keys, login and what to try."""
    rows = [("Home Assistant", url)]
    if args.api_url:
        rows += [
            ("Sandbox page", f"{args.page_url}  (messages arrive here)"),
            ("API token", args.token),
            ("User key", f"{args.user}  (the demo user)"),
            ("E2EE key", f"{args.e2ee_key}  (the demo user's)"),
            ("Second user key", f"{args.other_user}  (to try 'Add recipient')"),
            ("API URL", args.api_url),
        ]
    else:
        rows.append(("Pushover", "the real API, with your own token and user key"))
    lines = ["", "==== Pushover Plus demo ===="]
    lines += [f"  {label + ':':<17}{value}" for label, value in rows]
    lines += [f"  {line}" for line in [*said, *try_it(bool(args.api_url))]]
    return "\n".join([*lines, "Ctrl-C stops everything.", ""])


def main(argv: Sequence[str] | None = None) -> int:
    """Wait for Home Assistant, make a new one ready, then print the banner."""
    args = parse_args(argv)
    url = args.ha_url.rstrip("/")
    try:
        said = set_up(url, args, wait_until_answering(url, args.timeout))
    except (OSError, HomeAssistantError) as err:
        _say(welcome(url, args, [f"The demo could not be set up: {err}"]))
        return 1
    _say(welcome(url, args, said))
    return 0


if __name__ == "__main__":
    sys.exit(main())
