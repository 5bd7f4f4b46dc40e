"""Where each job's open failure alert was posted (a channel and message id, whatever the chat system)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from core.storage.database import Database
from core.storage.tables import AlertRow


@dataclass(frozen=True, slots=True)
class OpenAlert:
    job_id: str
    channel_id: str
    message_ts: str
    first_run_id: int
    failures: int
    opened_at: datetime


class AlertStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_for(self, job_id: str) -> OpenAlert | None:
        async with self._db.session() as session:
            row = await session.get(AlertRow, job_id)
            if row is None or row.resolved_at is not None:
                return None
            return OpenAlert(row.job_id, row.channel_id, row.message_ts, row.first_run_id, row.failures, row.opened_at)

    async def open(self, job_id: str, *, channel_id: str, message_ts: str, run_id: int, now: datetime) -> None:
        """Record a new open alert for the job, replacing a resolved one."""
        async with self._db.session.begin() as session:
            row = await session.get(AlertRow, job_id, with_for_update=True)
            if row is None:
                row = AlertRow(job_id=job_id)
                session.add(row)
            row.channel_id, row.message_ts, row.first_run_id = channel_id, message_ts, run_id
            row.failures, row.opened_at, row.resolved_at = 1, now, None

    async def count_failure(self, job_id: str) -> None:
        async with self._db.session.begin() as session:
            await session.execute(
                update(AlertRow).where(AlertRow.job_id == job_id).values(failures=AlertRow.failures + 1)
            )

    async def resolve(self, job_id: str, *, now: datetime) -> bool:
        """Close the job's open alert; False when there was none."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(AlertRow)
                .where(AlertRow.job_id == job_id, AlertRow.resolved_at.is_(None))
                .values(resolved_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
