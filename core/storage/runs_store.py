"""Run history: a row is written before a job starts and completed when it ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, func, literal_column, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.execution.workers import QueueWait
from core.executors.progress import ProgressReport
from core.runs import ErrorClass, ExecutionResult, RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.failures import failure_streak
from core.storage.jobs_store import advance_jobs
from core.storage.tables import JobRow, RunRow

_PURGE_BATCH = 5000
_MS = timedelta(milliseconds=1)
# Every status but running, as a list: the index that leads with status can serve a list, not a negation.
_FINISHED = [status.value for status in RunStatus if status.is_finished]
# A literal, not a bound parameter: only then can SQLite prove the partial index ix_runs_running applies.
_RUNNING = RunRow.status == literal_column("'running'")
# Spelled as the partial index ix_runs_unannounced's predicate, so SQLite's planner matches it.
_UNANNOUNCED = text("NOT runs.announced")
_SCHEDULED = RunRow.trigger == literal_column("'schedule'")


class FireTakenError(RuntimeError):
    """This (job, fire time) already has its row: another process that believed it led recorded it first
    (the unique index ux_runs_schedule_fire is the fence)."""

    def __init__(self, job_id: str, scheduled_at: datetime | None) -> None:
        when = scheduled_at.isoformat() if scheduled_at else "?"
        super().__init__(f"the fire of {job_id} at {when} is already recorded by another replica")
        self.job_id = job_id
        self.scheduled_at = scheduled_at


class RunLookupError(LookupError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"no run with id {run_id}")
        self.run_id = run_id


@dataclass(frozen=True, slots=True)
class DispatchState:
    status: RunStatus
    claimed_by: str | None
    cancel_requested_by: str | None
    heartbeat_at: datetime | None


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


async def waiting_by_queue(connection: AsyncConnection, *, older_than: datetime) -> list[QueueWait]:
    """Per queue, the runs sent to it and still unclaimed that were recorded before ``older_than`` (see
    core.execution.workers): one grouped read of the running runs, through the partial index
    ix_runs_running."""
    query = (
        select(RunRow.queue, func.count(), func.min(RunRow.created_at))
        .where(_RUNNING, RunRow.claimed_by.is_(None), RunRow.queue.is_not(None), RunRow.created_at < older_than)
        .group_by(RunRow.queue)
        .order_by(RunRow.queue)
    )
    rows = (await connection.execute(query)).all()
    return [QueueWait(str(queue), int(count), _aware(since)) for queue, count, since in rows]


_RUNS = cast(Table, RunRow.__table__)


def _insert_new_fires(dialect: str) -> Any:
    """INSERT into runs that skips a (job, fire time) already recorded, on either backend."""
    build = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The table, not the mapped class: a Core insert skips the ORM's bulk-insert bookkeeping.
    return build(_RUNS).on_conflict_do_nothing(
        index_elements=["job_id", "scheduled_at"], index_where=text("\"trigger\" = 'schedule'")
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
    queue: str | None = None  # the Celery queue it is sent to; None: carried out by the leader itself

    def values(self, now: datetime) -> dict[str, Any]:
        running = self.status is RunStatus.RUNNING
        started_at = now if running else None
        return {
            "job_id": self.job_id,
            "trigger": self.trigger.value,
            "attempt": self.attempt,
            "status": self.status.value,
            "created_at": now,
            "scheduled_at": self.scheduled_at,
            "started_at": started_at,
            "lateness_ms": lateness_ms(self.trigger, self.scheduled_at, started_at),
            "finished_at": None if running else now,
            "requested_by": self.requested_by,
            "retry_of": self.retry_of,
            "fixit_plan_id": self.fixit_plan_id,
            "error_message": self.error_message,
            "queue": self.queue,
            # A run sent to a worker is announced by whoever claims its announcement (claim_announcement).
            "announced": self.queue is None,
        }

    def recorded(self, run_id: int, values: dict[str, Any]) -> RunRecord:
        """This run as inserted under ``run_id`` with ``values`` (what ``self.values(now)`` gave): built
        directly, as a thousand ORM objects would cost a burst more than its INSERT."""
        return RunRecord(
            id=run_id,
            job_id=self.job_id,
            trigger=self.trigger,
            attempt=self.attempt,
            status=self.status,
            created_at=values["created_at"],
            scheduled_at=self.scheduled_at,
            started_at=values["started_at"],
            finished_at=values["finished_at"],
            requested_by=self.requested_by,
            retry_of=self.retry_of,
            fixit_plan_id=self.fixit_plan_id,
            error_message=self.error_message,
        )


_NEW_RUN_COLUMNS = tuple(NewRun("", RunTrigger.MANUAL, RunStatus.RUNNING).values(datetime.min).keys())


class RunStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db

    async def add_many(
        self, runs: Sequence[NewRun], *, now: datetime, advancing: Mapping[str, datetime | None] | None = None
    ) -> list[RunRecord | None]:
        """Record ``runs`` in one transaction (the fires of one instant), answering in their order. A
        scheduled run whose (job, fire time) already has its row (another process that believed it led
        recorded it: the unique index ux_runs_schedule_fire) is not recorded, and its answer is None.

        ``advancing`` (job id -> its next fire time) is persisted in the same transaction: a leader stopped
        between the two would leave a fire its jobs had moved past with no row, lost to any catch-up."""
        if not runs and not advancing:
            return []
        values = [run.values(now) for run in runs]
        # One bulk INSERT ... ON CONFLICT DO NOTHING RETURNING (batched by SQLAlchemy), not the unit of work:
        # several times cheaper per row, which a thousand fires at once need. Only the rows inserted come
        # back, in no guaranteed order (asking for one makes SQLite insert row by row), so ids are matched
        # back by the values; rows equal in every value are interchangeable, and those left unmatched lost
        # the conflict.
        columns = [_RUNS.c[column] for column in _NEW_RUN_COLUMNS]
        statement = _insert_new_fires(self._db.dialect).returning(_RUNS.c.id, *columns)
        async with self._db.session.begin() as session:
            await advance_jobs(session, advancing or {})
            inserted = (await session.execute(statement, values)).all() if values else []
        ids: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for run_id, *stored in inserted:
            ids[tuple(stored)].append(run_id)
        records: list[RunRecord | None] = []
        for run, given in zip(runs, values, strict=True):
            matched = ids.get(tuple(given.values()))
            records.append(run.recorded(matched.pop(), given) if matched else None)
        if sum(record is not None for record in records) != len(inserted):
            raise RuntimeError("recorded runs could not be matched back to their rows")  # never silently
        return records

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
        queue: str | None = None,
    ) -> RunRecord:
        """Record a run: ``running`` before the job starts, or an already-final ``skipped``/``missed``;
        ``queue`` names the Celery queue a run is sent to (None: carried out by the leader itself)."""
        running = status is RunStatus.RUNNING
        started_at = now if running else None
        row = RunRow(
            job_id=job_id,
            trigger=trigger.value,
            attempt=attempt,
            status=status.value,
            created_at=now,
            scheduled_at=scheduled_at,
            started_at=started_at,
            lateness_ms=lateness_ms(trigger, scheduled_at, started_at),
            finished_at=None if running else now,
            requested_by=requested_by,
            retry_of=retry_of,
            fixit_plan_id=fixit_plan_id,
            error_message=error_message,
            queue=queue,
            announced=queue is None,
        )
        try:
            async with self._db.session.begin() as session:
                session.add(row)
        except IntegrityError:
            if trigger is not RunTrigger.SCHEDULE:
                raise
            raise FireTakenError(job_id, scheduled_at) from None
        return to_record(row)

    async def add_missed(
        self,
        job_id: str,
        fire_times: Iterable[datetime],
        *,
        now: datetime,
        message: str = "missed while schedops was not running",
    ) -> int:
        """Record fire times as missed; one that already has its row (another replica ran or recorded it) is
        left as it is. Returns how many were recorded."""
        rows = [
            {
                "job_id": job_id,
                "trigger": RunTrigger.SCHEDULE.value,
                "attempt": 1,
                "status": RunStatus.MISSED.value,
                "created_at": now,
                "scheduled_at": when,
                "error_message": message,
            }
            for when in fire_times
        ]
        if not rows:
            return 0
        async with self._db.session.begin() as session:
            result = await session.execute(_insert_new_fires(self._db.dialect).values(rows))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def last_fires(self) -> dict[str, datetime]:
        """Each job's latest recorded fire time (ran, skipped or missed): one seek of ux_runs_schedule_fire
        per job, never a scan of history."""
        latest = (
            select(func.max(RunRow.scheduled_at))
            .where(RunRow.job_id == JobRow.id, _SCHEDULED)
            .correlate(JobRow)
            .scalar_subquery()
        )
        async with self._db.session() as session:
            rows = (await session.execute(select(JobRow.id, latest))).all()
        return {job_id: when for job_id, when in rows if when is not None}

    async def withdraw(self, run_id: int, *, now: datetime, message: str) -> None:
        """Turn a run recorded as running, but never started, into a missed fire with ``message``."""
        await self.withdraw_many([run_id], now=now, message=message)

    async def withdraw_many(self, run_ids: Sequence[int], *, now: datetime, message: str) -> None:
        """``withdraw`` for many runs in one transaction."""
        if not run_ids:
            return
        async with self._db.session.begin() as session:
            await session.execute(
                update(RunRow)
                .where(RunRow.id.in_(run_ids))
                .values(
                    status=RunStatus.MISSED.value,
                    started_at=None,
                    lateness_ms=None,
                    finished_at=now,
                    error_message=message,
                )
            )

    async def running_counts(self, job_ids: Iterable[str]) -> dict[str, int]:
        """``running_count`` for several jobs in one query (jobs with none are left out)."""
        wanted = sorted(set(job_ids))
        if not wanted:
            return {}
        query = select(RunRow.job_id, func.count()).where(_RUNNING, RunRow.job_id.in_(wanted)).group_by(RunRow.job_id)
        async with self._db.session() as session:
            return {job_id: int(count) for job_id, count in (await session.execute(query)).all()}

    async def running_count(self, job_id: str) -> int:
        """Runs of ``job_id`` in progress in any process (served by the partial index ix_runs_running)."""
        query = select(func.count()).where(_RUNNING, RunRow.job_id == job_id)
        async with self._db.session() as session:
            return int(await session.scalar(query) or 0)

    async def finish(
        self, run_id: int, outcome: ExecutionResult, *, now: datetime, claimed_by: str | None = None
    ) -> RunRecord:
        """Write the run's end. With ``claimed_by`` (a worker), only while the run is still running under that
        worker's claim: a run the leader already ended (its worker thought lost) keeps the leader's ending."""
        async with self._db.session.begin() as session:
            row = await session.get(RunRow, run_id, with_for_update=True)
            if row is None:
                raise RunLookupError(run_id)
            if claimed_by is not None and (row.status != RunStatus.RUNNING.value or row.claimed_by != claimed_by):
                return to_record(row)
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

    async def claim(self, run_id: int, *, worker: str, now: datetime | None = None) -> bool:
        """Take a dispatched run for ``worker``: True for exactly one caller, and only while the run is still
        running and unclaimed (a redelivered message, or a run the leader already ended, gets False)."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(RunRow)
                .where(RunRow.id == run_id, _RUNNING, RunRow.claimed_by.is_(None))
                .values(claimed_by=worker[:200], heartbeat_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def request_cancel(self, run_id: int, *, actor: str) -> bool:
        """Ask whoever executes the running ``run_id`` to stop it; False when it is not running (or was
        already asked)."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(RunRow)
                .where(RunRow.id == run_id, _RUNNING, RunRow.cancel_requested_by.is_(None))
                .values(cancel_requested_by=actor[:64])
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_requested(self, run_id: int) -> str | None:
        """Who asked to cancel ``run_id`` while it runs, or None."""
        query = select(RunRow.cancel_requested_by).where(RunRow.id == run_id, _RUNNING)
        async with self._db.session() as session:
            return await session.scalar(query)

    async def beat(self, run_id: int, *, now: datetime, progress: ProgressReport | None = None) -> bool:
        """The claimed run's worker is alive (written by the worker while it executes the run), with its job's
        newest progress when there is some; False when the run is no longer running (the leader ended it)."""
        values: dict[str, Any] = {"heartbeat_at": now}
        if progress is not None:
            values.update(progress=progress.fraction, progress_text=progress.text)
        async with self._db.session.begin() as session:
            result = await session.execute(update(RunRow).where(RunRow.id == run_id, _RUNNING).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def save_progress(self, run_id: int, progress: ProgressReport) -> None:
        """What the running run's job last reported (a run already ended keeps what it had)."""
        async with self._db.session.begin() as session:
            await session.execute(
                update(RunRow)
                .where(RunRow.id == run_id, _RUNNING)
                .values(progress=progress.fraction, progress_text=progress.text)
            )

    async def waiting_by_queue(self, *, older_than: datetime) -> list[QueueWait]:
        async with self._db.engine.connect() as connection:
            return await waiting_by_queue(connection, older_than=older_than)

    async def claim_announcement(self, run_id: int) -> bool:
        """Take the announcement of a dispatched run's end (one conditional UPDATE): True for the one caller
        that is to announce it, False when someone already has."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(RunRow).where(RunRow.id == run_id, _UNANNOUNCED).values(announced=True)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def unannounced(self) -> list[RunRecord]:
        """Runs that ended on a worker and whose end nobody announced (no leader followed them), oldest first:
        a seek of the partial index ix_runs_unannounced."""
        return await self._select(
            select(RunRow).where(_UNANNOUNCED, RunRow.status != RunStatus.RUNNING.value).order_by(RunRow.id)
        )

    async def cancelled_by(self, run_id: int) -> str | None:
        """Who cancelled ``run_id``, if it ended interrupted on a cancel request; else None."""
        query = select(RunRow.cancel_requested_by).where(
            RunRow.id == run_id, RunRow.status == RunStatus.INTERRUPTED.value
        )
        async with self._db.session() as session:
            return (await session.execute(query)).scalar_one_or_none()

    async def dispatch_state(self, run_id: int) -> DispatchState:
        """What the leader follows about a dispatched run, in one read."""
        query = select(RunRow.status, RunRow.claimed_by, RunRow.cancel_requested_by, RunRow.heartbeat_at).where(
            RunRow.id == run_id
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).one_or_none()
        if row is None:
            raise RunLookupError(run_id)
        return DispatchState(RunStatus(row.status), row.claimed_by, row.cancel_requested_by, row.heartbeat_at)

    async def interrupt_if_silent(self, run_id: int, *, since: datetime, now: datetime, message: str) -> bool:
        """Mark a claimed run interrupted (transient: retried per the job's policy) if its worker has not
        beaten since ``since``; conditional, so a beat that arrives first keeps the run."""
        async with self._db.session.begin() as session:
            row = await session.get(RunRow, run_id, with_for_update=True)
            if row is None or row.status != RunStatus.RUNNING.value or row.claimed_by is None:
                return False
            if row.heartbeat_at is not None and _aware(row.heartbeat_at) >= since:
                return False
            row.status = RunStatus.INTERRUPTED.value
            row.finished_at = now
            row.error_class = ErrorClass.TRANSIENT.value
            row.error_message = message
            if row.started_at is not None:
                row.duration_ms = int((now - _aware(row.started_at)).total_seconds() * 1000)
        return True

    async def claimed(self, run_id: int) -> str | None:
        async with self._db.session() as session:
            return await session.scalar(select(RunRow.claimed_by).where(RunRow.id == run_id))

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
        """Failed, timed-out or interrupted runs since the job last succeeded, as core.storage.failures counts."""
        async with self._db.session() as session:
            return await failure_streak(await session.connection(), job_id)

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
