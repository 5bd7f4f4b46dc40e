"""Planning a fix-it: gather the facts about failing jobs in one query, then let the pure rules decide."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.fixit.errors import FixitJobLookupError
from core.fixit.model import FixitMode, FixitPlan
from core.fixit.rules import JobFacts, check_max_retries, decide_all
from core.runs import FAILURE_STATUSES, RunStatus
from core.storage.database import Database
from core.storage.runs_store import to_record
from core.storage.tables import JobRow, RunRow

_FAILURES = sorted(status.value for status in FAILURE_STATUSES)
# Skipped and missed rows are not outcomes: the job did not run, so they neither fail nor heal it.
_OUTCOMES = [*_FAILURES, RunStatus.SUCCEEDED.value]


async def plan_fixit(
    db: Database,
    *,
    mode: FixitMode = FixitMode.BALANCED,
    window: timedelta = timedelta(hours=24),
    max_retries: int = 3,
    job_ids: Iterable[str] | None = None,
    now: datetime,
    requested_by: str | None = None,
) -> FixitPlan:
    """Plan what to do about every job whose latest run (created within ``window`` before ``now``) failed,
    timed out or was interrupted: one item per job, retried or skipped with the reason. Executes nothing
    and stores nothing, so it doubles as the dry run. Raises FixitJobLookupError naming any unknown id in
    ``job_ids``, and ValueError for a window that is not positive or max_retries outside 1..10."""
    mode = FixitMode(mode)
    check_max_retries(max_retries)
    if window <= timedelta(0):
        raise ValueError(f"window must be positive, got {window}")
    wanted = None if job_ids is None else tuple(dict.fromkeys(job_ids))
    facts = await gather_facts(db, since=now - window, job_ids=wanted)
    return FixitPlan(
        id=str(uuid.uuid4()),
        mode=mode,
        window=window,
        max_retries=max_retries,
        job_ids=wanted,
        items=decide_all(facts, mode, max_retries),
        created_at=now,
        requested_by=requested_by,
    )


async def gather_facts(db: Database, *, since: datetime, job_ids: tuple[str, ...] | None = None) -> list[JobFacts]:
    """Facts about each existing job (of ``job_ids``, if given) whose latest outcome since ``since`` failed."""
    async with db.session() as session:
        if job_ids is not None:
            await _require_jobs(session, job_ids)
        rows = (await session.execute(_failing_jobs_query(since, job_ids))).all()
    return [
        JobFacts(
            job_id=row.id,
            enabled=row.enabled,
            paused=row.paused,
            paused_by=row.paused_by,
            running=row.running,
            failed_run=to_record(row.RunRow),
            consecutive_failures=row.consecutive_failures,
        )
        for row in rows
    ]


async def _require_jobs(session: AsyncSession, job_ids: tuple[str, ...]) -> None:
    found = set(await session.scalars(select(JobRow.id).where(JobRow.id.in_(job_ids))))
    unknown = [job_id for job_id in job_ids if job_id not in found]
    if unknown:
        raise FixitJobLookupError(unknown)


def _failing_jobs_query(since: datetime, job_ids: tuple[str, ...] | None) -> Select[tuple[object, ...]]:
    """One row per job whose latest outcome failed in the window, with its streak and whether it runs.

    Every subquery is correlated on the job and walks ix_runs_job_id_id (job_id, id) from the newest end,
    so the cost grows with the number of jobs and the length of their current streaks, never with history.
    """
    latest = RunRow.__table__.alias("latest")
    latest_outcome = (
        select(latest.c.id)
        .where(latest.c.job_id == JobRow.id, latest.c.status.in_(_OUTCOMES))
        .order_by(latest.c.id.desc())
        .limit(1)
        .correlate(JobRow)
        .scalar_subquery()
    )
    success = RunRow.__table__.alias("success")
    last_success = (
        select(success.c.id)
        .where(success.c.job_id == JobRow.id, success.c.status == RunStatus.SUCCEEDED.value)
        .order_by(success.c.id.desc())
        .limit(1)
        .correlate(JobRow)
        .scalar_subquery()
    )
    history = RunRow.__table__.alias("history")
    streak = (
        select(func.count())
        .select_from(history)
        .where(
            history.c.job_id == JobRow.id,
            history.c.status.in_(_FAILURES),
            history.c.id > func.coalesce(last_success, 0),
        )
        .correlate(JobRow)
        .scalar_subquery()
    )
    running = exists().where(history.c.job_id == JobRow.id, history.c.status == RunStatus.RUNNING.value)
    query = (
        select(
            JobRow.id,
            JobRow.enabled,
            JobRow.paused,
            JobRow.paused_by,
            RunRow,
            streak.label("consecutive_failures"),
            running.correlate(JobRow).label("running"),
        )
        .join(RunRow, RunRow.id == latest_outcome)
        .where(RunRow.created_at >= since, RunRow.status.in_(_FAILURES))
        .order_by(JobRow.id)
    )
    return query if job_ids is None else query.where(JobRow.id.in_(job_ids))
