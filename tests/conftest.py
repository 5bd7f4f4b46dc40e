from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.storage.database import Database
from tests.support.clock import ManualClock
from tests.support.databases import (
    create_test_database,
    drop_test_database,
    migrated_database,
    postgres_reachable,
    reset_schema,
)
from tests.support.layout import lay_out

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database for this session, migrated once."""
    if not postgres_reachable():
        if os.environ.get("TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (TEST_REQUIRE_POSTGRES=1) but not reachable")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = create_test_database()
    yield url
    drop_test_database(url)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: a SQLite file, then (when reachable) PostgreSQL."""
    database = await migrated_database(request.param, request, tmp_path)
    yield database
    await database.close()


@pytest.fixture(params=BACKENDS)
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no schema at all, for tests that run the migrations themselves."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/schedops.db"
    else:
        url = request.getfixturevalue("postgres_url")
        await reset_schema(url)
    database = Database(url)
    yield database
    await database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py has marked its tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, start each worker's share with its slow tests (tests/support/layout.py says why)."""
    items[:] = lay_out(
        items,
        int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")),
        group=_fixture_group,
        slow=lambda item: any(item.get_closest_marker(name) for name in ("slow", "browser")),
    )


def _fixture_group(item: pytest.Item) -> str:
    """Tests that share a module-scoped fixture (a browser, a Celery worker) run on one worker: their module."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info else []
    shared = any(d.scope in ("module", "package", "class") for defs in definitions for d in defs)
    return item.nodeid.split("::")[0] if shared else item.nodeid


def pytest_collection_finish() -> None:
    """Everything imported by now lives until the process ends: frozen, the collector stops walking it.

    Each test process holds about 250,000 objects after collection (the product, SQLAlchemy, pydantic, FastAPI,
    Bolt), and every full collection walked them all: 2.3 to 4.1 s of full collections per test process over a
    run of the suite, 0.9 to 2.9 s with them frozen (measured with gc.callbacks).
    """
    gc.freeze()
