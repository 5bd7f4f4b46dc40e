"""Persistence of job definitions and their runtime state (paused, next run time)."""

from __future__ import annotations

import builtins
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import Table, bindparam, delete, func, select, update

from core.jobs.spec import JobSpec, job_to_data, parse_stored_job
from core.storage.database import Database
from core.storage.tables import JobRow

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
    def active(self) -> bool:
        """Whether the scheduler should fire it: enabled and not paused."""
        return self.spec.enabled and not self.paused


def spec_hash(spec: JobSpec) -> str:
    """A stable fingerprint of a definition, to tell whether the jobs file changed it."""
    canonical = json.dumps(job_to_data(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(row: JobRow) -> StoredJob:
    return StoredJob(
        spec=parse_stored_job(row.spec),
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


class JobStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, job_id: str) -> StoredJob | None:
        async with self._db.session() as session:
            row = await session.get(JobRow, job_id)
            return None if row is None else _stored(row)

    async def require(self, job_id: str) -> StoredJob:
        job = await self.get(job_id)
        if job is None:
            raise JobLookupError(job_id)
        return job

    async def list(self) -> list[StoredJob]:
        async with self._db.session() as session:
            rows = await session.scalars(select(JobRow).order_by(JobRow.id))
            return [_stored(row) for row in rows]

    async def count(self) -> int:
        async with self._db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(JobRow)) or 0)

    async def page(self, number: int, size: int) -> builtins.list[StoredJob]:
        """Page ``number`` (from 1) of the jobs in id order: only those rows are read and parsed."""
        query = select(JobRow).order_by(JobRow.id).offset((max(number, 1) - 1) * size).limit(size)
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
    ) -> StoredJob:
        """Create or replace the definition; pause state and history are kept. A changed schedule (or a
        job enabled or disabled) forgets the stored next run time, so the engine works it out anew rather
        than catching up on fire times of a schedule that no longer applies. ``create_only`` makes an
        existing id an IntegrityError."""
        async with self._db.session.begin() as session:
            row = None if create_only else await session.get(JobRow, spec.id, with_for_update=True)
            if row is None:
                row = JobRow(id=spec.id, paused=False, created_at=now, source=source)
                session.add(row)
            elif row.spec.get("schedule") != job_to_data(spec).get("schedule") or row.enabled != spec.enabled:
                row.next_run_time = None
            row.kind = spec.kind
            row.spec = job_to_data(spec)
            row.enabled = spec.enabled
            row.source = source
            row.file_hash = file_hash if source == "file" else None
            row.updated_at = now
            row.updated_by = actor
        return _stored(row)

    async def delete(self, job_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(delete(JobRow).where(JobRow.id == job_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_paused(self, job_id: str, paused: bool, *, actor: str | None, now: datetime) -> StoredJob:
        async with self._db.session.begin() as session:
            row = await session.get(JobRow, job_id, with_for_update=True)
            if row is None:
                raise JobLookupError(job_id)
            row.paused = paused
            row.paused_by = actor if paused else None
            row.paused_at = now if paused else None
            row.updated_at = now
            row.updated_by = actor
        return _stored(row)

    async def advance(self, next_fires: dict[str, datetime | None]) -> None:
        """Persist where each fired job goes next, in one transaction: the fires of one instant cost one
        commit, not one per job. A job removed meanwhile is left out (a Core executemany, not the ORM's bulk
        update, which would fail the whole batch for it)."""
        async with self._db.session.begin() as session:
            await session.execute(
                update(_JOBS).where(_JOBS.c.id == bindparam("fired_id")),
                [{"fired_id": job_id, "next_run_time": when} for job_id, when in next_fires.items()],
            )

    async def set_next_run_time(self, job_id: str, when: datetime | None) -> None:
        async with self._db.session.begin() as session:
            await session.execute(update(JobRow).where(JobRow.id == job_id).values(next_run_time=when))
