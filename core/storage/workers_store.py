"""The workers registry: one row per `schedops worker` process (by its Celery hostname), its queues and a
heartbeat, for the sitrep and the leader's queue check. When a worker counts as online: core.execution.workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from core.execution.workers import WORKER_FORGOTTEN_AFTER, WORKER_ONLINE_WITHIN, is_online
from core.storage.database import Database
from core.storage.tables import WorkerRow

# The most workers a sitrep lists: the most recently heard from.
WORKERS_LISTED = 50


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    name: str
    host: str
    pid: int
    queues: tuple[str, ...]
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None = None
    # Since when its broker connection has been down; None while it is connected.
    broker_lost_at: datetime | None = None

    def online(self, now: datetime) -> bool:
        return is_online(self.heartbeat_at, self.stopped_at, self.broker_lost_at, now=now)


class WorkerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, info: WorkerInfo) -> None:
        """Record a starting worker; a worker restarted under the same name takes over its row."""
        row = WorkerRow(
            name=info.name[:200],
            host=info.host[:255],
            pid=info.pid,
            queues=list(info.queues),
            concurrency=info.concurrency,
            started_at=info.started_at,
            heartbeat_at=info.heartbeat_at,
            stopped_at=None,
            broker_lost_at=info.broker_lost_at,
        )
        async with self._db.session.begin() as session:
            await session.merge(row)

    async def beat(self, name: str, *, now: datetime, broker_lost_at: datetime | None) -> bool:
        """The worker is alive, and connected to its broker unless ``broker_lost_at`` says since when it is not
        (every beat states it, so a beat that failed is made good by the next). False when its row is gone
        (forgotten while the worker was cut off from the database: register again)."""
        async with self._db.session.begin() as session:
            result = await session.execute(
                update(WorkerRow)
                .where(WorkerRow.name == name)
                .values(heartbeat_at=now, stopped_at=None, broker_lost_at=broker_lost_at)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def stopped(self, name: str, *, now: datetime) -> None:
        """A clean shutdown: the worker is offline from ``now``, without waiting for its beats to age."""
        async with self._db.session.begin() as session:
            await session.execute(update(WorkerRow).where(WorkerRow.name == name).values(stopped_at=now))

    async def view(self, *, now: datetime, limit: int = WORKERS_LISTED) -> list[WorkerInfo]:
        """The workers heard from most recently (at most ``limit``), online or not; forgets rows silent for a
        day. Served by ix_workers_heartbeat_at."""
        async with self._db.session.begin() as session:
            await session.execute(delete(WorkerRow).where(WorkerRow.heartbeat_at < now - WORKER_FORGOTTEN_AFTER))
            query = select(WorkerRow).order_by(WorkerRow.heartbeat_at.desc()).limit(limit)
            return [_info(row) for row in await session.scalars(query)]

    async def served_queues(self, *, now: datetime) -> set[str]:
        """The queues at least one online worker consumes (core.execution.workers.is_online, as a query)."""
        query = select(WorkerRow.queues).where(
            WorkerRow.heartbeat_at >= now - WORKER_ONLINE_WITHIN,
            WorkerRow.stopped_at.is_(None),
            WorkerRow.broker_lost_at.is_(None),
        )
        async with self._db.session() as session:
            return {str(queue) for queues in await session.scalars(query) for queue in queues or ()}


def _info(row: WorkerRow) -> WorkerInfo:
    queues = tuple(str(queue) for queue in row.queues or ())
    return WorkerInfo(
        row.name,
        row.host,
        row.pid,
        queues,
        row.concurrency,
        row.started_at,
        row.heartbeat_at,
        row.stopped_at,
        row.broker_lost_at,
    )
