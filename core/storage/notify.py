"""Telling the other replicas that something changed: PostgreSQL NOTIFY on the ``schedops`` channel.

Payloads: ``job:<id>`` (a job was added, changed or removed), ``jobs`` (many, e.g. an import), ``run:<id>``
(a run request waits for the leader). Best effort: every replica also polls, so a lost notification only
delays. On SQLite (one process) there is nobody to tell and this does nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from core.storage.database import Database
from core.storage.leader_lock import CHANNEL

log = logging.getLogger(__name__)


async def notify(db: Database, payload: str) -> None:
    if db.dialect != "postgresql":
        return
    try:
        async with db.engine.connect() as connection:
            await connection.execute(
                text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
            )
            await connection.commit()
    except Exception as error:  # the poll catches up; a notification is never worth failing the change for
        log.warning(
            "could not notify the other replicas (%s); they will see it at their next poll", type(error).__name__
        )
