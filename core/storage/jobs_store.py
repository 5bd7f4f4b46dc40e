"""Persistence of job definitions and their runtime state (paused, next run time)."""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Row, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import audit_row
from core.jobs.changes import describe_change, door_of, spec_changes
from core.jobs.spec import JobSpec, job_to_data, parse_stored_job
from core.jobs.state import JobState, job_state
from core.jobs.triggers import check_schedulable
from core.storage.database import Database
from core.storage.tables import AuditRow, JobRow

JobSource = Literal["file", "api"]
_JOBS = cast(Table, JobRow.__table__)


class JobLookupError(LookupError):
    """No job has that id."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A job definition together with its runtime state."""

    spec: JobSpec
    paused: bool
    paused_by: str | None
    paused_at: datetime | None
    source: JobSource
    file_hash: str | None
    next_run_time: datetime | None
    created_at: datetime
    updated_at: datetime
    updated_by: str | None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def enabled(self) -> bool:
        return self.spec.enabled

    @property
    def state(self) -> JobState:
        return job_state(enabled=self.spec.enabled, paused=self.paused)

    @property
    def active(self) -> bool:
        """Whether the scheduler should fire it: enabled and not paused."""
        return self.spec.enabled and not self.paused


def spec_hash(spec: JobSpec) -> str:
    """A stable fingerprint of a definition, to tell whether the jobs file changed it."""
    canonical = json.dumps(job_to_data(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(row: JobRow | Row[Any], spec: JobSpec | None = None) -> StoredJob:
    """``row`` as a StoredJob; ``spec``, when given, is its definition already parsed."""
    return StoredJob(
        spec=parse_stored_job(row.spec) if spec is None else spec,
        paused=row.paused,
        paused_by=row.paused_by,
        paused_at=row.paused_at,
        source="file" if row.source == "file" else "api",
        file_hash=row.file_hash,
        next_run_time=row.next_run_time,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _audit(now: datetime, actor: str | None, action: str, job_id: str, detail: str) -> AuditRow:
    return audit_row(at=now, actor=actor, action=action, target=f"job:{job_id}", detail=detail)


class JobStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, job_id: str) -> StoredJob | None:
        async with self._db.session() as session:
            row = await session.get(JobRow, job_id)
            return None if row is None else _stored(row)

    async def get_many(
        self, job_ids: builtins.list[str], *, known: Mapping[str, StoredJob] | None = None
    ) -> dict[str, StoredJob]:
        """The jobs among ``job_ids`` that exist, by id, in one query (the fires of one instant). A job in
        ``known`` whose row was not changed since (the same ``updated_at``: every change of a definition or
        of its paused state moves it) keeps that parsed definition: validating a thousand definitions at
        every burst would cost more than recording the burst."""
        if not job_ids:
            return {}
        known = known or {}
        async with self._db.session() as session:
            rows = (await session.execute(select(_JOBS).where(_JOBS.c.id.in_(job_ids)))).all()
        jobs = {}
        for row in rows:
            previous = known.get(row.id)
            jobs[row.id] = _stored(row, previous.spec if previous and previous.updated_at == row.updated_at else None)
        return jobs

    async def require(self, job_id: str) -> StoredJob:
        job = await self.get(job_id)
        if job is None:
            raise JobLookupError(job_id)
        return job

    async def list(self) -> list[StoredJob]:
        async with self._db.session() as session:
            rows = await session.scalars(select(JobRow).order_by(JobRow.id))
            return [_stored(row) for row in rows]

    async def fingerprint(self) -> tuple[int, datetime | None]:
        """A cheap summary that moves whenever a job is added, changed, paused or removed: how many jobs
        there are, and when the newest change was (one indexed-free aggregate over a small table)."""
        async with self._db.session() as session:
            count, newest = (await session.execute(select(func.count(), func.max(JobRow.updated_at)))).one()
            return int(count or 0), newest

    async def stamps(self) -> dict[str, tuple[datetime, datetime | None]]:
        """Each job's last change and persisted next fire time: what another replica polls to follow edits."""
        async with self._db.session() as session:
            rows = (await session.execute(select(JobRow.id, JobRow.updated_at, JobRow.next_run_time))).all()
        return {job_id: (updated_at, next_run_time) for job_id, updated_at, next_run_time in rows}

    async def count(self, *, owner: str | None = None) -> int:
        query = select(func.count()).select_from(JobRow)
        if owner is not None:
            query = query.where(JobRow.owner == owner)
        async with self._db.session() as session:
            return int(await session.scalar(query) or 0)

    async def page(self, number: int, size: int, *, owner: str | None = None) -> builtins.list[StoredJob]:
        """Page ``number`` (from 1) of the jobs in id order, optionally only ``owner``'s: only those rows are
        read and parsed."""
        query = select(JobRow).order_by(JobRow.id).offset((max(number, 1) - 1) * size).limit(size)
        if owner is not None:
            query = query.where(JobRow.owner == owner)
        async with self._db.session() as session:
            return [_stored(row) for row in await session.scalars(query)]

    async def save(
        self,
        spec: JobSpec,
        *,
        now: datetime,
        actor: str | None,
        source: JobSource,
        file_hash: str | None = None,
        create_only: bool = False,
        via: str | None = None,
    ) -> StoredJob:
        """Create or replace the definition; pause state and history are kept. A changed schedule (or a
        job enabled or disabled) forgets the stored next run time, so the engine works it out anew rather
        than catching up on fire times of a schedule that no longer applies. ``create_only`` makes an
        existing id an IntegrityError.

        The change is audited in the same transaction, with a diff and the door it came through (``via``;
        by default the one ``actor`` names: cli, api, slack). A definition without a representable first fire
        time raises UnschedulableJobError and nothing is stored."""
        async with self._db.session.begin() as session:
            check_schedulable(spec, now)
            row = None if create_only else await session.get(JobRow, spec.id, with_for_update=True)
            before = None if row is None else parse_stored_job(row.spec)
            if row is None:
                row = JobRow(id=spec.id, paused=False, created_at=now, source=source)
                session.add(row)
            elif row.spec.get("schedule") != job_to_data(spec).get("schedule") or row.enabled != spec.enabled:
                row.next_run_time = None
            row.kind = spec.kind
            row.spec = job_to_data(spec)
            row.enabled = spec.enabled
            row.owner = spec.owner
            row.source = source
            row.file_hash = file_hash if source == "file" else None
            row.updated_at = now
            row.updated_by = actor
            changes = spec_changes(before, spec)
            if before is None or changes:
                action = "job.add" if before is None else "job.update"
                session.add(_audit(now, actor, action, spec.id, describe_change(via or door_of(actor), changes)))
        return _stored(row)

    async def delete(self, job_id: str, *, actor: str | None = None, now: datetime | None = None) -> bool:
        async with self._db.session.begin() as session:
            row = await session.get(JobRow, job_id, with_for_update=True)
            if row is None:
                return False
            changes = spec_changes(parse_stored_job(row.spec), None)
            await session.delete(row)
            if now is not None:
                session.add(_audit(now, actor, "job.remove", job_id, describe_change(door_of(actor), changes)))
            return True

    async def set_paused(self, job_id: str, paused: bool, *, actor: str | None, now: datetime) -> StoredJob:
        async with self._db.session.begin() as session:
            row = await session.get(JobRow, job_id, with_for_update=True)
            if row is None:
                raise JobLookupError(job_id)
            change = f"paused: {row.paused!r} -> {paused!r}"
            row.paused = paused
            row.paused_by = actor if paused else None
            row.paused_at = now if paused else None
            row.updated_at = now
            row.updated_by = actor
            action = "job.pause" if paused else "job.resume"
            session.add(_audit(now, actor, action, job_id, describe_change(door_of(actor), [change])))
        return _stored(row)

    async def set_next_run_time(self, job_id: str, when: datetime | None) -> None:
        async with self._db.session.begin() as session:
            await session.execute(update(JobRow).where(JobRow.id == job_id).values(next_run_time=when))


async def advance_jobs(session: AsyncSession, next_fires: Mapping[str, datetime | None]) -> None:
    """Persist, in the caller's transaction, where each fired job goes next: RunStore.add_many writes it with
    the fires' rows. A job removed meanwhile is left out (a Core executemany, not the ORM's bulk update, which
    would fail the whole batch for it)."""
    if next_fires:
        await session.execute(
            update(_JOBS).where(_JOBS.c.id == bindparam("fired_id")),
            [{"fired_id": job_id, "next_run_time": when} for job_id, when in next_fires.items()],
        )
