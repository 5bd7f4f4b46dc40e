"""Aggregates over the time window, all of them ranges of an index on ``created_at``.

Counts and duration percentiles are read from ix_runs_created_at_status_duration_ms alone; the on-time
count is the one pass that needs table rows (trigger, scheduled and start times). Percentiles are
nearest-rank: PostgreSQL's percentile_disc, and on SQLite one bounded sort.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, extract, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.runs import RunStatus, RunTrigger
from core.storage.tables import RunRow


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


async def missed_by_job(connection: AsyncConnection, start: datetime, end: datetime) -> dict[str, int]:
    query = (
        select(RunRow.job_id, func.count())
        .where(_in_window(start, end), RunRow.status == RunStatus.MISSED.value)
        .group_by(RunRow.job_id)
    )
    return {job_id: int(count) for job_id, count in await connection.execute(query)}
