"""The workers registry as real `schedops worker` processes keep it, on Redis and RabbitMQ, SQLite and
PostgreSQL: registered when ready, beating, offline after a clean shutdown."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from core.clock import utc_now
from core.storage.database import Database
from core.storage.workers_store import WorkerInfo, WorkerStore
from tests.support.brokers import fresh_queue, schedops_worker
from tests.support.eventually import eventually
from tests.support.worker_runs import WAIT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def _row(db: Database, name: str) -> WorkerInfo | None:
    return next((worker for worker in await WorkerStore(db).view(now=utc_now()) if worker.name == name), None)


async def test_a_worker_registers_beats_and_goes_offline_when_it_stops(
    db: Database, broker_url: str, tmp_path: Path
) -> None:
    queue, other = fresh_queue(), fresh_queue()
    store = WorkerStore(db)
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue, other], workdir=tmp_path) as worker:
        first = await eventually(lambda: _row(db, worker.hostname), within=WAIT)
        assert (first.host, first.pid, first.queues, first.concurrency) == (
            socket.gethostname(),
            worker.process.pid,
            (queue, other),
            1,
        )
        assert first.online(utc_now()), worker.output()
        assert {queue, other} <= await store.served_queues(now=utc_now())

        async def beaten() -> bool:
            row = await _row(db, worker.hostname)
            return row is not None and row.heartbeat_at > first.heartbeat_at

        await eventually(beaten, within=WAIT, every=0.5)
        worker.stop()  # SIGTERM, Celery's warm shutdown: it says so before exiting
    assert worker.process.returncode == 0, worker.output()
    gone = await _row(db, worker.hostname)
    assert gone is not None and gone.stopped_at is not None, worker.output()
    assert not gone.online(utc_now())
    assert not {queue, other} & await store.served_queues(now=utc_now())
