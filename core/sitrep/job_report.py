"""``build_job_report``: one job explained, from a handful of queries that each seek its own index range."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.jobs.describe import describe_job, describe_schedule, schedule_expression
from core.sitrep import queries
from core.sitrep.catalogue import load_job
from core.sitrep.health import DEFAULT_RULES, HealthRules
from core.sitrep.model import JobReport, RunningRun
from core.sitrep.rows import run_summary, running_run
from core.sitrep.upcoming import next_runs
from core.storage import failures
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError


async def build_job_report(
    db: Database,
    job_id: str,
    *,
    now: datetime,
    default_timezone: str,
    last: int = 10,
    upcoming: int = 5,
    sample: int = 100,
    misfire_grace: timedelta = timedelta(minutes=5),
    rules: HealthRules = DEFAULT_RULES,
) -> JobReport:
    """The job's definition and schedule in words, its next ``upcoming`` fire times, its last ``last`` runs
    (with the tail of their output) and its success rate over its latest ``sample`` finished runs.

    Raises JobLookupError for an unknown job.
    """
    async with db.engine.connect() as connection:
        job = await load_job(connection, job_id)
        if job is None:
            raise JobLookupError(job_id)
        latest = await queries.recent_runs(connection, last, job_id=job_id, with_output=True)
        running = await queries.running_runs(connection, job_id)
        finished, succeeded = await queries.outcome_sample(connection, job_id, sample)
        streak = await failures.failure_streak(connection, job_id)
        succeeded_at = await queries.last_success(connection, job_id)
    return JobReport(
        generated_at=now,
        timezone=default_timezone,
        job_id=job.id,
        title=job.title,
        kind=job.kind,
        description=job.spec.description,
        definition=describe_job(job.spec, default_misfire_grace=misfire_grace),
        schedule=describe_schedule(job.spec, default_timezone),
        schedule_expression=schedule_expression(job.spec, default_timezone),
        enabled=job.enabled,
        paused=job.paused,
        paused_by=job.paused_by,
        paused_at=job.paused_at,
        next_runs=next_runs(job, default_timezone, now=now, limit=upcoming),
        running=[running_run(row, rules, now) for row in running],
        last_runs=[run_summary(row) for row in latest],
        success_rate=succeeded / finished if finished else None,
        sample_size=finished,
        consecutive_failures=streak,
        last_succeeded_at=succeeded_at,
    )


async def running_runs_of(
    db: Database, job_id: str, *, now: datetime, rules: HealthRules = DEFAULT_RULES
) -> list[RunningRun]:
    """The job's runs in progress, oldest first: one seek of the partial index ix_runs_running."""
    async with db.engine.connect() as connection:
        rows = await queries.running_runs(connection, job_id)
    return [running_run(row, rules, now) for row in rows]
