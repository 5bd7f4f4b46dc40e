"""The replicas registry: one row per running schedops process, its role and a heartbeat, for the sitrep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from core.storage.database import Database
from core.storage.tables import ReplicaRow


@dataclass(frozen=True, slots=True)
class ReplicaInfo:
    id: str
    host: str
    pid: int
    role: str
    role_since: datetime
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class ClusterView:
    """Replicas heard from recently, and when any replica last led (None: none ever did)."""

    replicas: list[ReplicaInfo]
    last_led_at: datetime | None


class ReplicaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, info: ReplicaInfo) -> None:
        async with self._db.session.begin() as session:
            session.add(
                ReplicaRow(
                    id=info.id,
                    host=info.host,
                    pid=info.pid,
                    role=info.role,
                    role_since=info.role_since,
                    started_at=info.started_at,
                    heartbeat_at=info.heartbeat_at,
                )
            )

    async def beat(self, replica_id: str, *, role: str, role_since: datetime, now: datetime) -> None:
        """Record that the replica is alive in ``role``; a leader's beat also records that someone led now."""
        values: dict[str, object] = {"role": role, "role_since": role_since, "heartbeat_at": now}
        if role == "leader":
            values["led_at"] = now
        async with self._db.session.begin() as session:
            await session.execute(update(ReplicaRow).where(ReplicaRow.id == replica_id).values(**values))

    async def leave(self, replica_id: str) -> None:
        async with self._db.session.begin() as session:
            await session.execute(delete(ReplicaRow).where(ReplicaRow.id == replica_id))

    async def view(self, *, now: datetime, alive_within: timedelta) -> ClusterView:
        """Replicas whose last heartbeat is within ``alive_within``; forgets rows silent for a day."""
        async with self._db.session.begin() as session:
            await session.execute(delete(ReplicaRow).where(ReplicaRow.heartbeat_at < now - timedelta(days=1)))
            rows = await session.scalars(
                select(ReplicaRow).where(ReplicaRow.heartbeat_at >= now - alive_within).order_by(ReplicaRow.started_at)
            )
            replicas = [_info(row) for row in rows]
            last_led = await session.scalar(select(func.max(ReplicaRow.led_at)))
        return ClusterView(replicas, last_led)

    async def others_alive(self, replica_id: str, *, now: datetime, alive_within: timedelta) -> int:
        query = select(func.count()).where(ReplicaRow.id != replica_id, ReplicaRow.heartbeat_at >= now - alive_within)
        async with self._db.session() as session:
            return int(await session.scalar(query) or 0)


def _info(row: ReplicaRow) -> ReplicaInfo:
    return ReplicaInfo(row.id, row.host, row.pid, row.role, row.role_since, row.started_at, row.heartbeat_at)
