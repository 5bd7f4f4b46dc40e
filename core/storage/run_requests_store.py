"""Runs asked for on a standby, carried out by the leader: recorded, claimed once, answered with the run id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core.runs import RunTrigger
from core.storage.database import Database
from core.storage.tables import RunRequestRow

_CLAIM_BATCH = 50


@dataclass(frozen=True, slots=True)
class RunRequestRecord:
    id: int
    job_id: str
    trigger: RunTrigger
    requested_by: str | None
    fixit_plan_id: str | None
    run_id: int | None
    error: str | None
    claimed: bool


class RunRequestStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, job_id: str, *, trigger: RunTrigger, requested_by: str | None, fixit_plan_id: str | None, now: datetime
    ) -> int:
        row = RunRequestRow(
            job_id=job_id,
            trigger=trigger.value,
            requested_by=requested_by,
            fixit_plan_id=fixit_plan_id,
            created_at=now,
        )
        async with self._db.session.begin() as session:
            session.add(row)
        return row.id

    async def claim(self, *, now: datetime) -> list[RunRequestRecord]:
        """Take unclaimed requests, oldest first; a request is claimed by one conditional UPDATE, so by one
        process only (the leader, or a requester withdrawing it)."""
        async with self._db.session.begin() as session:
            waiting = select(RunRequestRow.id).where(RunRequestRow.claimed_at.is_(None))
            ids = list(await session.scalars(waiting.order_by(RunRequestRow.id).limit(_CLAIM_BATCH)))
            if not ids:
                return []
            claimed = await session.scalars(
                update(RunRequestRow)
                .where(RunRequestRow.id.in_(ids), RunRequestRow.claimed_at.is_(None))
                .values(claimed_at=now)
                .returning(RunRequestRow)
            )
            return [_record(row) for row in claimed]

    async def withdraw(self, request_id: int, *, now: datetime, why: str) -> bool:
        """Take back a request nobody claimed; False when the leader claimed it first."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(RunRequestRow)
                .where(RunRequestRow.id == request_id, RunRequestRow.claimed_at.is_(None))
                .values(claimed_at=now, error=why)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def answer(self, request_id: int, *, run_id: int | None, error: str | None = None) -> None:
        async with self._db.session.begin() as session:
            await session.execute(
                update(RunRequestRow).where(RunRequestRow.id == request_id).values(run_id=run_id, error=error)
            )

    async def get(self, request_id: int) -> RunRequestRecord | None:
        async with self._db.session() as session:
            row = await session.get(RunRequestRow, request_id, populate_existing=True)
            return None if row is None else _record(row)


def _record(row: RunRequestRow) -> RunRequestRecord:
    return RunRequestRecord(
        id=row.id,
        job_id=row.job_id,
        trigger=RunTrigger(row.trigger),
        requested_by=row.requested_by,
        fixit_plan_id=row.fixit_plan_id,
        run_id=row.run_id,
        error=row.error,
        claimed=row.claimed_at is not None,
    )
