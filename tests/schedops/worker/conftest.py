"""Fixtures for the worker tests: a broker (each test runs on Redis and on RabbitMQ) and a leader engine that
dispatches through it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.engine import Engine
from core.executors.defaults import default_executors
from core.storage.database import Database
from core.storage.runs_store import RunStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.support.brokers import require_broker


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str:
    return require_broker(request.param)


@pytest.fixture
async def leader(db: Database, broker_url: str) -> AsyncIterator[Engine]:
    dispatch = CeleryDispatch(make_celery_app(broker_url), RunStore(db), poll_seconds=0.05)
    executors = default_executors()
    engine = Engine(db, executors=executors, dispatch=dispatch)
    await engine.start()
    yield engine
    await engine.shutdown()
    await executors.aclose()
