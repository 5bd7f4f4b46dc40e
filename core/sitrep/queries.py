"""The sitrep's per-job and live questions: index seeks, never a walk through all history.

Per-job questions seek ix_runs_job_id_id from each job; running runs come from the partial index
ix_runs_running; pending approvals from ix_approvals_status_expires_at; the newest runs from the primary
key. Window aggregates are in core.sitrep.window; failing jobs and failure streaks in core.storage.failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.runs import OUTCOME_VALUES, RunStatus
from core.sitrep.catalogue import NAME, TIMEOUT
from core.sitrep.health import PendingApproval
from core.storage.tables import ApprovalRow, JobRow, RunRow

_PENDING_APPROVALS_LIMIT = 200
AnyRow: TypeAlias = Row[*tuple[Any, ...]]

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
    """Runs in progress, oldest first, from the partial index ix_runs_running, with the worker executing
    each (if any) and its job's progress.

    SQLite uses that index only when it can prove ``status = 'running'``, so the status is a literal rather
    than a parameter; and with no statistics it would rather walk the table in id order than sort, so the
    few rows are sorted here.
    """
    running = RunRow.status == literal_column(f"'{RunStatus.RUNNING.value}'")
    live = (RunRow.claimed_by, RunRow.progress, RunRow.progress_text)
    query = _with_job(select(*_SUMMARY_COLUMNS, *live)).where(running)
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
