"""The sitrep and a job's report, built with the configured health rules: one wiring for every reader
(Slack, the Home tab, digests, the CLI), so no door can judge health differently."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.config import Settings
from core.execution.workers import WAIT_BOUND
from core.sitrep.health import HealthRules
from core.sitrep.job_report import build_job_report, running_runs_of
from core.sitrep.model import JobReport, RunningRun, Sitrep
from core.sitrep.report import DATABASE_ERRORS, build_sitrep, replicas_now
from core.sitrep.workers import Workers, workers_now
from core.storage.database import Database
from core.storage.replicas_store import ReplicaStore
from core.storage.workers_store import WorkerStore

DEFAULT_WINDOW = timedelta(hours=24)


# A replica that has not beaten its heart for this long counts as gone.
ALIVE_WITHIN = timedelta(seconds=10)


async def sitrep(
    db: Database,
    settings: Settings,
    *,
    now: datetime,
    scheduler_running: bool,
    window: timedelta = DEFAULT_WINDOW,
    alive_within: timedelta = ALIVE_WITHIN,
    wait_bound: timedelta = WAIT_BOUND,
) -> Sitrep:
    """``scheduler_running``: whether this schedops' scheduler fires (a standby's is meant to be idle: whether
    the cluster fires is judged by the replicas' no_leader rule). The Workers section is there with
    SCHEDOPS_EXECUTION=celery, or when any worker registered in the last day."""
    return await build_sitrep(
        db,
        now=now,
        window=window,
        scheduler_running=scheduler_running,
        replicas=await replicas_now(ReplicaStore(db), now=now, alive_within=alive_within),
        default_timezone=settings.timezone,
        rules=HealthRules.from_settings(settings),
        misfire_grace=settings.misfire_grace,
        workers=await _workers(db, settings, now),
        wait_bound=wait_bound,
    )


async def _workers(db: Database, settings: Settings, now: datetime) -> Workers | None:
    try:
        return await workers_now(WorkerStore(db), now=now, dispatching=settings.execution == "celery")
    except DATABASE_ERRORS:  # the sitrep reports the database itself
        return None


async def job_report(db: Database, settings: Settings, job_id: str, *, now: datetime) -> JobReport:
    """Raises JobLookupError for an unknown job."""
    return await build_job_report(
        db,
        job_id,
        now=now,
        default_timezone=settings.timezone,
        misfire_grace=settings.misfire_grace,
        rules=HealthRules.from_settings(settings),
    )


async def running_runs(db: Database, settings: Settings, job_id: str, *, now: datetime) -> list[RunningRun]:
    """The job's runs in progress, oldest first (the partial index ix_runs_running), judged stuck or not by
    the configured health rules."""
    return await running_runs_of(db, job_id, now=now, rules=HealthRules.from_settings(settings))
