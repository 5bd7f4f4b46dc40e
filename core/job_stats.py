"""A job's statistics over the last N days, counted by the database (one aggregate query over the job's runs,
read through the (job_id, id) index): never its history loaded into Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select

from core.runs import FAILURE_VALUES, RunStatus
from core.storage.database import Database
from core.storage.tables import RunRow


@dataclass(frozen=True, slots=True)
class JobStats:
    job_id: str
    days: int
    since: datetime
    runs: int
    succeeded: int
    failed: int
    skipped: int
    missed: int
    success_rate: float | None  # succeeded / (succeeded + failed); None without a finished run
    mean_duration_ms: float | None
    max_duration_ms: int | None
    last_run_at: datetime | None
    last_failure_at: datetime | None


async def job_stats(db: Database, job_id: str, *, days: int, now: datetime) -> JobStats:
    since = now - timedelta(days=days)

    def count(*statuses: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((RunRow.status.in_(statuses), 1), else_=0)), 0)

    query = select(
        func.count(),
        count(RunStatus.SUCCEEDED.value),
        count(*FAILURE_VALUES),
        count(RunStatus.SKIPPED.value),
        count(RunStatus.MISSED.value),
        func.avg(RunRow.duration_ms),
        func.max(RunRow.duration_ms),
        func.max(RunRow.created_at),
        func.max(case((RunRow.status.in_(FAILURE_VALUES), RunRow.created_at))),
    ).where(RunRow.job_id == job_id, RunRow.created_at >= since)
    async with db.session() as session:
        row = (await session.execute(query)).one()
    runs, succeeded, failed, skipped, missed, mean, longest, last, last_failure = row
    finished = int(succeeded) + int(failed)
    return JobStats(
        job_id=job_id,
        days=days,
        since=since,
        runs=int(runs),
        succeeded=int(succeeded),
        failed=int(failed),
        skipped=int(skipped),
        missed=int(missed),
        success_rate=round(int(succeeded) / finished, 4) if finished else None,
        mean_duration_ms=None if mean is None else round(float(mean), 1),
        max_duration_ms=None if longest is None else int(longest),
        last_run_at=last,
        last_failure_at=last_failure,
    )
