from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from core.storage.database import Database
from tests.support.clock import ManualClock
from tests.support.databases import create_test_database, drop_test_database, postgres_reachable, reset_schema

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not postgres_reachable():
        if os.environ.get("SCHEDOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (SCHEDOPS_REQUIRE_POSTGRES=1) but not reachable")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = create_test_database()
    yield url
    drop_test_database(url)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> AsyncIterator[Database]:
    """A migrated, empty database: a SQLite file, then (when reachable) PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/schedops.db"
    else:
        url = request.getfixturevalue("postgres_url")
        await reset_schema(url)
    database = Database(url)
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
