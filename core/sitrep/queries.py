"""The sitrep's SQL: aggregates over indexed ranges, never a walk through all history.

Window filters are on ``created_at`` (ix_runs_created_at_status); per-job questions seek ix_runs_job_id_id
from each job; running runs come from the partial index ix_runs_running; pending approvals from
ix_approvals_status_expires_at. Each function takes a connection, so the caller can run independent ones
side by side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Row, Select, and_, case, extract, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from core.runs import FAILURE_STATUSES, RunStatus, RunTrigger
from core.sitrep.catalogue import NAME, TIMEOUT
from core.sitrep.health import PendingApproval
from core.storage.tables import ApprovalRow, JobRow, RunRow

# Statuses of runs that ran to an end: what success rates and durations are about.
OUTCOMES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.INTERRUPTED)
OUTCOME_VALUES = [status.value for status in OUTCOMES]
FAILURE_VALUES = sorted(status.value for status in FAILURE_STATUSES)
_PENDING_APPROVALS_LIMIT = 200
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class StatusCounts:
    """Runs created in the window by status; ``timed``: how many of them have a duration."""

    by_status: dict[RunStatus, int]
    timed: int


@dataclass(frozen=True, slots=True)
class OnTimeCounts:
    scheduled: int
    on_time: int
    missed: int


def _in_window(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(RunRow.created_at >= start, RunRow.created_at <= end)


def _lateness_ms(dialect: str) -> ColumnElement[Any]:
    """started_at - scheduled_at in whole milliseconds (SQLite's julianday is exact to well under 1 ms)."""
    if dialect == "postgresql":
        return func.round(extract("epoch", RunRow.started_at - RunRow.scheduled_at) * 1000)
    return func.round((func.julianday(RunRow.started_at) - func.julianday(RunRow.scheduled_at)) * 86_400_000.0)


def _grace_ms(graces: Mapping[str, timedelta], default: timedelta) -> ColumnElement[Any]:
    """Each run's misfire grace: one IN list per distinct grace (a lookup, not a walk through every job)."""
    by_grace: dict[int, list[str]] = {}
    for job_id, grace in sorted(graces.items()):
        by_grace.setdefault(round(grace.total_seconds() * 1000), []).append(job_id)
    default_ms = literal(round(default.total_seconds() * 1000))
    if not by_grace:
        return default_ms
    return case(*((RunRow.job_id.in_(job_ids), grace) for grace, job_ids in by_grace.items()), else_=default_ms)


async def status_counts(connection: AsyncConnection, start: datetime, end: datetime) -> StatusCounts:
    """Runs created in [start, end] by status."""
    query = (
        select(RunRow.status, func.count().label("runs"), func.count(RunRow.duration_ms).label("timed"))
        .where(_in_window(start, end))
        .group_by(RunRow.status)
    )
    rows = (await connection.execute(query)).all()
    by_status = dict.fromkeys(RunStatus, 0) | {RunStatus(row.status): int(row.runs) for row in rows}
    return StatusCounts(by_status=by_status, timed=sum(int(row.timed) for row in rows))


async def on_time_counts(
    connection: AsyncConnection,
    start: datetime,
    end: datetime,
    *,
    graces: Mapping[str, timedelta],
    default_grace: timedelta,
) -> OnTimeCounts:
    """Schedule-triggered runs created in [start, end] (overlap skips left out), how many of them started
    within their job's grace (``graces``, else ``default_grace``) and how many were missed."""
    started_in_grace = and_(
        RunRow.started_at.is_not(None),
        _lateness_ms(connection.dialect.name) <= _grace_ms(graces, default_grace),
    )
    query = select(
        func.count(),
        func.sum(case((started_in_grace, 1), else_=0)),
        func.sum(case((RunRow.status == RunStatus.MISSED.value, 1), else_=0)),
    ).where(
        _in_window(start, end),
        RunRow.trigger == RunTrigger.SCHEDULE.value,
        RunRow.scheduled_at.is_not(None),
        RunRow.status != RunStatus.SKIPPED.value,
    )
    scheduled, on_time, missed = (await connection.execute(query)).one()
    return OnTimeCounts(scheduled=int(scheduled), on_time=int(on_time or 0), missed=int(missed or 0))


def nearest_rank(fraction: float, count: int) -> int:
    """The 1-based rank of the ``fraction`` percentile among ``count`` sorted values (PostgreSQL's
    percentile_disc picks the same one)."""
    return min(count, max(1, math.ceil(fraction * count)))


async def duration_percentile(
    connection: AsyncConnection, start: datetime, end: datetime, *, fraction: float, count: int
) -> int | None:
    """The nearest-rank percentile of duration_ms among the ``count`` timed runs created in [start, end].

    PostgreSQL: percentile_disc. SQLite: one bounded sort, ORDER BY ... LIMIT 1 OFFSET k, from whichever
    end is nearer, so the sorter holds at most half the window's rows.
    """
    if count == 0:
        return None
    window = and_(_in_window(start, end), RunRow.duration_ms.is_not(None))
    if connection.dialect.name == "postgresql":
        query = select(func.percentile_disc(fraction).within_group(RunRow.duration_ms)).where(window)
        value = await connection.scalar(query)
        return None if value is None else int(value)
    rank = nearest_rank(fraction, count)
    ascending = rank <= count - rank + 1
    order = RunRow.duration_ms.asc() if ascending else RunRow.duration_ms.desc()
    offset = rank - 1 if ascending else count - rank
    value = await connection.scalar(select(RunRow.duration_ms).where(window).order_by(order).limit(1).offset(offset))
    return None if value is None else int(value)


async def failing_jobs(connection: AsyncConnection) -> Sequence[AnyRow]:
    """Jobs whose latest finished run failed, with the failures since their last success.

    Per job, two index seeks (latest finished run, latest success), then a count from the last success on.
    """
    runs = RunRow.__table__

    def latest(*statuses: RunStatus) -> Any:
        inner = runs.alias()
        return (
            select(func.max(inner.c.id))
            .where(inner.c.job_id == JobRow.id, inner.c.status.in_([status.value for status in statuses]))
            .scalar_subquery()
        )

    marks = select(
        JobRow.id.label("job_id"),
        NAME.label("name"),
        latest(*OUTCOMES).label("last_id"),
        latest(RunStatus.SUCCEEDED).label("ok_id"),
    ).cte("marks")
    last, ok, failure = aliased(RunRow), aliased(RunRow), aliased(RunRow)
    streak = (
        select(func.count())
        .where(
            failure.job_id == marks.c.job_id,
            failure.status.in_(FAILURE_VALUES),
            failure.id > func.coalesce(marks.c.ok_id, 0),
        )
        .scalar_subquery()
    )
    query = (
        select(
            marks.c.job_id,
            marks.c.name,
            last.status,
            last.error_class,
            last.error_message,
            last.finished_at,
            ok.finished_at.label("succeeded_at"),
            streak.label("streak"),
        )
        .join(last, last.id == marks.c.last_id)
        .outerjoin(ok, ok.id == marks.c.ok_id)
        .where(last.status.in_(FAILURE_VALUES))
        .order_by(marks.c.job_id)
    )
    return (await connection.execute(query)).all()


async def missed_by_job(connection: AsyncConnection, start: datetime, end: datetime) -> dict[str, int]:
    query = (
        select(RunRow.job_id, func.count())
        .where(_in_window(start, end), RunRow.status == RunStatus.MISSED.value)
        .group_by(RunRow.job_id)
    )
    return {job_id: int(count) for job_id, count in await connection.execute(query)}


_SUMMARY_COLUMNS = (
    RunRow.id,
    RunRow.job_id,
    RunRow.trigger,
    RunRow.attempt,
    RunRow.status,
    RunRow.created_at,
    RunRow.started_at,
    RunRow.duration_ms,
    RunRow.error_class,
    RunRow.error_message,
    NAME.label("name"),
    TIMEOUT.label("timeout"),
)


def _with_job(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """Runs with their job's name and timeout (a run may outlive its job: an outer join)."""
    return query.select_from(RunRow).outerjoin(JobRow, JobRow.id == RunRow.job_id)


async def running_runs(connection: AsyncConnection, job_id: str | None = None) -> Sequence[AnyRow]:
    """Runs in progress, oldest first, from the partial index ix_runs_running.

    SQLite uses that index only when it can prove ``status = 'running'``, so the status is a literal rather
    than a parameter; and with no statistics it would rather walk the table in id order than sort, so the
    few rows are sorted here.
    """
    running = RunRow.status == literal_column(f"'{RunStatus.RUNNING.value}'")
    query = _with_job(select(*_SUMMARY_COLUMNS)).where(running)
    if job_id is not None:
        query = query.where(RunRow.job_id == job_id)
    rows: list[AnyRow] = list((await connection.execute(query)).all())
    return sorted(rows, key=lambda row: int(row.id))


async def recent_runs(
    connection: AsyncConnection, limit: int, *, job_id: str | None = None, with_output: bool = False
) -> Sequence[AnyRow]:
    """The newest ``limit`` runs (of one job, or all), newest first."""
    columns = (*_SUMMARY_COLUMNS, RunRow.output_tail) if with_output else _SUMMARY_COLUMNS
    query = _with_job(select(*columns)).order_by(RunRow.id.desc()).limit(limit)
    if job_id is not None:
        query = query.where(RunRow.job_id == job_id)
    return (await connection.execute(query)).all()


async def pending_approvals(connection: AsyncConnection) -> list[PendingApproval]:
    query = (
        select(
            ApprovalRow.id,
            ApprovalRow.action,
            ApprovalRow.requested_by,
            ApprovalRow.created_at,
            ApprovalRow.expires_at,
        )
        .where(ApprovalRow.status == "pending")
        .order_by(ApprovalRow.expires_at)
        .limit(_PENDING_APPROVALS_LIMIT)
    )
    return [PendingApproval(*row) for row in await connection.execute(query)]


async def outcome_sample(connection: AsyncConnection, job_id: str, size: int) -> tuple[int, int]:
    """(finished runs, of which succeeded) among the job's latest ``size`` runs that ran to an end."""
    sample = (
        select(RunRow.status)
        .where(RunRow.job_id == job_id, RunRow.status.in_(OUTCOME_VALUES))
        .order_by(RunRow.id.desc())
        .limit(size)
        .subquery()
    )
    succeeded = func.sum(case((sample.c.status == RunStatus.SUCCEEDED.value, 1), else_=0))
    row = (await connection.execute(select(func.count(), succeeded).select_from(sample))).one()
    return int(row[0]), int(row[1] or 0)


async def last_success(connection: AsyncConnection, job_id: str) -> datetime | None:
    query = (
        select(RunRow.finished_at)
        .where(RunRow.job_id == job_id, RunRow.status == RunStatus.SUCCEEDED.value)
        .order_by(RunRow.id.desc())
        .limit(1)
    )
    finished: datetime | None = await connection.scalar(query)
    return finished


async def failure_streak(connection: AsyncConnection, job_id: str) -> int:
    """Failed, timed-out or interrupted runs of the job since its last success (as RunStore counts them)."""
    last_ok = (
        select(func.coalesce(func.max(RunRow.id), 0))
        .where(RunRow.job_id == job_id, RunRow.status == RunStatus.SUCCEEDED.value)
        .scalar_subquery()
    )
    query = select(func.count()).where(RunRow.job_id == job_id, RunRow.status.in_(FAILURE_VALUES), RunRow.id > last_ok)
    return int(await connection.scalar(query) or 0)
