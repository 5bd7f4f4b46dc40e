"""A real `schedops run` with its sandbox, driven by Playwright through Debian's Chromium.

Playwright comes from PyPI; its own browser download is never used: `make test` installs Debian's `chromium`
when it is missing and it can. Used by the browser tests and by scripts/screenshots.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADDRESS = re.compile(r"sandbox: a local Slack workspace at (http://127\.0\.0\.1:\d+/sandbox)")


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (it is in the dev dependency group: make test installs it)"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; make test does it when it can)"
    return None


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


class SandboxProcess:
    """`python -m schedops run` in `workdir` without Slack tokens, so it starts the sandbox on a free port."""

    def __init__(self, workdir: Path, jobs: str, **environ: str) -> None:
        self.workdir = workdir
        (workdir / "jobs.yml").write_text(jobs)
        self.log_path = workdir / "schedops.log"
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDOPS_", "SLACK_", "DATABASE_URL"))}
        self.env = {
            **keep,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/schedops.db",
            "PORT": "0",
            "SCHEDOPS_SANDBOX_PORT": "0",
            **environ,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.address = ""

    def start(self, timeout: float = 30) -> str:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "schedops", "run"], cwd=self.workdir, env=self.env, stderr=log, stdout=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = ADDRESS.search(self.log())
            if found and "connected to Slack" in self.log():
                self.address = found.group(1)
                return self.address
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"schedops did not start its sandbox:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
