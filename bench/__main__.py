"""``python -m bench``: the side-by-side benchmark of issue 8 (``scripts/bench``).

Starts the HTTPS sandbox and the latency proxy as separate processes, makes
the certificate bundle every client verifies against (certifi's, as in
production, plus the sandbox's CA), then runs Home Assistant and the scenarios
in this process.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import shutil
import sys
import tempfile
import threading

import certifi

from .params import Params
from .processes import ROOT, ProxyProcess, SandboxProcess


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Pushover Plus vs the built-in pushover integration vs a bare "
        "aiohttp loop, against the local Pushover sandbox.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few messages per scenario: checks that everything runs (figures "
        "are not meaningful)",
    )
    parser.add_argument(
        "--only",
        default="latency,cpu,burst,attachment,setup,outbox,soak",
        help="comma-separated scenarios to run (default: all)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when a goal is not met (a regression guard)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress lines (each scenario and repetition as it starts or "
        "ends, with the time left) on standard error",
    )
    parser.add_argument(
        "--json",
        default=str(ROOT / "artifacts" / "bench.json"),
        help="where to write the figures (default: artifacts/bench.json)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_args(argv)
    selected = tuple(name.strip() for name in args.only.split(",") if name.strip())
    params = Params()
    if args.quick:
        params = Params(
            repetitions=2,
            latency_messages=5,
            cpu_repetitions=1,
            cpu_warmup=5,
            cpu_messages=50,
            cpu_pair_turns=2,
            cpu_pair_messages=10,
            attachment_repetitions=1,
            outbox_many=200,
            outbox_messages=20,
            outbox_repetitions=1,
            soak_messages=400,
            soak_baseline=100,
            soak_outage_every=200,
            soak_outage_messages=20,
        )
    work_dir = Path(tempfile.mkdtemp(prefix="pushover-plus-bench-"))
    helpers: list[SandboxProcess | ProxyProcess] = []
    try:
        sandbox = SandboxProcess.start(work_dir / "certs")
        helpers.append(sandbox)
        proxy = ProxyProcess.start(sandbox.port, params.rtt / 2)
        helpers.append(proxy)
        bundle = work_dir / "ca-bundle.pem"
        bundle.write_text(
            Path(certifi.where()).read_text() + sandbox.ca_file.read_text()
        )
        # Home Assistant's TLS contexts and requests both read this; it must be
        # set before Home Assistant is imported.
        os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
        from . import run  # noqa: PLC0415 - only once the bundle is set

        if unknown := set(selected) - set(run.SCENARIOS):
            sys.stderr.write(f"unknown scenarios: {', '.join(sorted(unknown))}\n")
            return 2
        return run.run(
            params,
            selected=tuple(name for name in run.SCENARIOS if name in selected),
            sandbox=sandbox,
            proxy=proxy,
            bundle=bundle,
            work_dir=work_dir,
            json_path=Path(args.json),
            check=args.check,
            quiet=args.quiet,
        )
    finally:
        # Home Assistant guards this thread against blocking calls from now on
        # (it ran its event loop here): clean up from another thread.
        cleaner = threading.Thread(target=_clean_up, args=(helpers, work_dir))
        cleaner.start()
        cleaner.join()


def _clean_up(helpers: list[SandboxProcess | ProxyProcess], work_dir: Path) -> None:
    """Stop the helper processes (proxy first) and remove the temporary files."""
    for helper in reversed(helpers):
        helper.stop()
    shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
