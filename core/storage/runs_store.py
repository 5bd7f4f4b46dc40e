"""Run history: a row is written before a job starts and completed when it ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal_column, select, update

from core.runs import FAILURE_STATUSES, ErrorClass, ExecutionResult, RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.tables import RunRow

_PURGE_BATCH = 5000
_MS = timedelta(milliseconds=1)
# Every status but running, as a list: the index that leads with status can serve a list, not a negation.
_FINISHED = [status.value for status in RunStatus if status.is_finished]
# A literal, not a bound parameter: only then can SQLite prove the partial index ix_runs_running applies.
_RUNNING = RunRow.status == literal_column("'running'")


class RunLookupError(LookupError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"no run with id {run_id}")
        self.run_id = run_id


def lateness_ms(trigger: str, scheduled_at: datetime | None, started_at: datetime | None) -> int | None:
    """How long after its fire time a schedule-triggered run started, in milliseconds rounded up, so that
    ``lateness_ms <= g`` exactly when it started within a grace of ``g`` whole milliseconds. None for any
    other run: another trigger, or one that never started."""
    if trigger != RunTrigger.SCHEDULE or scheduled_at is None or started_at is None:
        return None
    return -((scheduled_at - started_at) // _MS)


def to_record(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        job_id=row.job_id,
        trigger=RunTrigger(row.trigger),
        attempt=row.attempt,
        status=RunStatus(row.status),
        created_at=row.created_at,
        scheduled_at=row.scheduled_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        requested_by=row.requested_by,
        retry_of=row.retry_of,
        fixit_plan_id=row.fixit_plan_id,
        exit_code=row.exit_code,
        http_status=row.http_status,
        error_class=ErrorClass(row.error_class) if row.error_class else None,
        error_message=row.error_message,
        output_tail=row.output_tail,
        result=row.result,
        retry_at=row.retry_at,
    )


@dataclass(frozen=True, slots=True)
class NewRun:
    """A run about to be recorded: ``running`` before its job starts, or an already-final ``skipped``."""

    job_id: str
    trigger: RunTrigger
    status: RunStatus
    scheduled_at: datetime | None = None
    attempt: int = 1
    requested_by: str | None = None
    retry_of: int | None = None
    fixit_plan_id: str | None = None
    error_message: str | None = None

    def row(self, now: datetime) -> RunRow:
        running = self.status is RunStatus.RUNNING
        started_at = now if running else None
        return RunRow(
            job_id=self.job_id,
            trigger=self.trigger.value,
            attempt=self.attempt,
            status=self.status.value,
            created_at=now,
            scheduled_at=self.scheduled_at,
            started_at=started_at,
            lateness_ms=lateness_ms(self.trigger, self.scheduled_at, started_at),
            finished_at=None if running else now,
            requested_by=self.requested_by,
            retry_of=self.retry_of,
            fixit_plan_id=self.fixit_plan_id,
            error_message=self.error_message,
        )


_INSERTED = (
    "job_id",
    "trigger",
    "attempt",
    "status",
    "created_at",
    "scheduled_at",
    "started_at",
    "lateness_ms",
    "finished_at",
    "requested_by",
    "retry_of",
    "fixit_plan_id",
    "error_message",
)


class RunStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_many(self, runs: Sequence[NewRun], *, now: datetime) -> list[RunRecord]:
        """Record ``runs`` in one transaction (the fires of one instant), in order."""
        rows = [run.row(now) for run in runs]
        values = [{column: getattr(row, column) for column in _INSERTED} for row in rows]
        # One bulk INSERT ... RETURNING (batched by SQLAlchemy), not the unit of work: several times cheaper
        # per row, which a thousand fires at once need. RETURNING order is not guaranteed (and asking for it
        # makes SQLite insert row by row), so ids are matched back by the values; rows equal in every value
        # are interchangeable.
        columns = [getattr(RunRow, column) for column in _INSERTED]
        statement = insert(RunRow).returning(RunRow.id, *columns)
        async with self._db.session.begin() as session:
            inserted = (await session.execute(statement, values)).all()
        ids: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for run_id, *stored in inserted:
            ids[tuple(stored)].append(run_id)
        for row, given in zip(rows, values, strict=True):
            row.id = ids[tuple(given.values())].pop()
        return [to_record(row) for row in rows]

    async def add(
        self,
        job_id: str,
        *,
        trigger: RunTrigger,
        status: RunStatus,
        now: datetime,
        scheduled_at: datetime | None = None,
        attempt: int = 1,
        requested_by: str | None = None,
        retry_of: int | None = None,
        fixit_plan_id: str | None = None,
        error_message: str | None = None,
    ) -> RunRecord:
        """Record a run: ``running`` before the job starts, or an already-final ``skipped``/``missed``."""
        new = NewRun(
            job_id,
            trigger,
            status,
            scheduled_at=scheduled_at,
            attempt=attempt,
            requested_by=requested_by,
            retry_of=retry_of,
            fixit_plan_id=fixit_plan_id,
            error_message=error_message,
        )
        return (await self.add_many([new], now=now))[0]

    async def add_missed(
        self,
        job_id: str,
        fire_times: Iterable[datetime],
        *,
        now: datetime,
        message: str = "missed while schedops was not running",
    ) -> int:
        rows = [
            RunRow(
                job_id=job_id,
                trigger=RunTrigger.SCHEDULE.value,
                attempt=1,
                status=RunStatus.MISSED.value,
                created_at=now,
                scheduled_at=when,
                error_message=message,
            )
            for when in fire_times
        ]
        if rows:
            async with self._db.session.begin() as session:
                session.add_all(rows)
        return len(rows)

    async def finish(self, run_id: int, outcome: ExecutionResult, *, now: datetime) -> RunRecord:
        async with self._db.session.begin() as session:
            row = await session.get(RunRow, run_id, with_for_update=True)
            if row is None:
                raise RunLookupError(run_id)
            row.status = outcome.status.value
            row.finished_at = now
            if row.started_at is not None:
                row.duration_ms = int((now - row.started_at).total_seconds() * 1000)
            row.exit_code = outcome.exit_code
            row.http_status = outcome.http_status
            row.error_class = outcome.error_class.value if outcome.error_class else None
            row.error_message = outcome.error_message
            row.output_tail = outcome.output_tail
            row.result = outcome.result
        return to_record(row)

    async def set_retry_at(self, run_id: int, when: datetime | None) -> None:
        async with self._db.session.begin() as session:
            await session.execute(update(RunRow).where(RunRow.id == run_id).values(retry_at=when))

    async def claim_retry(self, run_id: int) -> bool:
        """Take the retry owed for ``run_id``; False when it was already taken (or never owed)."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(RunRow).where(RunRow.id == run_id, RunRow.retry_at.is_not(None)).values(retry_at=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def owed_retries(self) -> list[RunRecord]:
        return await self._select(select(RunRow).where(RunRow.retry_at.is_not(None)).order_by(RunRow.retry_at))

    async def interrupt_running(
        self, *, now: datetime, message: str, ids: Iterable[int] | None = None
    ) -> list[RunRecord]:
        """Mark running rows (all, or those in ``ids``) as interrupted; returns what changed."""
        query = select(RunRow).where(_RUNNING)
        if ids is not None:
            query = query.where(RunRow.id.in_(list(ids)))
        async with self._db.session.begin() as session:
            rows = list(await session.scalars(query.with_for_update()))
            for row in rows:
                row.status = RunStatus.INTERRUPTED.value
                row.finished_at = now
                row.error_class = ErrorClass.TRANSIENT.value
                row.error_message = message
                if row.started_at is not None:
                    row.duration_ms = int((now - row.started_at).total_seconds() * 1000)
        return [to_record(row) for row in rows]

    async def get(self, run_id: int) -> RunRecord:
        async with self._db.session() as session:
            row = await session.get(RunRow, run_id)
            if row is None:
                raise RunLookupError(run_id)
            return to_record(row)

    async def recent(self, job_id: str, limit: int = 20) -> list[RunRecord]:
        """The job's runs, newest first (served by ix_runs_job_id_id)."""
        query = select(RunRow).where(RunRow.job_id == job_id).order_by(RunRow.id.desc()).limit(limit)
        return await self._select(query)

    async def running(self) -> list[RunRecord]:
        return await self._select(select(RunRow).where(_RUNNING))

    async def consecutive_failures(self, job_id: str) -> int:
        """Failed, timed-out or interrupted runs since the job last succeeded."""
        last_success = (
            select(func.coalesce(func.max(RunRow.id), 0))
            .where(RunRow.job_id == job_id, RunRow.status == RunStatus.SUCCEEDED.value)
            .scalar_subquery()
        )
        query = select(func.count()).where(
            RunRow.job_id == job_id,
            RunRow.status.in_([status.value for status in FAILURE_STATUSES]),
            RunRow.id > last_success,
        )
        async with self._db.session() as session:
            return int(await session.scalar(query) or 0)

    async def purge(self, *, older_than: datetime) -> int:
        """Delete finished runs created before ``older_than``, in batches so writers are never blocked long."""
        total = 0
        while True:
            batch = (
                select(RunRow.id)
                .where(RunRow.status.in_(_FINISHED), RunRow.created_at < older_than)
                .limit(_PURGE_BATCH)
            )
            async with self._db.session.begin() as session:
                ids = list(await session.scalars(batch))
                if not ids:
                    return total
                await session.execute(delete(RunRow).where(RunRow.id.in_(ids)))
            total += len(ids)

    async def _select(self, query: Any) -> list[RunRecord]:
        async with self._db.session() as session:
            return [to_record(row) for row in await session.scalars(query)]
