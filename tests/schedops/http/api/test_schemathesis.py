"""Schemathesis against the live server (a real `schedops run` subprocess) with an admin token: no 5xx, and
every response conforms to the OpenAPI document (status codes, content types, bodies)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "schedops run exited"
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.mark.timeout(300)
def test_the_live_api_conforms_to_its_document(tmp_path: Path) -> None:
    port = _free_port()
    jobs = tmp_path / "jobs.yml"
    jobs.write_text(
        "jobs:\n"
        f"  - {{id: ping, kind: http, url: 'http://127.0.0.1:{port}/healthz', schedule: {{interval: 1h}}}}\n"
        "  - {id: boom, kind: python, target: 'tests.support.tasks:boom', schedule: {interval: 1h}}\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/schedops.db",
        "SCHEDOPS_JOBS_FILE": str(jobs),
        "SCHEDOPS_ADMINS": "U0ALICE",
        "SCHEDOPS_APPROVERS": "U0BOB,U0CAROL",
        "PORT": str(port),
        # Every write fuzzed for real: within the default limit (a burst of 30), most writes were answered 429.
        "SCHEDOPS_API_WRITE_BURST": "100000",
        "SCHEDOPS_API_WRITES_PER_MINUTE": "1000000",
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    create = [sys.executable, "-m", "schedops", "tokens", "create", "st", "--role", "admin", "--acting-as", "U0BOB"]
    token = subprocess.run(create, env=env, check=True, capture_output=True, text=True).stdout.splitlines()[0]
    server = subprocess.Popen([sys.executable, "-m", "schedops", "run"], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/healthz", server)
        schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
        assert schemathesis is not None
        result = subprocess.run(
            [
                schemathesis,
                "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                "8",
                "--seed",
                "1",
                "--workers",
                "1",
            ],
            env=env,
            cwd=tmp_path,  # its cache of found failures stays out of the source tree
            capture_output=True,
            text=True,
            timeout=280,
        )
        assert result.returncode == 0, result.stdout[-6000:]
        assert token not in result.stdout  # the token is filtered from its reports
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)
