"""Failure alerts as an outbox: each change is recorded before it is sent to the chat system, so an alert
that could not be delivered (the chat service down) is still owed and is sent later, never lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from core.storage.database import Database
from core.storage.tables import AlertRow


@dataclass(frozen=True, slots=True)
class Alert:
    job_id: str
    channel_id: str
    message_ts: str | None  # None: not delivered yet
    run_id: int  # the failed run it shows
    failures: int
    recovered_run_id: int | None  # set: the recovery is still to be shown
    recovered_after: int | None

    @property
    def owed(self) -> bool:
        """Whether something about this alert still has to be delivered."""
        return self.message_ts is None or self.recovered_run_id is not None


def _alert(row: AlertRow) -> Alert:
    return Alert(
        job_id=row.job_id,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        run_id=row.last_run_id or row.first_run_id,
        failures=row.failures,
        recovered_run_id=row.recovered_run_id,
        recovered_after=row.recovered_after,
    )


_OPEN = AlertRow.resolved_at.is_(None)


class AlertStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_for(self, job_id: str) -> Alert | None:
        async with self._db.session() as session:
            row = await session.get(AlertRow, job_id)
            return None if row is None or row.resolved_at is not None else _alert(row)

    async def owed(self) -> list[Alert]:
        """Open alerts with something still to deliver (a first post, or a recovery)."""
        query = select(AlertRow).where(
            _OPEN, or_(AlertRow.message_ts.is_(None), AlertRow.recovered_run_id.is_not(None))
        )
        async with self._db.session() as session:
            return [_alert(row) for row in await session.scalars(query)]

    async def record_failure(self, job_id: str, *, channel_id: str, run_id: int, now: datetime) -> Alert:
        """Open an alert for the job (replacing a resolved one), or count one more failure on the open one."""
        async with self._db.session.begin() as session:
            row = await session.get(AlertRow, job_id, with_for_update=True)
            if row is None or row.resolved_at is not None:
                if row is None:
                    row = AlertRow(job_id=job_id)
                    session.add(row)
                row.channel_id, row.message_ts, row.first_run_id, row.failures = channel_id, None, run_id, 1
                row.opened_at, row.resolved_at = now, None
            else:
                row.failures += 1
            row.last_run_id, row.recovered_run_id, row.recovered_after = run_id, None, None
        return _alert(row)

    async def record_recovery(self, job_id: str, *, run_id: int, failures: int) -> Alert | None:
        """Note that the job succeeded again; None when it had no open alert."""
        async with self._db.session.begin() as session:
            row = await session.get(AlertRow, job_id, with_for_update=True)
            if row is None or row.resolved_at is not None:
                return None
            row.recovered_run_id, row.recovered_after = run_id, failures
        return _alert(row)

    async def delivered(self, job_id: str, *, message_ts: str) -> None:
        async with self._db.session.begin() as session:
            await session.execute(update(AlertRow).where(AlertRow.job_id == job_id).values(message_ts=message_ts))

    async def resolve(self, job_id: str, *, now: datetime) -> bool:
        """Close the job's alert (recovery shown, or given up on); False when it was not open."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(AlertRow).where(AlertRow.job_id == job_id, _OPEN).values(resolved_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
