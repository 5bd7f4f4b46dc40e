"""The real brokers on this machine and in CI, and `schedops worker` processes started against them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKERS = {
    # A database number of its own, so these tests never read another program's keys.
    "redis": ("redis://127.0.0.1:6379/11", 6379),
    "rabbitmq": ("amqp://guest:guest@127.0.0.1:5672//", 5672),
}
# Where the team's Celery app of the `kind: celery` tests keeps its results, whichever its broker.
RESULT_BACKEND = "redis://127.0.0.1:6379/12"


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def require_broker(name: str) -> str:
    """The broker's URL; when it is down the test fails in CI and skips loudly elsewhere."""
    url, port = BROKERS[name]
    if not reachable(port):
        reason = f"{name} is not reachable on 127.0.0.1:{port}: the Celery worker tests need it"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: it must run there)")
        pytest.skip("NOT TESTED: " + reason)
    return url


def fresh_queue() -> str:
    """A queue no other test (or engineer sharing the broker) uses."""
    return f"t-{uuid.uuid4().hex[:12]}"


class WorkerProcess:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, hostname: str) -> None:
        self.process = process
        self.log = log
        self.hostname = hostname

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM, Celery's warm shutdown, and wait for the exit (about 2.5 s: billiard's pool threads poll)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill(self.process)


@contextmanager
def schedops_worker(
    *, database_url: str, broker_url: str, queues: list[str], workdir: Path, name: str = "w"
) -> Iterator[WorkerProcess]:
    """A real `schedops worker` subprocess; stopped (and its process group killed) on exit."""
    hostname = f"{name}-{uuid.uuid4().hex[:6]}@test"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(workdir)),
        "PYTHONPATH": str(REPO),
        "TMPDIR": str(workdir),  # where billiard's pool leaves its scratch directory when the worker is killed
        "DATABASE_URL": database_url,
        "SCHEDOPS_BROKER_URL": broker_url,
        "SCHEDOPS_EXECUTION": "celery",
        "SCHEDOPS_JOBS_FILE": "",
    }
    argv = [sys.executable, "-m", "schedops", "worker", "--concurrency", "1", "--hostname", hostname]
    for queue in queues:
        argv += ["--queue", queue]
    log = workdir / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield WorkerProcess(process, log, hostname)
    finally:
        _kill(process)


@contextmanager
def team_celery_worker(
    *, broker_url: str, result_backend: str, queue: str, workdir: Path, concurrency: int = 1
) -> Iterator[WorkerProcess]:
    """A plain `celery worker` of the team's app (tests/support/team_celery_app.py, not schedops') consuming
    ``queue``: the prefork pool (Celery's default, so a revoke with terminate=True can stop a running task)
    with ``concurrency`` children. Stopped (its process group killed) on exit."""
    hostname = f"team-{uuid.uuid4().hex[:6]}@test"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(workdir)),
        "PYTHONPATH": str(REPO),
        "TMPDIR": str(workdir),  # as for schedops_worker: billiard's scratch directory
        "TEAM_BROKER_URL": broker_url,
        "TEAM_RESULT_BACKEND": result_backend,
    }
    argv = [sys.executable, "-m", "celery", "-A", "tests.support.team_celery_app", "worker", "--loglevel", "INFO"]
    argv += [
        "--queues",
        queue,
        "--concurrency",
        str(concurrency),
        "--hostname",
        hostname,
        "--without-gossip",
        "--without-mingle",
    ]
    log = workdir / "team-worker.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield WorkerProcess(process, log, hostname)
    finally:
        _kill(process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """The worker's whole process group killed at once. A test that needs the warm shutdown calls
    ``WorkerProcess.stop()`` itself; for the rest this is clean-up, and waiting 2.5 s for a worker nobody
    will ask anything again had been about a quarter of these tests' time."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
