"""The workers registry as real `schedops worker` processes keep it, on Redis and RabbitMQ, SQLite and
PostgreSQL: registered when ready, beating, offline after a clean shutdown or while cut off from the broker."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from core.clock import utc_now
from core.engine import Engine
from core.runs import RunStatus
from core.storage.database import Database
from core.storage.runs_store import RunStore
from core.storage.workers_store import WorkerInfo, WorkerStore
from tests.support.brokers import BROKERS, fresh_queue, schedops_worker
from tests.support.eventually import eventually
from tests.support.tcp_proxy import tcp_proxy
from tests.support.worker_runs import WAIT, claimed_by, job

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


async def test_a_worker_cut_off_from_its_broker_is_offline_until_it_reconnects_and_then_takes_the_run_sent_meanwhile(
    db: Database, leader: Engine, backends: tuple[str, str], broker_url: str, tmp_path: Path
) -> None:
    queue = fresh_queue()
    store = WorkerStore(db)
    await leader.add_job(job("backup", queue, kind="shell", command="true"), actor=None)
    port = BROKERS[backends[1]][1]
    with (
        tcp_proxy(port) as proxy,  # between the worker and its broker only: the leader sends directly
        schedops_worker(
            database_url=db.url, broker_url=proxy.url(broker_url, port), queues=[queue], workdir=tmp_path
        ) as worker,
    ):
        first = await eventually(lambda: _row(db, worker.hostname), within=WAIT)
        assert first.online(utc_now()) and first.broker_lost_at is None, worker.output()

        proxy.cut()

        async def cut_off() -> WorkerInfo | None:
            row = await _row(db, worker.hostname)
            return row if row is not None and row.broker_lost_at is not None else None

        lost = await eventually(cut_off, within=WAIT)
        assert not lost.online(utc_now()) and lost.stopped_at is None
        assert queue not in await store.served_queues(now=utc_now())
        assert worker.process.poll() is None, worker.output()  # it lives on, reconnecting
        handle = await leader.run_now("backup", actor=None)  # sent while no worker can take it
        assert (await RunStore(db).get(handle.run.id)).status is RunStatus.RUNNING

        proxy.restore()

        async def back() -> WorkerInfo | None:
            row = await _row(db, worker.hostname)
            return row if row is not None and row.broker_lost_at is None else None

        again = await eventually(back, within=WAIT)
        assert again.online(utc_now()) and queue in await store.served_queues(now=utc_now())
        run = await asyncio.wait_for(handle.wait(), WAIT)
        assert run.status is RunStatus.SUCCEEDED, worker.output()
        assert await claimed_by(db, run.id) == worker.hostname
    assert "cut off from the broker" in worker.output()
