"""Stalled-queue alerts as an outbox, one row per queue: the leader's check opens an episode and closes it
(each by a conditional write, so an episode is announced once, whichever replica leads); the Slack side
records where it posted, and what it could not deliver stays owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from core.execution.workers import QueueWait
from core.storage.database import Database
from core.storage.tables import QueueAlertRow


@dataclass(frozen=True, slots=True)
class QueueAlert:
    queue: str
    waiting: int
    waiting_since: datetime
    opened_at: datetime
    served_at: datetime | None  # set: the episode is over
    channel_id: str | None
    message_ts: str | None  # None: not posted


_OPEN = QueueAlertRow.served_at.is_(None)
_UNRESOLVED = QueueAlertRow.resolved_at.is_(None)


class QueueAlertStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, wait: QueueWait, *, now: datetime) -> bool:
        """Start an episode for ``wait.queue``; False when one is already open (its figures are refreshed)."""
        async with self._db.session.begin() as session:
            row = await session.get(QueueAlertRow, wait.queue, with_for_update=True)
            fresh = row is None or row.served_at is not None
            if row is None:
                row = QueueAlertRow(queue=wait.queue)
                session.add(row)
            if fresh:
                row.opened_at, row.served_at, row.resolved_at = now, None, None
                row.channel_id, row.message_ts = None, None
            row.waiting, row.waiting_since = wait.runs, wait.since
        return fresh

    async def serve(self, queue: str, *, now: datetime) -> bool:
        """End the open episode of ``queue``; False when none was open."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(QueueAlertRow).where(QueueAlertRow.queue == queue, _OPEN).values(served_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def open_queues(self) -> set[str]:
        async with self._db.session() as session:
            return set(await session.scalars(select(QueueAlertRow.queue).where(_OPEN)))

    async def get(self, queue: str) -> QueueAlert | None:
        """The queue's episode while something about it may still be shown (None once resolved)."""
        async with self._db.session() as session:
            row = await session.get(QueueAlertRow, queue)
            return None if row is None or row.resolved_at is not None else _alert(row)

    async def owed(self) -> list[QueueAlert]:
        """Episodes with something left to do: a stall not posted yet, or an ended one not yet resolved (its
        recovery to show, or nothing to show when the stall never made it out)."""
        query = select(QueueAlertRow).where(
            _UNRESOLVED,
            or_(
                (QueueAlertRow.served_at.is_(None) & QueueAlertRow.message_ts.is_(None)),
                QueueAlertRow.served_at.is_not(None),
            ),
        )
        async with self._db.session() as session:
            return [_alert(row) for row in await session.scalars(query.order_by(QueueAlertRow.queue))]

    async def posted(self, queue: str, *, opened_at: datetime, channel_id: str, message_ts: str) -> None:
        """The stall of the episode opened at ``opened_at`` is in Slack (a newer episode is left alone)."""
        async with self._db.session.begin() as session:
            await session.execute(
                update(QueueAlertRow)
                .where(QueueAlertRow.queue == queue, QueueAlertRow.opened_at == opened_at)
                .values(channel_id=channel_id, message_ts=message_ts)
            )

    async def resolve(self, queue: str, *, opened_at: datetime, now: datetime) -> None:
        """Nothing more to show for the episode opened at ``opened_at``."""
        async with self._db.session.begin() as session:
            await session.execute(
                update(QueueAlertRow)
                .where(QueueAlertRow.queue == queue, QueueAlertRow.opened_at == opened_at, _UNRESOLVED)
                .values(resolved_at=now)
            )


def _alert(row: QueueAlertRow) -> QueueAlert:
    return QueueAlert(
        row.queue, row.waiting, row.waiting_since, row.opened_at, row.served_at, row.channel_id, row.message_ts
    )
