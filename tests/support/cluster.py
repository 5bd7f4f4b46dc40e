"""Replicas of ``python -m bot run`` against one PostgreSQL database, for the chaos test and bench/chaos.py:
start, SIGKILL, SIGSTOP/SIGCONT and SIGTERM them, ask each its role (/readyz), and audit the fires."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_jobs(path: Path, out_dir: Path, count: int, interval_s: int) -> list[str]:
    """``count`` shell jobs every ``interval_s`` seconds; each execution appends a line to ``<job>.out``."""
    ids = [f"job{number:03d}" for number in range(count)]
    lines = ["jobs:"]
    for job_id in ids:
        lines += [
            f"  - id: {job_id}",
            "    kind: shell",
            f'    command: "echo x >> {out_dir / job_id}.out"',
            f"    schedule: {{interval: {interval_s}s}}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


@dataclass
class Replica:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    frozen: bool = False


@dataclass
class Cluster:
    database_url: str
    workdir: Path
    jobs_file: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)

    def add(self, name: str) -> Replica:
        replica = Replica(name, free_port(), self.workdir / f"{name}.log")
        self.replicas.append(replica)
        return replica

    def start(self, replica: Replica) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SCHEDOPS_JOBS_FILE": str(self.jobs_file),
            "PORT": str(replica.port),
            "SCHEDOPS_SHUTDOWN_TIMEOUT": "5s",
            "SCHEDOPS_SANDBOX": "off",  # replicas without Slack tokens would each start a sandbox on one port
            **self.extra_env,
        }
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
            if name not in self.extra_env:
                env.pop(name, None)
        with replica.log.open("ab") as log:
            replica.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        replica.frozen = False

    def signal(self, replica: Replica, signum: int) -> None:
        assert replica.process is not None
        replica.process.send_signal(signum)
        if signum == signal.SIGKILL:
            replica.process.wait(10)
        replica.frozen = signum == signal.SIGSTOP

    def stop_all(self, timeout: float = 20) -> None:
        for replica in self.replicas:
            if replica.process is not None and replica.process.poll() is None:
                if replica.frozen:
                    replica.process.send_signal(signal.SIGCONT)
                replica.process.send_signal(signal.SIGTERM)
        for replica in self.replicas:
            if replica.process is not None:
                try:
                    replica.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    replica.process.kill()
                    replica.process.wait(5)

    async def role(self, replica: Replica) -> str | None:
        """The replica's role from /readyz, or None when it does not answer."""
        if replica.frozen or replica.process is None or replica.process.poll() is not None:
            return None
        try:
            async with asyncio.timeout(1):
                reader, writer = await asyncio.open_connection("127.0.0.1", replica.port)
                try:
                    writer.write(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")
                    raw = await reader.read()
                finally:  # also when a busy replica answers too late: a dropped writer is a ResourceWarning
                    writer.close()
        except (OSError, TimeoutError):
            return None
        body = raw.split(b"\r\n\r\n", 1)[-1]
        try:
            role: str = json.loads(body)["role"]
        except (ValueError, KeyError):
            return None
        return role

    async def leader(self) -> Replica | None:
        for replica in self.replicas:
            if await self.role(replica) == "leader":
                return replica
        return None

    async def wait_leader(self, timeout: float = 30, other_than: Replica | None = None) -> Replica:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for replica in self.replicas:
                if replica is not other_than and await self.role(replica) == "leader":
                    return replica
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no replica led within {timeout}s")


@dataclass(frozen=True)
class FireAudit:
    """``doubled``: executions beyond one per recorded run; ``lost``: fire times on a job's grid with no row;
    ``missed``: rows recorded as missed (with their reason); ``ran``: rows that started."""

    fires: int
    ran: int
    missed: int
    doubled: int
    lost: int
    lost_examples: list[str]
    missed_reasons: dict[str, int]


async def audit_fires(database_url: str, out_dir: Path, interval: timedelta, until: datetime) -> FireAudit:
    """Check every job's schedule-triggered rows up to ``until``: consecutive fire times one interval apart
    (nothing lost), and as many executions (lines in ``<job>.out``) as rows that started (nothing doubled)."""
    url = make_url(database_url)
    connection = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        rows = await connection.fetch(
            "SELECT job_id, scheduled_at, status, started_at, error_message FROM runs"
            " WHERE trigger = 'schedule' ORDER BY job_id, scheduled_at"
        )
    finally:
        await connection.close()
    by_job: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        by_job.setdefault(row["job_id"], []).append(row)
    ran = missed = doubled = lost = 0
    examples: list[str] = []
    reasons: dict[str, int] = {}
    for job_id, job_rows in by_job.items():
        started = sum(1 for row in job_rows if row["started_at"] is not None)
        ran += started
        for row in job_rows:
            if row["status"] == "missed":
                missed += 1
                reasons[row["error_message"]] = reasons.get(row["error_message"], 0) + 1
        out = out_dir / f"{job_id}.out"
        executions = len(out.read_text().splitlines()) if out.exists() else 0
        doubled += max(0, executions - started)
        times = [row["scheduled_at"] for row in job_rows if row["scheduled_at"] <= until]
        if times and until - times[-1] > interval * 1.5:  # the tail: fires due before ``until`` never recorded
            lost += int((until - times[-1]) / interval) - 1
            examples.append(f"{job_id} after its last row {times[-1].isoformat()}")
        for before, after in itertools.pairwise(times):
            gap = round((after - before) / interval)
            if gap > 1:
                lost += gap - 1
                examples.append(f"{job_id} after {before.isoformat()}")
    return FireAudit(len(rows), ran, missed, doubled, lost, examples[:5], reasons)


def fires_started_after(log: Path, after: datetime) -> list[str]:
    """Lines of a replica's log saying a schedule-triggered run started at or after ``after`` (local time
    stamps as the log writes them, compared in UTC)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if "started (schedule" not in line:
            continue
        try:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").astimezone()
        except ValueError:
            continue
        if stamp >= after:
            found.append(line)
    return found
