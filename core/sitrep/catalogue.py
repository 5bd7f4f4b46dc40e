"""What the sitrep reads from the jobs table: counts, graces, paused jobs and the jobs that fire soonest.

Every question is answered by the database, JSON fields included, so a thousand definitions are never
loaded and validated (validation builds each cron trigger: that alone would cost more than the sitrep's
other queries together). Only the few definitions whose schedule is needed are parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.durations import A_YEAR, DurationError, parse_duration
from core.jobs.spec import JobSpec, ShellJob, parse_stored_job
from core.sitrep.model import JobCounts, PausedJob
from core.storage.tables import JOB_NAME, JobRow

DEFAULT_TIMEOUT: timedelta = ShellJob.model_fields["timeout"].default
# Fields of the stored definition (jobs-file form, defaults left out), read by the database.
NAME: ColumnElement[str | None] = JOB_NAME
TIMEOUT: ColumnElement[str | None] = JobRow.spec["timeout"].as_string()
GRACE: ColumnElement[str | None] = JobRow.spec["misfire_grace"].as_string()
ACTIVE: ColumnElement[bool] = and_(JobRow.enabled.is_(True), JobRow.paused.is_(False))


def timeout_of(text: str | None) -> timedelta:
    """A job's timeout from its stored text (absent: the default); a run of a removed job gets the default."""
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        return parse_duration(text)
    except DurationError:  # stored before durations were bounded: the longest a timeout may now be
        return A_YEAR


@dataclass(frozen=True, slots=True)
class Schedulable:
    """An active job with its definition, for computing fire times."""

    id: str
    title: str
    next_run_time: datetime | None
    spec: JobSpec


async def job_counts(connection: AsyncConnection) -> JobCounts:
    query = select(
        func.count(),
        func.count().filter(JobRow.enabled.is_(True)),
        func.count().filter(JobRow.paused.is_(True)),
    )
    total, enabled, paused = (await connection.execute(query.select_from(JobRow))).one()
    return JobCounts(total=total, enabled=enabled, paused=paused)


async def custom_graces(connection: AsyncConnection, default: timedelta) -> dict[str, timedelta]:
    """Jobs whose own misfire grace differs from ``default``."""
    rows = await connection.execute(select(JobRow.id, GRACE).where(GRACE.is_not(None)))
    graces = {job_id: _stored_grace(text, default) for job_id, text in rows}
    return {job_id: grace for job_id, grace in graces.items() if grace != default}


def _stored_grace(text: str | None, default: timedelta) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError:  # stored before durations were bounded
        return default


async def paused_jobs(connection: AsyncConnection) -> list[PausedJob]:
    query = select(JobRow.id, NAME, JobRow.paused_by, JobRow.paused_at).where(JobRow.paused.is_(True))
    rows = await connection.execute(query.order_by(JobRow.id))
    return [
        PausedJob(job_id=job_id, title=name or job_id, paused_by=paused_by, paused_at=paused_at)
        for job_id, name, paused_by, paused_at in rows
    ]


async def soonest_jobs(connection: AsyncConnection, limit: int) -> list[Schedulable]:
    """The active jobs that can be among the next ``limit`` fire times: the ``limit`` with the soonest
    stored next run times, and those without one (their first fire time is yet to be computed)."""
    soonest = (
        select(JobRow.id)
        .where(ACTIVE, JobRow.next_run_time.is_not(None))
        .order_by(JobRow.next_run_time, JobRow.id)
        .limit(limit)
    )
    query = select(JobRow.id, NAME, JobRow.next_run_time, JobRow.spec).where(
        ACTIVE, or_(JobRow.next_run_time.is_(None), JobRow.id.in_(soonest.scalar_subquery()))
    )
    rows = await connection.execute(query)
    return [
        Schedulable(job_id, name or job_id, next_run, parse_stored_job(data)) for job_id, name, next_run, data in rows
    ]


@dataclass(frozen=True, slots=True)
class JobState:
    """One job's runtime state, for a job report."""

    id: str
    title: str
    kind: str
    enabled: bool
    paused: bool
    paused_by: str | None
    paused_at: datetime | None
    next_run_time: datetime | None
    spec: JobSpec

    @property
    def active(self) -> bool:
        return self.enabled and not self.paused


async def load_job(connection: AsyncConnection, job_id: str) -> JobState | None:
    row: Any = (await connection.execute(select(JobRow).where(JobRow.id == job_id))).one_or_none()
    if row is None:
        return None
    spec = parse_stored_job(row.spec)
    return JobState(
        id=row.id,
        title=spec.title,
        kind=row.kind,
        enabled=row.enabled,
        paused=row.paused,
        paused_by=row.paused_by,
        paused_at=row.paused_at,
        next_run_time=row.next_run_time,
        spec=spec,
    )
