"""Real databases for tests: a SQLite file per test, and a PostgreSQL database per test session.

PostgreSQL is used when reachable (SCHEDOPS_TEST_POSTGRES_URL, default the local server); otherwise those
cases are skipped with the reason. Set SCHEDOPS_REQUIRE_POSTGRES=1 to turn that skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("SCHEDOPS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def postgres_reachable() -> bool:
    url = make_url(ADMIN_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=0.5):
            return True
    except OSError:
        return False


def _run_admin(statement: str) -> None:
    # A thread of its own: the session fixture may be set up while a test's event loop is running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin(statement)).result()


async def _admin(statement: str) -> None:
    import asyncpg

    url = make_url(ADMIN_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_test_database() -> str:
    """Create a uniquely named database for this test session; returns its async URL."""
    name = f"schedops_test_{uuid.uuid4().hex[:12]}"
    _run_admin(f'CREATE DATABASE "{name}"')
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_test_database(url: str) -> None:
    name = make_url(url).database
    _run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def reset_schema(url: str) -> None:
    """An empty public schema, so each test starts from a fresh migration."""
    import asyncpg

    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password, database=parsed.database
    )
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
