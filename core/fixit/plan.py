"""Planning a fix-it: gather the facts about failing jobs in one query, then let the pure rules decide."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.fixit.errors import FixitJobLookupError
from core.fixit.model import FixitMode, FixitPlan
from core.fixit.rules import JobFacts, check_max_retries, decide_all
from core.storage.database import Database
from core.storage.failures import failing_jobs_with_runs
from core.storage.tables import JobRow


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
        failing = await failing_jobs_with_runs(await session.connection(), since=since, job_ids=job_ids)
    return [
        JobFacts(
            job_id=job.job_id,
            enabled=job.enabled,
            paused=job.paused,
            paused_by=job.paused_by,
            running=job.running,
            failed_run=run,
            consecutive_failures=job.streak,
        )
        for job, run in failing
    ]


async def _require_jobs(session: AsyncSession, job_ids: tuple[str, ...]) -> None:
    found = set(await session.scalars(select(JobRow.id).where(JobRow.id.in_(job_ids))))
    unknown = [job_id for job_id in job_ids if job_id not in found]
    if unknown:
        raise FixitJobLookupError(unknown)
