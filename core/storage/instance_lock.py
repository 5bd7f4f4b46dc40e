"""One scheduler per database. Two schedops processes on one database would fire every job twice and mark
each other's runs interrupted, so the second refuses to start.

PostgreSQL: a session advisory lock held on a connection of its own for the life of the process (released
by the server if the process dies). SQLite: an exclusive flock on ``<database>.lock`` beside the file
(released by the kernel if the process dies)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from core.storage.database import Database

# Any constant works; it only has to be the same for every schedops on a PostgreSQL server.
ADVISORY_KEY = 0x5C4ED095


class InstanceLockedError(RuntimeError):
    """Another schedops already schedules jobs from this database."""


class InstanceLock:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._connection: AsyncConnection | None = None
        self._file: IO[str] | None = None

    async def acquire(self) -> None:
        if self._db.dialect == "postgresql":
            await self._acquire_advisory()
        else:
            self._acquire_file()

    async def release(self) -> None:
        if self._connection is not None:
            # The pool keeps the server session alive, so unlock explicitly (a dead process's session ends).
            await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            await self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    async def _acquire_advisory(self) -> None:
        # Autocommit: holding the lock must not also hold a transaction (and its snapshot) open for days.
        connection = await (await self._db.engine.connect()).execution_options(isolation_level="AUTOCOMMIT")
        got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        if not got:
            await connection.close()
            raise InstanceLockedError("another schedops is already running against this PostgreSQL database")
        self._connection = connection

    def _acquire_file(self) -> None:
        database = make_url(self._db.url).database
        if not database or database == ":memory:":
            return  # a private in-memory database cannot be shared
        path = Path(f"{database}.lock")
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise InstanceLockedError(
                f"another schedops ({holder}) is already running against {database}: SQLite allows one schedops "
                "process; for replicas use PostgreSQL (see README, Deployment)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._file = handle
