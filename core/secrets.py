"""Secrets schedops keeps for itself: the action-token signing key when none is configured.

The key must survive restarts (or every button posted before one would stop working), and two processes
starting at once must end up with the same key: the first INSERT wins, every later one does nothing, and
everyone then reads the row that won.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core.config import Settings
from core.storage.database import Database
from core.storage.tables import SecretRow

SIGNING_SECRET = "signing_secret"


def new_secret() -> str:
    """A fresh random secret: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


async def stored_secret(db: Database, name: str, *, now: datetime, generate: Callable[[], str] = new_secret) -> str:
    """The secret called ``name``, created with ``generate()`` if absent. Safe against concurrent callers."""
    insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    statement = (
        insert(SecretRow)
        .values(name=name, value=generate(), created_at=now)
        .on_conflict_do_nothing(index_elements=[SecretRow.name])
    )
    async with db.session.begin() as session:
        await session.execute(statement)
    async with db.session() as session:
        value = await session.scalar(select(SecretRow.value).where(SecretRow.name == name))
    if value is None:  # pragma: no cover - only if the row is deleted between the two statements
        raise RuntimeError(f"the stored secret {name!r} vanished while being read")
    return value


async def signing_secret(db: Database, settings: Settings, *, now: datetime) -> str:
    """SCHEDOPS_SIGNING_SECRET when set; otherwise the generated key kept in the database."""
    if settings.signing_secret is not None:
        return settings.signing_secret.get_secret_value()
    return await stored_secret(db, SIGNING_SECRET, now=now)
