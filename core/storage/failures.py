"""Failing jobs and failure streaks, defined once: the sitrep, fix-it planning and RunStore all read them here.

A job is failing when its latest outcome (a run in ``OUTCOME_STATUSES``: skipped and missed runs are not
outcomes) is a failure; its streak counts its failures since its last success. Every question about runs is
correlated on the job and seeks ix_runs_job_id_id (job_id, id) from the newest end, so the cost grows with
the number of jobs and the length of their current streaks, never with history; whether a failing job has a
run in progress is a probe among the runs in progress, which are few.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnExpressionArgument,
    ScalarSelect,
    Select,
    bindparam,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from core.runs import FAILURE_VALUES, OUTCOME_VALUES, ErrorClass, RunRecord, RunStatus
from core.storage.tables import JOB_NAME, JobRow, RunRow

_RUNS = RunRow.__table__
# A job id given as a value, or the job column a subquery correlates on.
_JobKey: TypeAlias = str | ColumnExpressionArgument[str]
_SUCCEEDED = (RunStatus.SUCCEEDED.value,)
_SUMMARY = ("id", "job_id", "status", "error_class", "error_message", "finished_at")


@dataclass(frozen=True, slots=True)
class FailingJobRecord:
    """A job whose latest outcome failed, with what the sitrep and fix-it need to know about it."""

    job_id: str
    name: str | None
    enabled: bool
    paused: bool
    paused_by: str | None
    # Its latest outcome: failed, timed out or interrupted (the whole run: failing_jobs_with_runs).
    run_id: int
    status: RunStatus
    error_class: ErrorClass | None
    error_message: str | None
    failed_at: datetime | None
    last_succeeded_at: datetime | None
    streak: int  # failures since the last success, the latest run included
    running: bool  # a run of the job is in progress

    @property
    def title(self) -> str:
        return self.name or self.job_id


async def failing_jobs(
    connection: AsyncConnection, *, since: datetime | None = None, job_ids: Iterable[str] | None = None
) -> list[FailingJobRecord]:
    """Existing jobs (of ``job_ids``, if given) whose latest outcome failed (and was created at or after
    ``since``, if given), ordered by job id."""
    return [_failing_job(row) for row in await _read(connection, since, job_ids, whole_run=False)]


async def failing_jobs_with_runs(
    connection: AsyncConnection, *, since: datetime | None = None, job_ids: Iterable[str] | None = None
) -> list[tuple[FailingJobRecord, RunRecord]]:
    """The same jobs as ``failing_jobs``, each with the whole of its failed run, in the same one query."""
    # Imported here: RunStore counts streaks with this module, and runs_store owns the row-to-record mapping.
    from core.storage.runs_store import to_record

    rows = await _read(connection, since, job_ids, whole_run=True)
    return [(_failing_job(row), to_record(row)) for row in rows]


async def _read(
    connection: AsyncConnection, since: datetime | None, job_ids: Iterable[str] | None, *, whole_run: bool
) -> Sequence[Any]:
    wanted = None if job_ids is None else list(job_ids)
    query = _failing_jobs_query(since is not None, wanted is not None, whole_run)
    given = {name: value for name, value in (("since", since), ("job_ids", wanted)) if value is not None}
    rows: Sequence[Any] = (await connection.execute(query, given)).all()
    return rows


async def failure_streak(connection: AsyncConnection, job_id: str) -> int:
    """Failed, timed-out or interrupted runs of the job since its last success (0 when its latest outcome
    succeeded or it never failed): two seeks of ix_runs_job_id_id and a count of the streak's rows."""
    return int(await connection.scalar(_streak_query(), {"job_id": job_id}) or 0)


@functools.cache
def _streak_query() -> Select[int]:
    # Built once, the job bound at execution: building it (aliases of the runs table) cost more than running it.
    job_id = bindparam("job_id", type_=RunRow.job_id.type)
    return _streak(job_id, _latest_id(job_id, _SUCCEEDED))


def _latest_id(job_id: _JobKey, statuses: tuple[str, ...]) -> ScalarSelect[int]:
    runs = _RUNS.alias()
    # One status as an equality: an IN list is expanded anew at every execution.
    matches = runs.c.status == statuses[0] if len(statuses) == 1 else runs.c.status.in_(statuses)
    return select(func.max(runs.c.id)).where(runs.c.job_id == job_id, matches).scalar_subquery()


def _streak(job_id: _JobKey, success_id: ColumnExpressionArgument[int]) -> Select[int]:
    runs = _RUNS.alias()
    return (
        select(func.count())
        .select_from(runs)
        .where(runs.c.job_id == job_id, runs.c.status.in_(FAILURE_VALUES), runs.c.id > func.coalesce(success_id, 0))
    )


@functools.cache
def _failing_jobs_query(with_since: bool, with_job_ids: bool, whole_run: bool) -> Select[Any]:
    # Built once per shape, its values bound at execution, for the same reason (the sitrep's query took about
    # 6 ms to build).
    jobs = select(
        JobRow.id.label("job_id"),
        JOB_NAME.label("name"),
        JobRow.enabled,
        JobRow.paused,
        JobRow.paused_by,
        _latest_id(JobRow.id, OUTCOME_VALUES).label("last_id"),
        _latest_id(JobRow.id, _SUCCEEDED).label("ok_id"),
    )
    if with_job_ids:
        jobs = jobs.where(JobRow.id.in_(bindparam("job_ids", expanding=True)))
    marks = jobs.cte("marks")
    last, ok, live = _RUNS.alias("last"), _RUNS.alias("ok"), _RUNS.alias("live")
    # A literal, not a bound parameter, so the planner knows it reads runs in progress only (SQLite takes that
    # range of the status index; ix_runs_running serves it too), never the job's history.
    running = exists().where(live.c.job_id == marks.c.job_id, live.c.status == literal_column("'running'"))
    # The failed run's columns under their own names; only those the sitrep shows unless the whole run is asked
    # for (converting the rest cost the sitrep about 1 ms).
    run_columns = list(last.c) if whole_run else [last.c[name] for name in _SUMMARY]
    query = (
        select(
            *run_columns,
            marks.c.name.label("job_name"),
            marks.c.enabled.label("job_enabled"),
            marks.c.paused.label("job_paused"),
            marks.c.paused_by.label("job_paused_by"),
            ok.c.finished_at.label("succeeded_at"),
            _streak(marks.c.job_id, marks.c.ok_id).scalar_subquery().label("streak"),
            running.label("job_running"),
        )
        .select_from(marks)
        .join(last, last.c.id == marks.c.last_id)
        .outerjoin(ok, ok.c.id == marks.c.ok_id)
        .where(last.c.status.in_(FAILURE_VALUES))
        .order_by(marks.c.job_id)
    )
    return query.where(last.c.created_at >= bindparam("since")) if with_since else query


def _failing_job(row: Any) -> FailingJobRecord:
    return FailingJobRecord(
        job_id=row.job_id,
        name=row.job_name,
        enabled=bool(row.job_enabled),
        paused=bool(row.job_paused),
        paused_by=row.job_paused_by,
        run_id=row.id,
        status=RunStatus(row.status),
        error_class=ErrorClass(row.error_class) if row.error_class else None,
        error_message=row.error_message,
        failed_at=row.finished_at,
        last_succeeded_at=row.succeeded_at,
        streak=int(row.streak),
        running=bool(row.job_running),
    )
