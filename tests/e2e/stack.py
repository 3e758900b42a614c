"""The processes of an end-to-end test: the Pushover sandbox and Home Assistant.

Both run as subprocesses of the test, from this repository's environment, on
loopback ports, with their output in the test's artifact folder. Home Assistant
gets a throwaway configuration folder, finds the integration through PYTHONPATH
(as scripts/develop does) and is onboarded through its HTTP API. Neither process
is measured by coverage: the e2e suite does not count towards the integration's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from sandbox.demo import HomeAssistantError, access_token, onboard, request_json
from sandbox.hass_http import write_http_settings

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
POLL_INTERVAL = 0.2

OWNER_NAME = "Owner"
OWNER_USERNAME = "owner"
OWNER_PASSWORD = "e2e-owner-password"

# Only what the tests use, so that Home Assistant starts in a few seconds. Its
# own address is its external URL too: the browser is the phone, on loopback.
CONFIGURATION_YAML = """\
homeassistant:
  name: Pushover Plus e2e
  external_url: "{url}"
  unit_system: metric
  time_zone: UTC
  country: NL
  latitude: 52.37
  longitude: 4.89
  elevation: 0
frontend:
config:
api:
# The Activity page (and the recorder it reads).
logbook:
logger:
  default: warning
  logs:
    custom_components.pushover_plus: debug
"""

BANNER_API_URL = re.compile(r"API URL:\s+(\S+)")


class StackError(RuntimeError):
    """A process of the stack did not start or answer as expected."""


def free_port() -> int:
    """Return a loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def child_environment() -> dict[str, str]:
    """Return the subprocesses' environment: the repository importable, no coverage.

    coverage and pytest-cov measure subprocesses only through these variables;
    dropping them keeps the subprocess Home Assistant out of the coverage data.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COVERAGE_", "COV_CORE_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_for[T](
    what: str,
    probe: Callable[[], T | None],
    process: subprocess.Popen[bytes],
    log_file: Path,
) -> T:
    """Call probe until it returns something; fail if the process dies first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(
                f"{what}: the process exited with {process.returncode}; see {log_file}"
            )
        with contextlib.suppress(OSError, StackError, HomeAssistantError):
            if (found := probe()) is not None:
                return found
        time.sleep(POLL_INTERVAL)
    raise StackError(
        f"{what}: still not there after {START_TIMEOUT:.0f} s; see {log_file}"
    )


