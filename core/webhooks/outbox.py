"""The webhook outbox: each delivery is recorded before it is sent and kept until delivered, retried with
backoff, or given up on after MAX_ATTEMPTS; a restart resumes what is still owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.storage.database import Database
from core.storage.tables import WebhookDeliveryRow

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    url: str
    event: str
    body: str
    attempts: int


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 30s, 1m, 2m, ... (about 1h in all before giving up)."""
    return FIRST_BACKOFF * (1 << (attempts - 1))


class WebhookOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, url: str, event: str, body: str, *, now: datetime) -> int:
        row = WebhookDeliveryRow(url=url, event=event, body=body, created_at=now, attempts=0, next_attempt_at=now)
        async with self._db.session.begin() as session:
            session.add(row)
        return row.id

    async def due(self, *, now: datetime, limit: int = 100) -> list[Delivery]:
        query = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.next_attempt_at.is_not(None), WebhookDeliveryRow.next_attempt_at <= now)
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
            .limit(limit)
        )
        async with self._db.session() as session:
            return [Delivery(r.id, r.url, r.event, r.body, r.attempts) for r in await session.scalars(query)]

    async def delivered(self, delivery: Delivery, *, now: datetime) -> None:
        await self._set(delivery, attempts=delivery.attempts + 1, next_attempt_at=None, delivered_at=now)

    async def failed(self, delivery: Delivery, error: str, *, now: datetime, permanent: bool) -> bool:
        """Record a failed attempt; returns whether another attempt is owed."""
        attempts = delivery.attempts + 1
        retry = not permanent and attempts < MAX_ATTEMPTS
        next_at = now + backoff(attempts) if retry else None
        await self._set(delivery, attempts=attempts, next_attempt_at=next_at, last_error=error[:200])
        return retry

    async def _set(self, delivery: Delivery, **values: object) -> None:
        async with self._db.session.begin() as session:
            await session.execute(
                update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery.id).values(**values)
            )
