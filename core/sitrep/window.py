"""Counts over the time window, read from ix_runs_status_created_at_duration_ms_trigger_lateness_ms.

That index leads with status, and every status is listed, so a window is one range of created_at per status:
runs are counted by status without a sort. Counts and on-time figures come from the index alone, but for a
few rows SQLite looks up (a run later than the smallest grace, for its job; a scheduled run that never
started, for its fire time: PostgreSQL's index carries both). Duration percentiles: core.sitrep.percentiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.runs import RunStatus, RunTrigger
from core.storage.tables import RunRow

STATUS_VALUES = [status.value for status in RunStatus]
_MS = timedelta(milliseconds=1)


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


def in_window(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Runs created in [start, end], as one range of the window index per status."""
    return and_(RunRow.status.in_(STATUS_VALUES), RunRow.created_at >= start, RunRow.created_at <= end)


def _grace_ms(graces: Mapping[str, timedelta], default: timedelta) -> ColumnElement[Any]:
    """Each run's misfire grace: one IN list per distinct grace (a lookup, not a walk through every job)."""
    by_grace: dict[int, list[str]] = {}
    for job_id, grace in sorted(graces.items()):
        by_grace.setdefault(grace // _MS, []).append(job_id)
    default_ms = literal(default // _MS)
    if not by_grace:
        return default_ms
    return case(*((RunRow.job_id.in_(job_ids), grace) for grace, job_ids in by_grace.items()), else_=default_ms)


async def window_counts(
    connection: AsyncConnection,
    start: datetime,
    end: datetime,
    *,
    graces: Mapping[str, timedelta],
    default_grace: timedelta,
) -> tuple[StatusCounts, OnTimeCounts]:
    """Runs created in [start, end] by status, and their on-time figures: schedule-triggered runs (overlap
    skips left out), how many of them started within their job's grace (``graces``, else ``default_grace``)
    and how many were missed. One pass over the window."""
    # lateness_ms is set exactly for the schedule-triggered runs that started (RunStore.add). Of the others,
    # only the few scheduled runs that never started (missed, skipped) are looked up for their scheduled_at.
    unstarted = and_(
        RunRow.lateness_ms.is_(None), RunRow.trigger == RunTrigger.SCHEDULE.value, RunRow.scheduled_at.is_not(None)
    )
    # Only a run later than every grace needs its job's: the lookup stays off all the others.
    smallest = min([default_grace, *graces.values()]) // _MS
    late = and_(RunRow.lateness_ms > smallest, RunRow.lateness_ms > _grace_ms(graces, default_grace))
    query = (
        select(
            RunRow.status,
            func.count().label("runs"),
            func.count(RunRow.duration_ms).label("timed"),
            func.count(RunRow.lateness_ms).label("started"),
            func.count().filter(unstarted).label("unstarted"),
            func.count().filter(late).label("late"),
        )
        .where(in_window(start, end))
        .group_by(RunRow.status)
    )
    rows = (await connection.execute(query)).all()
    by_status = dict.fromkeys(RunStatus, 0) | {RunStatus(row.status): int(row.runs) for row in rows}
    statuses = StatusCounts(by_status=by_status, timed=sum(int(row.timed) for row in rows))
    return statuses, _on_time(rows)


def _on_time(rows: Sequence[Any]) -> OnTimeCounts:
    counted = [row for row in rows if row.status != RunStatus.SKIPPED.value]
    return OnTimeCounts(
        scheduled=sum(int(row.started) + int(row.unstarted) for row in counted),
        on_time=sum(int(row.started) - int(row.late) for row in counted),
        missed=sum(int(row.started) + int(row.unstarted) for row in counted if row.status == RunStatus.MISSED.value),
    )


async def missed_by_job(connection: AsyncConnection, start: datetime, end: datetime) -> dict[str, int]:
    query = (
        select(RunRow.job_id, func.count())
        .where(RunRow.status == RunStatus.MISSED.value, RunRow.created_at >= start, RunRow.created_at <= end)
        .group_by(RunRow.job_id)
    )
    return {job_id: int(count) for job_id, count in await connection.execute(query)}