@contextlib.contextmanager
def running(args: list[str], log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run a subprocess with its output in log_file; stop it (and wait) at exit."""
    with log_file.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            args, cwd=ROOT, env=child_environment(), stdout=log, stderr=log
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Sandbox:
    """The sandbox as a subprocess: its URLs and what it received."""

    base_url: str

    @property
    def api_url(self) -> str:
        """Return the URL to enter as the integration's API URL."""
        return self.base_url + "1/"

    def messages(self) -> list[dict[str, Any]]:
        """Return the messages received so far, oldest first."""
        answer = request_json("GET", self.base_url + "_sandbox/messages")
        messages: list[dict[str, Any]] = answer["messages"]
        return messages


def _banner_api_url(log_file: Path) -> str | None:
    match = BANNER_API_URL.search(log_file.read_text(errors="replace"))
    return match.group(1) if match else None


@contextlib.contextmanager
def start_sandbox(folder: Path) -> Iterator[Sandbox]:
    """Run ``python -m sandbox`` on a free port with the demo seed."""
    log_file = folder / "sandbox.log"
    args = [sys.executable, "-m", "sandbox", "--host", LOOPBACK, "--port", "0"]
    with running(args, log_file) as process:
        api_url = wait_for(
            "the sandbox's banner",
            lambda: _banner_api_url(log_file),
            process,
            log_file,
        )
        yield Sandbox(base_url=api_url.removesuffix("1/"))


@dataclass
class HomeAssistant:
    """A Home Assistant subprocess and its owner's access token."""

    url: str
    process: subprocess.Popen[bytes]
    log_file: Path
    token: str = ""

    @property
    def client_id(self) -> str:
        """Return the client ID the frontend uses (the instance's own URL)."""
        return self.url + "/"

    def api(
        self, method: str, path: str, json_body: Mapping[str, Any] | None = None
    ) -> Any:
        """Call the REST API as the owner."""
        return request_json(
            method, self.url + path, token=self.token, json_body=json_body
        )

    def logged_errors(self, logger: str) -> list[str]:
        """Return the ERROR lines that a logger (or its children) wrote so far."""
        return [
            line
            for line in self.log_file.read_text(errors="replace").splitlines()
            if " ERROR " in line and f"[{logger}" in line
        ]

    def log_in(self, username: str, password: str) -> None:
        """Log in through Home Assistant's login flow, as the login page does."""
        flow = request_json(
            "POST",
            self.url + "/auth/login_flow",
            json_body={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = request_json(
            "POST",
            f"{self.url}/auth/login_flow/{flow['flow_id']}",
            json_body={
                "client_id": self.client_id,
                "username": username,
                "password": password,
            },
        )
        self.token = access_token(self.url, result["result"])

    def onboard(self) -> None:
        """Create the owner and finish every onboarding step, as the wizard does."""
        self.token = onboard(
            self.url, name=OWNER_NAME, username=OWNER_USERNAME, password=OWNER_PASSWORD
        )

    def wait_until_running(self) -> None:
        """Wait until Home Assistant has finished starting."""
        wait_for(
            "Home Assistant running",
            lambda: (
                True if self.api("GET", "/api/config")["state"] == "RUNNING" else None
            ),
            self.process,
            self.log_file,
        )


def write_configuration(config_dir: Path, port: int, extra_yaml: str = "") -> None:
    """Write configuration.yaml and the HTTP settings for a fresh instance.

    ``extra_yaml`` is added to configuration.yaml (helpers, automations...).
    Home Assistant keeps its HTTP settings in storage and asks in the UI to
    confirm any that come from YAML, so the port is stored as already confirmed.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    configuration = CONFIGURATION_YAML.format(url=f"http://{LOOPBACK}:{port}")
    (config_dir / "configuration.yaml").write_text(configuration + extra_yaml)
    write_http_settings(config_dir, LOOPBACK, port, replace=True)


@contextlib.contextmanager
def start_home_assistant(
    folder: Path, config_dir: Path, *, onboarded: bool = True, extra_yaml: str = ""
) -> Iterator[HomeAssistant]:
    """Run ``hass`` on a free port with a fresh configuration, then onboard it.

    With ``onboarded=False`` it is left as a new installation, waiting for its
    owner; ``extra_yaml`` goes into its configuration.yaml. ``--skip-pip``: the
    test never installs anything into the environment.
    """
    port = free_port()
    write_configuration(config_dir, port, extra_yaml)
    args = [
        sys.executable,
        "-m",
        "homeassistant",
        "--config",
        str(config_dir),
        "--skip-pip",
    ]
    log_file = folder / "home-assistant.log"
    with running(args, log_file) as process:
        home_assistant = HomeAssistant(
            url=f"http://{LOOPBACK}:{port}", process=process, log_file=log_file
        )
        wait_for(
            "Home Assistant's HTTP server",
            lambda: request_json("GET", home_assistant.url + "/api/onboarding"),
            process,
            log_file,
        )
        if onboarded:
            home_assistant.onboard()
            home_assistant.wait_until_running()
        yield home_assistant


# scripts/develop ------------------------------------------------------------

DEVELOP = ROOT / "scripts" / "develop"
DEVELOP_TIMEOUT = 240.0
BANNER_START = "==== Pushover Plus demo ===="
BANNER_END = "Ctrl-C stops everything."


def is_running(pid: int, session: int) -> bool:
    """Return whether the process with this PID in this session is alive.

    A PID used again meanwhile belongs to another session.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state, _, _, sid = stat.rpartition(")")[2].split()[:4]
    return state != "Z" and int(sid) == session


def session_processes(session: int) -> dict[int, str]:
    """Return the live processes of a session: PID to command line, from /proc.

    A process that lost its parent (adopted by init) stays in its session, so
    this finds what a script left behind as well as what it still waits for.
    """
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not is_running(int(entry.name), session):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode().strip()
    return found


@dataclass
class Develop:
    """One run of scripts/develop, in a session of its own as a terminal gives it."""

    process: subprocess.Popen[bytes]
    log_file: Path

    def banner(self) -> str | None:
        """Return the demo's banner once it is printed in full."""
        text = self.log_file.read_text(errors="replace")
        start = text.find(BANNER_START)
        end = text.find(BANNER_END, start)
        if start < 0 or end < 0:
            return None
        return text[start : end + len(BANNER_END)]

    def wait_for_banner(self) -> str:
        """Wait until the banner is printed; fail if scripts/develop exits first."""
        deadline = time.monotonic() + DEVELOP_TIMEOUT
        while (banner := self.banner()) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"no banner from scripts/develop; see {self.log_file}")
            time.sleep(POLL_INTERVAL)
        return banner

    def processes(self) -> dict[int, str]:
        """Return every live process of the run (its session), by PID."""
        return session_processes(self.process.pid)

    def wait_for_process(self, command: str) -> int:
        """Wait until a process of the run has ``command`` in its command line."""
        deadline = time.monotonic() + DEVELOP_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            for pid, line in self.processes().items():
                if command in f" {line} ":
                    return pid
            time.sleep(POLL_INTERVAL)
        raise StackError(f"no {command.strip()!r} from scripts/develop")

    def interrupt(self) -> int:
        """Press Ctrl-C: SIGINT to the foreground process group; return the status."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(DEVELOP_TIMEOUT)


@contextlib.contextmanager
def start_develop(
    log_file: Path, config_dir: Path, port: int, sandbox_port: int
) -> Iterator[Develop]:
    """Run scripts/develop with its own configuration folder and ports.

    Whatever the test does, the run is interrupted (Ctrl-C) at the end.
    """
    env = child_environment() | {
        "PUSHOVER_PLUS_CONFIG": str(config_dir),
        "PUSHOVER_PLUS_PORT": str(port),
        "PUSHOVER_PLUS_SANDBOX_PORT": str(sandbox_port),
    }
    with log_file.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the project's own script
            # As a terminal runs it: SIGINT not ignored, whatever started pytest.
            ["env", "--default-signal=INT", "bash", str(DEVELOP)],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    develop = Develop(process, log_file)
    try:
        yield develop
    finally:
        if process.poll() is None:
            try:
                develop.interrupt()
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
