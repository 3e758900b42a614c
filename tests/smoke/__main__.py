"""The smoke run: set up, send every way, change everything, reload, send again.

It starts the sandbox and ``hass`` of the running interpreter's environment
with a fresh configuration (the processes of ``tests/e2e/stack.py``), onboards
it, and then does what a user does through the same APIs the frontend calls:

1. adds the entry through the config flow and sends through
   ``notify.send_message``, ``notify.<name>`` and ``pushover_plus.send_message``
   (with its response);
2. adds a second recipient through the subentry flow, changes an option,
   reconfigures the entry (same token, then another token of the account) and
   the recipient, reloads the entry;
3. sends again, to both recipients.

Each message must reach the sandbox. Then Home Assistant's log is read: any
WARNING or ERROR of ``custom_components.pushover_plus``, any ERROR that names
``pushover_plus``, and any line about a custom integration doing something
deprecated fail the run; the lines are printed. Exit status 0 when all is well.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
import re
import shutil
import sys
import tempfile
import time
from typing import Any

import aiohttp
from homeassistant.const import __version__ as ha_version

from sandbox.demo import add_entry
from sandbox.seed import DEMO_TOKEN, DEMO_USER, OTHER_TOKEN, OTHER_USER
from tests.e2e.stack import (
    ROOT,
    HomeAssistant,
    Sandbox,
    start_home_assistant,
    start_sandbox,
)

DOMAIN = "pushover_plus"
LEGACY_SERVICE = "pushover"  # notify.<slug of the entry's name>
SECOND_NAME = "Smoke second"
ENTRIES = "/api/config/config_entries"
LOG_LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) \([^)]*\) \[(?P<logger>[^\]]+)\]")
DEPRECATION_WORDS = ("deprecated", "will stop working", "should use")


class SmokeError(AssertionError):
    """Home Assistant or the sandbox did not do what the smoke expects."""


def check(condition: bool, what: str) -> None:
    """Fail the smoke with ``what`` unless ``condition`` holds."""
    if not condition:
        raise SmokeError(what)


def say(text: str) -> None:
    """Print one line of progress at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def form_values(schema: list[dict[str, Any]]) -> dict[str, Any]:
    """Return what the frontend submits for a form left as it is shown."""
    values: dict[str, Any] = {}
    for item in schema:
        if item.get("type") == "expandable":
            values[item["name"]] = form_values(item["schema"])
            continue
        suggested = (item.get("description") or {}).get("suggested_value")
        if suggested is not None:
            values[item["name"]] = suggested
        elif "default" in item:
            values[item["name"]] = item["default"]
    return values


def websocket_call(hass: HomeAssistant, command: Mapping[str, Any]) -> Any:
    """Send one command over the websocket API (what REST lacks); return its result."""

    async def call() -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(hass.url + "/api/websocket") as socket,
        ):
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": hass.token})
            auth = await socket.receive_json()
            check(auth["type"] == "auth_ok", f"websocket: {auth}")
            await socket.send_json({"id": 1, **command})
            answer = await socket.receive_json()
            check(answer.get("success", False), f"websocket {command}: {answer}")
            return answer["result"]

    return asyncio.run(call())


def recipient_entity(new: set[str]) -> str:
    """Return a new recipient's own notify entity (the others are its devices)."""
    check(bool(new), "no new notify entity")
    own = min(new, key=len)
    check(
        all(entity.startswith(own + "_") for entity in new - {own}),
        f"which is the recipient's entity: {sorted(new)}?",
    )
    return own


def changed(values: dict[str, Any], prefix: str, value: Any) -> dict[str, Any]:
    """Return form values with the field named ``prefix...`` (in any section) set."""
    result = _with_field(values, prefix, value)
    check(result is not None, f"no field {prefix}... in {values}")
    assert result is not None
    return result


def _with_field(
    values: dict[str, Any], prefix: str, value: Any
) -> dict[str, Any] | None:
    """Return ``values`` with the first field named ``prefix...`` set, or None."""
    for name, current in values.items():
        if isinstance(current, dict):
            if (inner := _with_field(current, prefix, value)) is not None:
                return {**values, name: inner}
        elif name.startswith(prefix):
            return {**values, name: value}
    return None


