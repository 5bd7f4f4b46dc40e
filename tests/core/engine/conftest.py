from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from core.clock import Clock, utc_now
from core.engine import Engine
from core.events import Event, EventBus
from core.executors.defaults import default_executors
from core.jobs.spec import JobSpec, parse_job
from core.storage.database import Database


class Recorder:
    """Collects every published event, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(Event, self._collect)

    async def _collect(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[Event]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


def job(job_id: str, **fields: Any) -> JobSpec:
    """A python job calling tests.support.tasks (nap by default), every hour unless told otherwise."""
    data: dict[str, Any] = {
        "id": job_id,
        "kind": "python",
        "target": "tests.support.tasks:nap",
        "kwargs": {"seconds": 0},
        "schedule": {"interval": "1h"},
    }
    data.update(fields)
    return parse_job(data)


EngineFactory = Callable[..., Engine]


@pytest.fixture
async def make_engine(db: Database) -> AsyncIterator[EngineFactory]:
    """Engines on the test database; each is shut down at the end of the test."""
    engines: list[Engine] = []

    def build(clock: Clock = utc_now, **options: Any) -> Engine:
        options.setdefault("misfire_grace", timedelta(minutes=5))
        engine = Engine(db, executors=default_executors(), clock=clock, **options)
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        await engine.shutdown(grace=timedelta(seconds=1))
