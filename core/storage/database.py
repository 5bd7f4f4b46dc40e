"""Connecting, migrating and closing the database. SQLite runs in WAL mode; PostgreSQL through asyncpg."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core.storage.database_url import DatabaseUnavailable, connect_problem, sqlite_directory_problem, url_problem

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration's revision, so a reader can check the schema without loading Alembic (a test keeps
# it equal to Alembic's head).
_MIGRATION_KEY = 0x5C4ED096
SCHEMA_REVISION = "0014_workers_broker_lost"


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be used for now (out of reach, a cut connection, locked,
    failing over, no connection free in the pool) rather than that it refused a statement: worth trying again.
    The drivers' socket errors and timeouts can reach the caller unwrapped."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError))


def database_error_name(error: BaseException) -> str:
    """``OperationalError (ConnectionRefusedError)``: SQLAlchemy's error and the driver's beneath it. What a log
    line may say of a database error: its text can quote statements."""
    original = getattr(error, "orig", None)
    return f"{type(error).__name__} ({type(original).__name__})" if original is not None else type(error).__name__


class DatabaseURLError(ValueError):
    """A DATABASE_URL that is not an async SQLAlchemy URL schedops supports."""


def check_url(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        raise DatabaseURLError(problem)
    return url


# A transaction left open by a process that stopped between two statements (SIGSTOP, a paused VM, a stalled
# event loop) keeps its row locks until the server ends it, and a new leader's fires wait on the old leader's
# job rows meanwhile: in a bench/chaos.py run, a leader frozen for 15 s in the middle of a fire held them all
# that time, and the new leader fired nothing until it resumed. PostgreSQL ends such a session after this long;
# a new leader takes over after about 4 s (core.storage.leader_lock), and schedops' own transactions never
# pause between statements for anything like it.
IDLE_IN_TRANSACTION = timedelta(seconds=5)


class Database:
    """One engine and its session factory. ``migrate()`` brings the schema to the newest revision."""

    def __init__(
        self, url: str, *, idle_in_transaction: timedelta = IDLE_IN_TRANSACTION, **engine_options: Any
    ) -> None:
        self.url = check_url(url)
        if url.startswith("postgresql"):
            connect_args = engine_options.setdefault("connect_args", {})
            settings = connect_args.setdefault("server_settings", {})
            settings.setdefault(
                "idle_in_transaction_session_timeout", str(int(idle_in_transaction.total_seconds() * 1000))
            )
        # An error's text never quotes the values of its statement (a run's output, a job's settings): it can
        # reach a log line, where no secret may.
        engine_options.setdefault("hide_parameters", True)
        self.engine: AsyncEngine = create_async_engine(url, **engine_options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.session: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Apply every pending Alembic revision (a no-op on an up-to-date database)."""
        async with self.engine.begin() as connection:
            if self.dialect == "postgresql":  # replicas starting together migrate one after the other
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_KEY})
            before, after = await connection.run_sync(_upgrade)
        if before != after:
            log.info("database schema migrated from %s to %s", before or "empty", after)

    async def revision(self) -> str | None:
        """The schema revision the database is at (None for a database schedops never migrated)."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(_current_revision)

    async def verify(self) -> None:
        """Connect once; raises DatabaseUnavailable with one line saying what is wrong and what to do."""
        # A SQLite file in a missing directory is refused before connecting: aiosqlite's worker thread reports
        # a failed open to the event loop later, and at exit that surfaced as a traceback instead of one line.
        missing = sqlite_directory_problem(self.url) if self.dialect == "sqlite" else None
        if missing is not None:
            raise DatabaseUnavailable(missing)
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            raise DatabaseUnavailable(connect_problem(error, self.url)) from None

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    # Alembic is imported only to migrate: read-only CLI commands start faster without it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str | None:
    """The newest revision shipped; the scripts are read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _upgrade(connection: Connection) -> tuple[str | None, str | None]:
    before = _current_revision(connection)
    if before == SCHEMA_REVISION:
        # Up to date: a query, without importing Alembic (with Mako and Pygments, a tenth of a CLI command's
        # start-up) or reading its scripts.
        return before, before
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
    return before, _current_revision(connection)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the bot read while the engine writes; busy_timeout waits out a writer instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
