"""``build_sitrep``: the whole situation, from a dozen indexed queries on two connections side by side.
Never raises because the database is unreachable: that is what the sitrep then reports."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.execution.workers import WAIT_BOUND, QueueWait, stalled_queues
from core.sitrep import catalogue, percentiles, queries, window
from core.sitrep.catalogue import Schedulable
from core.sitrep.health import DEFAULT_RULES, HealthFacts, HealthRules, PendingApproval, evaluate_health
from core.sitrep.model import FailingJob, JobCounts, PausedJob, ReplicaLine, RunningRun, RunSummary, Sitrep
from core.sitrep.rows import failing_job, on_time_stats, run_stats, run_summary, running_run
from core.sitrep.upcoming import upcoming_runs
from core.sitrep.workers import Workers, workers_overview
from core.storage import failures
from core.storage.database import Database
from core.storage.replicas_store import ReplicaStore
from core.storage.runs_store import waiting_by_queue

T = TypeVar("T")
DATABASE_ERRORS = (SQLAlchemyError, OSError, TimeoutError)
P50, P95 = 0.5, 0.95


@dataclass(frozen=True, slots=True)
class _Ask:
    now: datetime
    window: timedelta
    scheduler_running: bool
    default_timezone: str
    rules: HealthRules
    upcoming: int
    recent: int
    misfire_grace: timedelta
    replicas: Replicas | None = None
    workers: Workers | None = None
    wait_bound: timedelta = WAIT_BOUND

    @property
    def start(self) -> datetime:
        return self.now - self.window


@dataclass(frozen=True, slots=True)
class Replicas:
    """The replicas heard from recently, and when any replica last led (None: none has yet)."""

    lines: list[ReplicaLine]
    last_led_at: datetime | None
    started_at: datetime

    def leaderless_for(self, now: datetime) -> timedelta | None:
        if any(line.role == "leader" for line in self.lines):
            return None
        return now - max(self.last_led_at or self.started_at, self.started_at)


async def replicas_now(store: ReplicaStore, *, now: datetime, alive_within: timedelta) -> Replicas | None:
    """The replicas as the registry sees them, or None when it cannot be read (the sitrep still answers)."""
    try:
        view = await store.view(now=now, alive_within=alive_within)
    except DATABASE_ERRORS:
        return None
    lines = [ReplicaLine(host=r.host, pid=r.pid, role=r.role, since=r.role_since) for r in view.replicas]
    started = min((r.started_at for r in view.replicas), default=now)
    return Replicas(lines, view.last_led_at, started)


async def build_sitrep(
    db: Database,
    *,
    now: datetime,
    window: timedelta = timedelta(hours=24),
    scheduler_running: bool,
    default_timezone: str,
    rules: HealthRules = DEFAULT_RULES,
    upcoming: int = 10,
    recent: int = 10,
    misfire_grace: timedelta = timedelta(minutes=5),
    database_timeout: timedelta = timedelta(seconds=10),
    replicas: Replicas | None = None,
    workers: Workers | None = None,
    wait_bound: timedelta = WAIT_BOUND,
) -> Sitrep:
    """The situation at ``now``; run figures cover the runs created in [now - window, now].

    ``misfire_grace`` is the grace of jobs without their own (SCHEDOPS_MISFIRE_GRACE). With ``workers`` (the
    registry, core.sitrep.workers) the sitrep has a Workers section, and runs waiting on a queue longer than
    ``wait_bound`` count: on a queue no online worker consumes, they make it degraded. Never raises because
    the database is unreachable or slower than ``database_timeout``: the sitrep is then unhealthy, says why,
    and leaves out what it could not read.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    ask = _Ask(
        now,
        window,
        scheduler_running,
        default_timezone,
        rules,
        upcoming,
        recent,
        misfire_grace,
        replicas,
        workers,
        wait_bound,
    )
    try:
        async with asyncio.timeout(database_timeout.total_seconds()):
            return await _sitrep(db, ask)
    except DATABASE_ERRORS as error:
        facts = HealthFacts(now, window, scheduler_running, database_error=_describe(error, database_timeout))
        return Sitrep(
            generated_at=now,
            window=window,
            timezone=default_timezone,
            scheduler_running=scheduler_running,
            database_error=facts.database_error,
            health=evaluate_health(facts, rules),
        )


@dataclass(frozen=True, slots=True)
class _Figures:
    counts: window.StatusCounts
    on_time: window.OnTimeCounts
    missed: dict[str, int]
    running: list[RunningRun]
    recent: list[RunSummary]
    jobs: JobCounts
    paused: list[PausedJob]
    soonest: list[Schedulable]
    approvals: list[PendingApproval]
    waits: list[QueueWait]


