"""Failing jobs and failure streaks, defined once: the sitrep, fix-it planning and RunStore all read them here.

A job is failing when its latest outcome (a run in ``OUTCOME_STATUSES``: skipped and missed runs are not
outcomes) is a failure; its streak counts its failures since its last success. Every question about runs is
correlated on the job and seeks ix_runs_job_id_id (job_id, id) from the newest end, so the cost grows with
the number of jobs and the length of their current streaks, never with history; whether a failing job has a
run in progress is a probe of the partial index ix_runs_running.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
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

from core.runs import FAILURE_VALUES, OUTCOME_VALUES, RunRecord, RunStatus
from core.storage.runs_store import to_record
from core.storage.tables import JOB_NAME, JobRow, RunRow

_RUNS = RunRow.__table__
# A job id given as a value, or the job column a subquery correlates on.
_JobKey: TypeAlias = str | ColumnExpressionArgument[str]
_SUCCEEDED = (RunStatus.SUCCEEDED.value,)


@dataclass(frozen=True, slots=True)
class FailingJobRecord:
    """A job whose latest outcome failed, with what the sitrep and fix-it need to know about it."""

    job_id: str
    name: str | None
    enabled: bool
    paused: bool
    paused_by: str | None
    last_run: RunRecord  # its latest outcome: failed, timed out or interrupted
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
    wanted = None if job_ids is None else list(job_ids)
    query = _failing_jobs_query(since is not None, wanted is not None)
    parameters: dict[str, Any] = {"since": since, "job_ids": wanted}
    result = await connection.execute(query, {key: value for key, value in parameters.items() if value is not None})
    return [_failing_job(row) for row in result]


async def failure_streak(connection: AsyncConnection, job_id: str) -> int:
    """Failed, timed-out or interrupted runs of the job since its last success (0 when its latest outcome
    succeeded or it never failed)."""
    return int(await connection.scalar(streak_query(job_id)) or 0)


def streak_query(job_id: str) -> Select[int]:
    """The job's failure streak as a query: two seeks of ix_runs_job_id_id and a count of the streak's rows."""
    return select(_streak(job_id, _latest_id(job_id, _SUCCEEDED)))


def _latest_id(job_id: _JobKey, statuses: tuple[str, ...]) -> ScalarSelect[int]:
    runs = _RUNS.alias()
    newest = select(func.max(runs.c.id)).where(runs.c.job_id == job_id, runs.c.status.in_(statuses))
    return newest.scalar_subquery()


def _streak(job_id: _JobKey, success_id: ColumnExpressionArgument[int]) -> ScalarSelect[int]:
    runs = _RUNS.alias()
    failures = select(func.count()).where(
        runs.c.job_id == job_id, runs.c.status.in_(FAILURE_VALUES), runs.c.id > func.coalesce(success_id, 0)
    )
    return failures.scalar_subquery()


@functools.cache
def _failing_jobs_query(with_since: bool, with_job_ids: bool) -> Select[Any]:
    # Built once per shape, its values bound at execution: its aliases of the runs table took longer to build
    # (about 6 ms) than the query takes to run.
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
    # A literal, not a bound parameter: only then can SQLite prove the partial index ix_runs_running applies.
    running = exists().where(live.c.job_id == marks.c.job_id, live.c.status == literal_column("'running'"))
    query = (
        select(
            *last.c,
            marks.c.name.label("job_name"),
            marks.c.enabled.label("job_enabled"),
            marks.c.paused.label("job_paused"),
            marks.c.paused_by.label("job_paused_by"),
            ok.c.finished_at.label("succeeded_at"),
            _streak(marks.c.job_id, marks.c.ok_id).label("streak"),
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
    # The row carries every column of the runs table under its own name, which is all to_record reads.
    return FailingJobRecord(
        job_id=row.job_id,
        name=row.job_name,
        enabled=bool(row.job_enabled),
        paused=bool(row.job_paused),
        paused_by=row.job_paused_by,
        last_run=to_record(row),
        last_succeeded_at=row.succeeded_at,
        streak=int(row.streak),
        running=bool(row.job_running),
    )