@dataclass
class Smoke:
    """One run against a started Home Assistant and sandbox."""

    hass: HomeAssistant
    sandbox: Sandbox
    entry_id: str = ""
    legacy_entity: str = ""
    second_entity: str = ""
    second_subentry: str = ""
    token: str = DEMO_TOKEN
    expected: list[tuple[str, str, str]] = field(default_factory=list)

    def flow(
        self,
        path: str,
        start: Mapping[str, Any],
        answers: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]],
    ) -> dict[str, Any]:
        """Run a flow at ``path``; answer each form by its step ID."""
        result: dict[str, Any] = self.hass.api("POST", path, dict(start))
        while result["type"] == "form":
            step = result["step_id"]
            check(not result.get("errors"), f"{path} {step}: {result['errors']}")
            check(step in answers, f"{path}: unexpected step {step}: {result}")
            values = answers[step](form_values(result["data_schema"]))
            result = self.hass.api("POST", f"{path}/{result['flow_id']}", values)
        return result

    def notify_entities(self) -> set[str]:
        """Return the notify entities there are."""
        states = self.hass.api("GET", "/api/states")
        return {
            state["entity_id"]
            for state in states
            if state["entity_id"].startswith("notify.")
        }

    def entry_state(self) -> str:
        """Return the state of the entry (loaded, setup_retry, ...)."""
        entries = self.hass.api("GET", f"{ENTRIES}/entry?domain={DOMAIN}")
        [entry] = [entry for entry in entries if entry["entry_id"] == self.entry_id]
        state: str = entry["state"]
        return state

    def send(self, how: str, path: str, body: dict[str, Any], user: str) -> Any:
        """Call an action; remember the message the sandbox must receive."""
        self.expected.append((self.token, user, body["message"]))
        answer = self.hass.api("POST", path, body)
        self.check_arrived(how)
        return answer

    def check_arrived(self, how: str) -> None:
        """Every message sent so far is at the sandbox, in order."""
        received = [
            (message["token"], message["user"], message["fields"]["message"])
            for message in self.sandbox.messages()
        ]
        check(
            received == self.expected,
            f"{how}: the sandbox has {received}, expected {self.expected}",
        )
        say(f"  sent: {how}")

    def send_every_way(self, round_name: str) -> None:
        """Send on the three ways in (both recipients once there are two)."""
        targets = [(self.legacy_entity, DEMO_USER)]
        if self.second_entity:
            targets.append((self.second_entity, OTHER_USER))
        for entity, user in targets:
            self.send(
                f"notify.send_message to {entity}",
                "/api/services/notify/send_message",
                {"entity_id": entity, "message": f"{round_name} entity {entity}"},
                user,
            )
            answer = self.send(
                f"pushover_plus.send_message to {entity}",
                f"/api/services/{DOMAIN}/send_message?return_response",
                {"entity_id": entity, "message": f"{round_name} action {entity}"},
                user,
            )
            response = answer["service_response"]
            check(entity in response, f"no response for {entity}: {answer}")
            say(f"    response: {response[entity]}")
        self.send(
            f"notify.{LEGACY_SERVICE}",
            f"/api/services/notify/{LEGACY_SERVICE}",
            {"message": f"{round_name} legacy"},
            DEMO_USER,
        )

    def set_up(self) -> None:
        """Add the entry through the config flow, as a user does."""
        before = self.notify_entities()
        result = add_entry(
            self.hass.url,
            self.hass.token,
            api_key=self.token,
            user_key=DEMO_USER,
            api_url=self.sandbox.api_url,
        )
        self.entry_id = result["result"]["entry_id"]
        check(self.entry_state() == "loaded", f"entry is {self.entry_state()}")
        self.legacy_entity = recipient_entity(self.notify_entities() - before)
        say(f"  entry added and loaded; its recipient is {self.legacy_entity}")

    def add_recipient(self) -> None:
        """Add a second recipient through the subentry flow."""
        before = self.notify_entities()
        result = self.flow(
            f"{ENTRIES}/subentries/flow",
            {"handler": [self.entry_id, "recipient"]},
            {"user": lambda _: {"name": SECOND_NAME, "user_key": OTHER_USER}},
        )
        check(result["type"] == "create_entry", f"recipient flow: {result}")
        self.reload()
        self.second_entity = recipient_entity(self.notify_entities() - before)
        subentries = websocket_call(
            self.hass,
            {"type": "config_entries/subentries/list", "entry_id": self.entry_id},
        )
        [self.second_subentry] = [
            sub["subentry_id"] for sub in subentries if sub["title"] == SECOND_NAME
        ]
        say(f"  recipient added: {self.second_entity}")

    def change_everything(self) -> None:
        """Options, reconfigure with the same token, reconfigure a recipient."""
        result = self.flow(
            f"{ENTRIES}/options/flow",
            {"handler": self.entry_id},
            {"init": lambda values: changed(values, "quota_warning", 123)},
        )
        check(result["type"] == "create_entry", f"options flow: {result}")
        say("  options changed")
        self.reconfigure(DEMO_TOKEN)
        say("  entry reconfigured with the same token")
        self.reconfigure(OTHER_TOKEN)
        say("  entry reconfigured with another token of the account")
        result = self.flow(
            f"{ENTRIES}/subentries/flow",
            {
                "handler": [self.entry_id, "recipient"],
                "subentry_id": self.second_subentry,
            },
            {"reconfigure": lambda values: {**values, "name": SECOND_NAME}},
        )
        check(
            result.get("reason") == "reconfigure_successful",
            f"recipient reconfigure: {result}",
        )
        say("  recipient reconfigured")

    def reconfigure(self, token: str) -> None:
        """Reconfigure the entry with a token; later messages must carry it."""
        result = self.flow(
            f"{ENTRIES}/flow",
            {"handler": DOMAIN, "entry_id": self.entry_id},
            {"reconfigure": lambda _: {"api_key": token}},
        )
        check(
            result.get("reason") == "reconfigure_successful", f"reconfigure: {result}"
        )
        self.token = token

    def reload(self) -> None:
        """Reload the entry the way the integrations page does."""
        answer = self.hass.api("POST", f"{ENTRIES}/entry/{self.entry_id}/reload")
        check(not answer.get("require_restart"), f"reload: {answer}")
        check(self.entry_state() == "loaded", f"entry is {self.entry_state()}")

    def run(self) -> None:
        """Every step, in the order a user would take them."""
        self.set_up()
        self.send_every_way("first")
        self.add_recipient()
        self.change_everything()
        self.reload()
        say("  entry reloaded")
        self.send_every_way("after reload")


