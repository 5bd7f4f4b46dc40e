"""Fixtures for the worker tests: a database and a broker, paired, and a leader engine that dispatches through
the broker.

Each test runs on SQLite with Redis and on PostgreSQL with RabbitMQ, not on all four pairs: the database and the
broker never meet in schedops' code (a worker claims its run in the database whichever broker delivered it), so
every database and every broker is still exercised by every test, and the four pairs had made these real-worker
tests, a tenth of the tests, nearly half of the suite's time. Each database alone is covered by the storage and
execution tests, each broker alone by tests/core/executors/test_celery.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.engine import Engine
from core.executors.defaults import default_executors
from core.storage.database import Database
from core.storage.runs_store import RunStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.support.brokers import require_broker
from tests.support.databases import migrated_database

PAIRS = [
    pytest.param(("sqlite", "redis"), id="sqlite-redis"),
    pytest.param(("postgres", "rabbitmq"), id="postgres-rabbitmq", marks=pytest.mark.postgres),
]


@pytest.fixture(params=PAIRS)
def backends(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(database, broker) for this test."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def db(backends: tuple[str, str], request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated_database(backends[0], request, tmp_path)
    yield database
    await database.close()


@pytest.fixture
def broker_url(backends: tuple[str, str]) -> str:
    return require_broker(backends[1])


@pytest.fixture
async def leader(db: Database, broker_url: str) -> AsyncIterator[Engine]:
    dispatch = CeleryDispatch(make_celery_app(broker_url), RunStore(db), poll_seconds=0.05)
    executors = default_executors()
    engine = Engine(db, executors=executors, dispatch=dispatch)
    await engine.start()
    yield engine
    await engine.shutdown()
    await executors.aclose()
