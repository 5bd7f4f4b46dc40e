from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from application.metrics import Metrics
from core.engine import Engine
from core.executors.defaults import DefaultExecutors, default_executors
from core.storage.database import Database
from schedops.http.server import HealthServer


@pytest.fixture
async def executors() -> AsyncIterator[DefaultExecutors]:
    executors = default_executors()
    yield executors
    await executors.aclose()


@pytest.fixture
async def engine(db: Database, executors: DefaultExecutors) -> AsyncIterator[Engine]:
    """A started engine on the test database, with metrics listening from before the start."""
    engine = Engine(db, executors=executors)
    yield engine
    await engine.shutdown(grace=timedelta(seconds=1))


@pytest.fixture
def metrics(engine: Engine) -> Metrics:
    metrics = Metrics(scheduler_running=lambda: engine.running)
    metrics.subscribe(engine.events)
    return metrics


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


ServerFactory = Callable[..., Awaitable[HealthServer]]


@pytest.fixture
async def serve(engine: Engine, metrics: Metrics, db: Database) -> AsyncIterator[ServerFactory]:
    """Start the engine and a HealthServer on a free port (options override db, engine, metrics...)."""
    servers: list[HealthServer] = []

    async def start(**options: Any) -> HealthServer:
        if not engine.running:
            await engine.start()
        options = {"db": db, "engine": engine, "metrics": metrics, **options}
        server = HealthServer(0, "127.0.0.1", **options)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def url(server: HealthServer, path: str) -> str:
    return f"http://{server.host}:{server.port}{path}"
