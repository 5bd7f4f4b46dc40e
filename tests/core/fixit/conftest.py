from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.jobs.spec import JobSpec, parse_job
from core.runs import ErrorClass, ExecutionResult, RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from tests.support.clock import ManualClock


def shell_job(job_id: str, command: list[str] | str = "true", **fields: Any) -> JobSpec:
    data: dict[str, Any] = {"id": job_id, "kind": "shell", "command": command, "schedule": {"interval": "1h"}}
    data.update(fields)
    return parse_job(data)


class History:
    """Writes jobs and their past runs straight into the stores, oldest run first."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.jobs = JobStore(db)
        self.runs = RunStore(db)
        self.clock = clock

    async def job(
        self, job_id: str, command: list[str] | str = "true", *, paused_by: str | None = None, **fields: Any
    ) -> None:
        await self.jobs.save(shell_job(job_id, command, **fields), now=self.clock(), actor="alice", source="api")
        if paused_by:
            await self.jobs.set_paused(job_id, True, actor=paused_by, now=self.clock())

    async def run(
        self,
        job_id: str,
        status: RunStatus,
        *,
        ago: timedelta = timedelta(hours=1),
        error_class: ErrorClass | None = None,
        message: str | None = None,
        exit_code: int | None = None,
    ) -> RunRecord:
        started = self.clock() - ago
        run = await self.runs.add(job_id, trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=started)
        if status is RunStatus.RUNNING:
            return run
        outcome = ExecutionResult(status, exit_code=exit_code, error_class=error_class, error_message=message)
        return await self.runs.finish(run.id, outcome, now=started + timedelta(seconds=5))

    async def failures(self, job_id: str, count: int, error_class: ErrorClass, **fields: Any) -> None:
        for _ in range(count):
            await self.run(job_id, RunStatus.FAILED, error_class=error_class, **fields)

    async def count_runs(self) -> int:
        return sum([len(await self.runs.recent(job.id, limit=1000)) for job in await self.jobs.list()])


@pytest.fixture
def history(db: Database, clock: ManualClock) -> History:
    return History(db, clock)


TRANSIENT = ErrorClass.TRANSIENT
PERMANENT = ErrorClass.PERMANENT
UNKNOWN = ErrorClass.UNKNOWN


@pytest.fixture
async def troubled(history: History) -> History:
    """A day of trouble: one job for each kind of failure, and the jobs fix-it must leave alone."""
    h, hours = history, timedelta(hours=1)
    await h.job("net-sync")
    await h.run("net-sync", RunStatus.FAILED, ago=3 * hours, error_class=TRANSIENT, message="connection refused")
    await h.run("net-sync", RunStatus.MISSED, ago=2 * hours)  # not an outcome: the job did not run
    await h.job("slow-report")
    await h.run("slow-report", RunStatus.TIMED_OUT, error_class=TRANSIENT, message="timed out after 1h")
    await h.job("backup")
    await h.run("backup", RunStatus.INTERRUPTED, error_class=TRANSIENT, message="schedops stopped")
    await h.job("bad-config")
    await h.run("bad-config", RunStatus.FAILED, error_class=PERMANENT, message="no such file: /etc/x.conf")
    await h.job("mystery")
    await h.run("mystery", RunStatus.FAILED, error_class=UNKNOWN, exit_code=1)
    await h.job("flappy")
    for status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SUCCEEDED, RunStatus.FAILED):
        await h.run("flappy", status, error_class=None if status is RunStatus.SUCCEEDED else UNKNOWN, exit_code=3)
    await h.job("broken")
    await h.run("broken", RunStatus.SUCCEEDED, ago=30 * hours)
    await h.failures("broken", 4, TRANSIENT, message="HTTP 503")
    await h.job("paused-job", paused_by="bob")
    await h.run("paused-job", RunStatus.FAILED, error_class=TRANSIENT)
    await h.job("disabled-job", enabled=False)
    await h.run("disabled-job", RunStatus.FAILED, error_class=TRANSIENT)
    await h.job("busy")
    await h.run("busy", RunStatus.FAILED, error_class=TRANSIENT)
    await h.run("busy", RunStatus.RUNNING)
    await h.job("healthy")
    await h.run("healthy", RunStatus.FAILED, ago=2 * hours, error_class=TRANSIENT)
    await h.run("healthy", RunStatus.SUCCEEDED)
    await h.job("old-failure")
    await h.run("old-failure", RunStatus.FAILED, ago=48 * hours, error_class=TRANSIENT)
    await h.job("never-ran")
    return h
