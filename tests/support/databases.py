"""Real databases for tests: a SQLite file per test, and a PostgreSQL database per test session.

The schema is migrated once per session, not once per test: each SQLite test gets a copy of a migrated template
file, and the PostgreSQL database is emptied between tests. Tests of the migrations themselves ask for
an empty database instead (``empty_db``) and migrate it for real.

PostgreSQL is used when reachable (TEST_POSTGRES_URL, default the local server); otherwise those
cases are skipped with the reason. Set TEST_REQUIRE_POSTGRES=1 to turn that skip into a failure.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

from core.storage.database import Database, head_revision
from core.storage.tables import Base

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

T = TypeVar("T")


def postgres_reachable() -> bool:
    url = make_url(ADMIN_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=0.5):
            return True
    except OSError:
        return False


def _in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    # A thread of its own: session fixtures may be set up while a test's event loop is running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _connect(url: str) -> Any:
    import asyncpg

    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password, database=parsed.database
    )


async def _execute(url: str, statement: str) -> None:
    connection = await _connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.close()


# -- SQLite --


@cache
def _sqlite_template() -> Path:
    """One migrated SQLite file per test process, removed when the process exits."""
    directory = Path(tempfile.mkdtemp(prefix="schedops-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    template = directory / "template.db"
    _in_own_loop(_migrate(f"sqlite+aiosqlite:///{template}"))
    # Closing the last connection checkpoints the WAL into the file; a leftover -wal would not be copied.
    assert not template.with_name("template.db-wal").exists(), "the template's WAL was not checkpointed"
    return template


def migrated_sqlite(path: Path) -> str:
    """A SQLite file at `path` holding the newest schema and no rows; returns its URL."""
    shutil.copyfile(_sqlite_template(), path)
    return f"sqlite+aiosqlite:///{path}"


# -- PostgreSQL --


def create_test_database() -> str:
    """Create and migrate a uniquely named database for this test session; returns its async URL."""
    name = f"schedops_test_{uuid.uuid4().hex[:12]}"
    _in_own_loop(_execute(ADMIN_URL, f'CREATE DATABASE "{name}"'))
    # A throwaway database need not wait for each commit to reach the disk: on a busy machine that wait (a WAL
    # flush per commit) was most of a PostgreSQL test's time. What a commit makes visible is unchanged.
    _in_own_loop(_execute(ADMIN_URL, f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    _in_own_loop(_migrate(url))
    return url


def drop_test_database(url: str) -> None:
    name = make_url(url).database
    _in_own_loop(_execute(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def reset_schema(url: str) -> None:
    """An empty public schema, for a test that migrates from nothing."""
    await _execute(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


async def empty_tables(url: str) -> None:
    """Every table emptied and every id sequence restarted, as after a fresh migration.

    DELETE rather than TRUNCATE: on the few rows a test leaves it takes milliseconds, where TRUNCATE makes every
    table a new file. A schema that is not at the newest revision (a migration test that stopped half-way) is
    rebuilt instead.
    """
    connection = await _connect(url)
    try:
        current = await connection.fetchval(
            "SELECT max(version_num) FROM alembic_version"
            if await connection.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
            else "SELECT NULL"
        )
        if current == head_revision():
            sequences = await connection.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            await connection.execute(
                "; ".join(
                    [f'DELETE FROM public."{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
                    + [f'ALTER SEQUENCE public."{row["sequencename"]}" RESTART' for row in sequences]
                )
            )
            return
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    await _migrate(url)


# -- either --


async def migrated_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A migrated, empty database on ``backend`` ("sqlite" or "postgres"), for the caller to close; PostgreSQL
    through the session's ``postgres_url`` fixture."""
    if backend == "sqlite":
        url = migrated_sqlite(tmp_path / "schedops.db")
    else:
        url = request.getfixturevalue("postgres_url")
        await empty_tables(url)
    database = Database(url)
    await database.migrate()  # already at the newest revision: one query, and proof of it
    return database
