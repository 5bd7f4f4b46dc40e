"""The schedops command line against a real SQLite file: ``run`` and what only a process shows (exit status,
imports, signals) as real processes, every other command through the same ``main()`` in this process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.cli_in_process import run_in_process

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

JOBS = """\
jobs:
  - id: hello
    kind: shell
    command: ["echo", "hello"]
    schedule: {interval: 1h}
  - id: nightly
    kind: shell
    command: "true"
    schedule: {cron: "0 2 * * *", timezone: Europe/Berlin}
"""


def schedops(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``schedops *args``: ``run`` as a real process (it starts a service and handles signals); every other
    command through the same ``main()`` inside this process (tests/support/cli_in_process.py says why)."""
    if args[:1] != ("run",):
        return run_in_process(list(args), cwd=workdir, env=_env(workdir, env))
    return schedops_process(workdir, *args, env=env)


def schedops_process(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bot *args`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=_env(workdir, env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _env(workdir: Path, extra: dict[str, str] | None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDOPS_", "SLACK_", "DATABASE_URL"))}
    return {
        **base,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/s.db",
        "PORT": "0",
        "SCHEDOPS_SANDBOX": "off",  # the sandbox's own tests turn it on, on a free port
        **(extra or {}),
    }


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "jobs.yml").write_text(JOBS)
    return tmp_path


def test_check_accepts_a_good_jobs_file(workdir: Path) -> None:
    result = schedops(workdir, "check")
    assert result.returncode == 0, result.stderr
    assert "2 job(s) valid" in result.stdout


def test_check_refuses_a_broken_jobs_file_with_precise_lines(workdir: Path) -> None:
    (workdir / "jobs.yml").write_text(JOBS.replace('"0 2 * * *"', '"0 25 * * *"'))
    result = schedops(workdir, "check")
    assert result.returncode == 2
    assert "job 'nightly'" in result.stderr and "schedule.cron" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_stops_start_up_with_one_line(workdir: Path) -> None:
    result = schedops(workdir, "run", env={"SCHEDOPS_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "schedops: configuration: SCHEDOPS_TIMEZONE: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Europe/Berlin)"
    ]
    assert not (workdir / "s.db").exists()


def test_export_then_import_round_trips_the_jobs(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    schedops(workdir, "jobs", "import", "jobs.yml")
    exported = schedops(workdir, "jobs", "export")
    assert exported.returncode == 0 and "id: hello" in exported.stdout

    other = tmp_path_factory.mktemp("other")
    (other / "exported.yml").write_text(exported.stdout)
    assert schedops(other, "jobs", "import", "exported.yml").returncode == 0
    assert schedops(other, "jobs", "export").stdout == exported.stdout


def test_a_busy_port_is_one_clear_line(workdir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = schedops(workdir, "run", env={"PORT": str(port)})
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_a_second_scheduler_on_the_same_database_refuses_to_start(workdir: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=workdir, env=_env(workdir, None), stderr=subprocess.PIPE, text=True
    ) as first:
        assert first.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "scheduler started" not in first.stderr.readline():
            pass
        second = schedops(workdir, "run")
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
        first.stderr.read()
    assert second.returncode == 1
    assert "another schedops (pid" in second.stderr and "Traceback" not in second.stderr


def test_runs_of_an_unknown_job_say_so(workdir: Path) -> None:
    assert schedops(workdir, "jobs", "import", "jobs.yml").returncode == 0  # creates the database
    result = schedops(workdir, "runs", "nope")
    assert result.returncode == 1 and "no job with id 'nope'" in result.stderr


@pytest.mark.parametrize("command", [("jobs", "list"), ("jobs", "export"), ("runs", "hello"), ("sitrep",), ("audit",)])
def test_read_commands_never_create_a_database(workdir: Path, command: tuple[str, ...]) -> None:
    result = schedops(workdir, *command)
    assert result.returncode == 1
    assert result.stderr == (
        f"schedops: database: SQLite file {workdir}/s.db\n"
        f"schedops: DATABASE_URL: no database at {workdir}/s.db; start `schedops run` there first\n"
    )
    assert not (workdir / "s.db").exists()


def test_run_syncs_the_file_says_slack_is_not_configured_and_stops_cleanly_on_sigterm(workdir: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=workdir, env=_env(workdir, None), stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if "Slack is not configured" in line:
                break
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log = "".join(lines) + process.stderr.read()
    assert process.returncode == 0, log
    assert "2 created (hello, nightly)" in log and "scheduler stopped" in log

    listing = schedops(workdir, "jobs", "list")
    assert "hello" in listing.stdout and "active" in listing.stdout


def test_an_endless_sitrep_window_is_one_line_not_a_traceback(workdir: Path) -> None:
    result = schedops(workdir, "sitrep", "--window", "inf")
    assert result.returncode == 2
    assert "argument --window: expected a duration" in result.stderr and "Traceback" not in result.stderr


def test_run_without_tokens_starts_the_sandbox_and_logs_its_address(workdir: Path) -> None:
    env = _env(workdir, {"SCHEDOPS_SANDBOX": "", "SCHEDOPS_SANDBOX_PORT": "0"})
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "connected to Slack" not in "".join(lines):
            lines.append(process.stderr.readline())
        [address] = [line.split(" at ")[1].split()[0] for line in lines if "sandbox: a local Slack workspace" in line]
        page = urllib.request.urlopen(address, timeout=10).read().decode()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log = "".join(lines) + process.stderr.read()
    assert process.returncode == 0, log
    assert address.startswith("http://127.0.0.1:") and address.endswith("/sandbox")
    assert "Acting as" in page and "Slack is not configured" not in log and "Traceback" not in log


def test_a_busy_sandbox_port_is_one_clear_line(workdir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = schedops(workdir, "run", env={"SCHEDOPS_SANDBOX": "on", "SCHEDOPS_SANDBOX_PORT": str(port)})
    assert result.returncode == 1
    assert f"sandbox cannot listen on 127.0.0.1:{port}: the port is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_commands_that_need_no_worker_never_import_celery(tmp_path: Path) -> None:
    code = (
        "import sys; from schedops.cli import main; main(['jobs', 'list']); "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('celery', 'kombu')], 'celery imported'"
    )
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db", "SCHEDOPS_JOBS_FILE": ""}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0, done.stderr


def test_importing_the_runtime_loads_no_slack_package(tmp_path: Path) -> None:
    """Slack is imported when Slack or the sandbox is attached: a replica serving only the HTTP API and the
    engine (no Slack tokens, no sandbox) never loads Bolt."""
    code = (
        "import sys, schedops.runtime; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'bot')], 'slack imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0, done.stderr


def test_a_worker_without_a_broker_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db", "SCHEDOPS_JOBS_FILE": ""}
    done = subprocess.run(
        [sys.executable, "-m", "schedops", "worker"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "schedops: SCHEDOPS_BROKER_URL: required to start a worker (e.g. redis://127.0.0.1:6379/0)"
    ]
