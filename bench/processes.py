"""The benchmark's helper processes: the HTTPS sandbox and the latency proxy.

Both run outside the Home Assistant process, so that their CPU time and their
event loops stay out of what is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import subprocess
import sys
import threading
from typing import IO, Final

from yarl import URL

ROOT: Final = Path(__file__).resolve().parent.parent
START_TIMEOUT: Final = 60.0


class ProcessError(RuntimeError):
    """A helper process did not start or answer as expected."""


def _read_line(process: subprocess.Popen[str], what: str) -> str:
    """Return the next line the process prints, or raise if it ended."""
    stdout = process.stdout
    if stdout is None:
        raise ProcessError(f"{what}: no output pipe")
    line = stdout.readline()
    if not line:
        code = process.wait(5)
        raise ProcessError(f"{what} ended (exit status {code}) before it was ready")
    return line.rstrip("\n")


def _read_with_timeout(process: subprocess.Popen[str], what: str) -> str:
    """Like :func:`_read_line`, but give up after :data:`START_TIMEOUT`."""
    result: list[str] = []
    failure: list[BaseException] = []

    def read() -> None:
        try:
            result.append(_read_line(process, what))
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            failure.append(err)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if failure:
        raise failure[0]
    if not result:
        process.kill()
        raise ProcessError(f"{what} printed nothing for {START_TIMEOUT:g} s")
    return result[0]


def _stop(process: subprocess.Popen[str]) -> None:
    """End a process this module started, politely first."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@dataclass
class SandboxProcess:
    """``python -m sandbox --https`` on a free port, and what its banner said."""

    process: subprocess.Popen[str]
    api_url: str
    ca_file: Path

    @property
    def base_url(self) -> str:
        """Return the server's root URL (for the ``/_sandbox/`` controls)."""
        return str(URL(self.api_url).with_path("/"))

    @property
    def port(self) -> int:
        """Return the port the sandbox listens on."""
        port = URL(self.api_url).port
        if port is None:
            raise ProcessError("the sandbox API URL has no port")
        return port

    @classmethod
    def start(cls, cert_dir: Path) -> SandboxProcess:
        """Start the sandbox and wait for its banner."""
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "sandbox",
                "--port",
                "0",
                "--https",
                "--cert-dir",
                str(cert_dir),
                "--quiet",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        api_url = ca_file = None
        try:
            while api_url is None or ca_file is None:
                line = _read_with_timeout(process, "the sandbox")
                label, _, value = line.strip().partition(":")
                if label == "API URL":
                    api_url = value.strip()
                elif label == "CA file":
                    ca_file = Path(value.strip())
        except BaseException:
            _stop(process)
            raise
        return cls(process, api_url, ca_file)

    def stop(self) -> None:
        """Stop the sandbox."""
        _stop(self.process)


@dataclass
class ProxyProcess:
    """``python -m bench.proxy`` in front of a target, driven through its stdin."""

    process: subprocess.Popen[str]
    port: int
    delay: float
    _lock: threading.Lock

    @classmethod
    def start(cls, target_port: int, delay: float) -> ProxyProcess:
        """Start a proxy to 127.0.0.1:``target_port`` adding ``delay`` each way."""
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "bench.proxy",
                "--target",
                f"127.0.0.1:{target_port}",
                "--delay",
                str(delay),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = _read_with_timeout(process, "the latency proxy")
        except BaseException:
            _stop(process)
            raise
        word, _, port = line.partition(" ")
        if word != "LISTENING":
            _stop(process)
            raise ProcessError(f"the latency proxy said {line!r}")
        return cls(process, int(port), delay, threading.Lock())

    def command(self, command: str) -> list[str]:
        """Send one command and return the words of the answer (blocking)."""
        stdin: IO[str] | None = self.process.stdin
        if stdin is None:
            raise ProcessError("the latency proxy has no input pipe")
        with self._lock:
            stdin.write(command + "\n")
            stdin.flush()
            return _read_line(self.process, "the latency proxy").split()

    def stop(self) -> None:
        """Stop the proxy (closing its input ends it)."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            _stop(self.process)