def complaints(log_file: Path) -> list[str]:
    """Return the log lines that fail the smoke."""
    found = []
    for line in log_file.read_text(errors="replace").splitlines():
        lowered = line.lower()
        if "custom integration" in lowered and any(
            word in lowered for word in DEPRECATION_WORDS
        ):
            found.append(line)
            continue
        match = LOG_LINE.match(line)
        if match is None:
            continue
        level, logger = match["level"], match["logger"]
        ours = logger == f"custom_components.{DOMAIN}" or logger.startswith(
            f"custom_components.{DOMAIN}."
        )
        if (ours and level in {"WARNING", "ERROR", "CRITICAL"}) or (
            level in {"ERROR", "CRITICAL"} and DOMAIN in line
        ):
            found.append(line)
    return found


def main() -> int:
    """Run the smoke once; print what happened; return the exit status."""
    started = time.monotonic()
    artifacts = ROOT / "artifacts" / "smoke" / ha_version
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    say(f"smoke: Home Assistant {ha_version} ({sys.executable}); logs in {artifacts}")
    log_file = artifacts / "home-assistant.log"
    with (
        tempfile.TemporaryDirectory(prefix="pushover-plus-smoke-") as config,
        start_sandbox(artifacts) as sandbox,
        start_home_assistant(artifacts, Path(config) / "config") as hass,
    ):
        say(f"  Home Assistant running at {hass.url}")
        try:
            Smoke(hass, sandbox).run()
        except SmokeError as err:
            say(f"smoke FAILED on Home Assistant {ha_version}: {err}")
            return 1
    found = complaints(log_file)
    if found:
        say(f"smoke FAILED on Home Assistant {ha_version}: {len(found)} log lines:")
        for line in found:
            say(f"  {line}")
        return 1
    elapsed = time.monotonic() - started
    say(f"smoke passed on Home Assistant {ha_version} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
