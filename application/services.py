"""Everything a running schedops holds, built once from Settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from application.metrics import Metrics
from core.clock import utc_now
from core.config import Settings
from core.engine import Engine
from core.engine.replica import Replica
from core.events import EventBus
from core.execution.base import RunDispatch
from core.executors.defaults import DefaultExecutors, executors_for
from core.storage.database import Database


@dataclass
class Services:
    """Everything a running schedops holds, built once from Settings."""

    settings: Settings
    db: Database
    events: EventBus
    executors: DefaultExecutors
    engine: Engine
    metrics: Metrics
    replica: Replica
    slack_connected: Callable[[], bool] | None = None  # None: Slack is not configured, readiness ignores it

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(settings.database_url.get_secret_value())
        events = EventBus()
        executors = executors_for(settings)
        engine = Engine(
            db,
            dispatch=_dispatch(settings, db, events),
            executors=executors,
            events=events,
            clock=utc_now,
            default_timezone=settings.timezone,
            misfire_grace=settings.misfire_grace,
            run_retention=settings.run_retention,
        )
        replica = Replica(engine, heartbeat_url=settings.heartbeat_url)
        metrics = Metrics(scheduler_running=lambda: engine.running)
        metrics.subscribe(events)  # before the engine starts, so runs recovered at start-up are counted
        metrics.follow_leadership(replica)
        return cls(settings, db, events, executors, engine, metrics, replica)

    async def close(self) -> None:
        await self.executors.aclose()
        await self.db.close()


def _dispatch(settings: Settings, db: Database, events: EventBus) -> RunDispatch | None:
    """With SCHEDOPS_EXECUTION=celery, runs go to workers; Celery is imported only then."""
    if settings.execution != "celery" or settings.broker_url is None:
        return None
    from core.execution.queue_watch import QueueWatch
    from core.storage.runs_store import RunStore
    from schedops.worker.celery_app import make_celery_app
    from schedops.worker.dispatch import CeleryDispatch

    app = make_celery_app(settings.broker_url.get_secret_value())
    return CeleryDispatch(app, RunStore(db), queues=QueueWatch(db, events, clock=utc_now))