@dataclass(frozen=True, slots=True)
class _Outcomes:
    p50_ms: int | None
    p95_ms: int | None
    failing: list[FailingJob]


async def _sitrep(db: Database, ask: _Ask) -> Sitrep:
    # Two connections side by side, about equal halves of the work: on two cores this nearly halves the wait.
    # Both run to their end even when one fails: cancelling a query would strand its driver thread.
    reads = await asyncio.gather(_read(db, _figures, ask), _read(db, _outcomes, ask), return_exceptions=True)
    _raise_first(*reads)
    figures, outcomes = reads
    assert not isinstance(figures, BaseException) and not isinstance(outcomes, BaseException)
    facts = HealthFacts(
        now=ask.now,
        window=ask.window,
        scheduler_running=ask.scheduler_running,
        job_count=figures.jobs.total,
        failing=outcomes.failing,
        running=figures.running,
        missed_by_job=figures.missed,
        pending_approvals=figures.approvals,
        leaderless_for=None if ask.replicas is None else ask.replicas.leaderless_for(ask.now),
        stalled_queues=[] if ask.workers is None else stalled_queues(figures.waits, ask.workers.served),
    )
    return Sitrep(
        generated_at=ask.now,
        window=ask.window,
        timezone=ask.default_timezone,
        scheduler_running=ask.scheduler_running,
        health=evaluate_health(facts, ask.rules),
        jobs=figures.jobs,
        runs=run_stats(figures.counts, outcomes.p50_ms, outcomes.p95_ms),
        on_time=on_time_stats(figures.on_time),
        failing_jobs=outcomes.failing,
        running=figures.running,
        recent_runs=figures.recent,
        upcoming=upcoming_runs(figures.soonest, ask.default_timezone, now=ask.now, limit=ask.upcoming),
        paused_jobs=figures.paused,
        replicas=[] if ask.replicas is None else ask.replicas.lines,
        workers=None
        if ask.workers is None
        else workers_overview(ask.workers, figures.running, figures.waits, now=ask.now),
    )


async def _figures(connection: AsyncConnection, ask: _Ask) -> _Figures:
    span = (ask.start, ask.now)
    graces = await catalogue.custom_graces(connection, ask.misfire_grace)
    counts, on_time = await window.window_counts(connection, *span, graces=graces, default_grace=ask.misfire_grace)
    return _Figures(
        counts=counts,
        on_time=on_time,
        missed=await window.missed_by_job(connection, *span),
        running=[running_run(row, ask.rules, ask.now) for row in await queries.running_runs(connection)],
        recent=[run_summary(row) for row in await queries.recent_runs(connection, ask.recent)],
        jobs=await catalogue.job_counts(connection),
        paused=await catalogue.paused_jobs(connection),
        soonest=await catalogue.soonest_jobs(connection, ask.upcoming),
        approvals=await queries.pending_approvals(connection),
        # Only with workers to speak of: a sitrep of local execution pays nothing for them.
        waits=[] if ask.workers is None else await waiting_by_queue(connection, older_than=ask.now - ask.wait_bound),
    )


async def _outcomes(connection: AsyncConnection, ask: _Ask) -> _Outcomes:
    p50_ms, p95_ms = await percentiles.duration_percentiles(connection, ask.start, ask.now, (P50, P95))
    failing = [failing_job(job) for job in await failures.failing_jobs(connection)]
    return _Outcomes(p50_ms, p95_ms, failing)


async def _read(db: Database, query: Callable[[AsyncConnection, _Ask], Awaitable[T]], ask: _Ask) -> T:
    async with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # asyncpg prepares statements; after five runs PostgreSQL may switch to a generic plan that
            # cannot see how narrow the window is, and the on-time count became ten times slower with it.
            await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        return await query(connection, ask)


def _raise_first(*outcomes: object) -> None:
    """Raise the first error among ``outcomes``, a programming error before a database failure."""
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if errors:
        raise next((error for error in errors if not isinstance(error, DATABASE_ERRORS)), errors[0])


def _describe(error: BaseException, timeout: timedelta) -> str:
    """A short account of why the database did not answer (the driver's own words, first line only)."""
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout.total_seconds():g}s"
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(original).strip().splitlines()
    text = f"{type(original).__name__}: {lines[0]}" if lines else type(original).__name__
    return text if len(text) <= 200 else text[:199] + "…"
