"""A worker SIGKILLed mid-run: the leader notices the missed heartbeats, marks the run interrupted, and the
job's retry runs on another worker; nothing executes twice."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.engine import Engine
from core.engine.replica import Replica
from core.events import RunFailed, RunSucceeded
from core.executors.defaults import default_executors
from core.runs import ErrorClass, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import RunStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.support.brokers import fresh_queue, schedops_worker
from tests.support.eventually import eventually
from tests.support.tcp_proxy import tcp_proxy
from tests.support.worker_runs import WAIT, claimed_by, job

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
LOST_AFTER = timedelta(seconds=3)


@pytest.fixture
async def watchful_leader(db: Database, broker_url: str) -> AsyncIterator[Engine]:
    dispatch = CeleryDispatch(make_celery_app(broker_url), RunStore(db), poll_seconds=0.1, lost_after=LOST_AFTER)
    executors = default_executors()
    engine = Engine(db, executors=executors, dispatch=dispatch)
    await engine.start()
    yield engine
    await engine.shutdown()
    await executors.aclose()


async def test_a_run_on_a_killed_worker_is_interrupted_and_retried_once_elsewhere(
    db: Database, watchful_leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    queue, ledger, child = fresh_queue(), tmp_path / "ledger", tmp_path / "child"
    # The first attempt hangs (its sleep recorded, to be cleaned up); the retry finds the mark and ends at once.
    command = (
        f"echo start >> {ledger}; if [ -e {tmp_path}/first ]; then echo retried; exit 0; fi; "
        f"touch {tmp_path}/first; sleep 300 & echo $! > {child}; wait"
    )
    spec = job("flaky-host", queue, kind="shell", command=command, retries={"max": 1, "backoff": "1s"})
    await watchful_leader.add_job(spec, actor=None)
    try:
        with schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path, name="a"
        ) as lost:
            handle = await watchful_leader.run_now("flaky-host", actor=None, trigger=RunTrigger.SCHEDULE)
            await eventually(lambda: child.exists() and child.read_text().strip(), within=WAIT)
            os.killpg(lost.process.pid, signal.SIGKILL)  # the worker and its pool, as if the host were gone
        first = await asyncio.wait_for(handle.wait(), WAIT)
        assert first.status is RunStatus.INTERRUPTED
        assert first.error_class is ErrorClass.TRANSIENT
        assert f"worker {lost.hostname} stopped sending heartbeats" in (first.error_message or "")
        with schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path, name="b"
        ) as spare:
            retry = await eventually(lambda: _retry_of(db, first.id), within=WAIT)
            done = await eventually(lambda: _finished(db, retry), within=WAIT)
        assert done.status is RunStatus.SUCCEEDED
        assert done.output_tail == "retried\n"
        assert await claimed_by(db, retry) == spare.hostname
        assert ledger.read_text() == "start\nstart\n"  # the first attempt once, its retry once
        assert len(await RunStore(db).recent("flaky-host")) == 2
    finally:
        if child.exists():
            os.kill(int(child.read_text()), signal.SIGKILL)


async def _retry_of(db: Database, run_id: int) -> int | None:
    runs = await RunStore(db).recent("flaky-host")
    return next((run.id for run in runs if run.retry_of == run_id), None)


async def _finished(db: Database, run_id: int):  # type: ignore[no-untyped-def]
    run = await RunStore(db).get(run_id)
    return run if run.status.is_finished else None


@pytest.mark.parametrize("backends", [pytest.param(("postgres", "rabbitmq"), marks=pytest.mark.postgres)])
async def test_a_database_outage_the_leader_and_the_worker_both_see_neither_stops_nor_loses_the_run(
    db: Database, broker_url: str, tmp_path: Path
) -> None:
    """A replica leads as in production (on PostgreSQL, a lease on the same database), and the database is cut
    for longer than the lost bound while a run executes on a worker. The leader loses its lease and stands
    down; once the database answers it takes over, adopts the run and gives its worker the whole bound to beat
    again, though its last beat is older than that: the run ends as its worker recorded it, announced once."""
    queue, done = fresh_queue(), tmp_path / "done"
    port = urlsplit(db.url).port or 5432
    with tcp_proxy(port) as proxy:
        behind = Database(proxy.url(db.url, port))
        dispatch = CeleryDispatch(
            make_celery_app(broker_url), RunStore(behind), poll_seconds=0.1, lost_after=LOST_AFTER
        )
        executors = default_executors()
        replica = Replica(Engine(behind, executors=executors, dispatch=dispatch))
        announced: list[RunFailed | RunSucceeded] = []

        async def record(event: RunFailed | RunSucceeded) -> None:
            announced.append(event)

        replica.engine.events.subscribe(RunSucceeded, record)
        replica.engine.events.subscribe(RunFailed, record)
        try:
            await replica.start()
            await eventually(lambda: replica.leading, within=WAIT)
            await replica.engine.add_job(
                job("backup", queue, kind="shell", command=f"sleep 3; touch {done}"), actor=None
            )
            with schedops_worker(database_url=behind.url, broker_url=broker_url, queues=[queue], workdir=tmp_path):
                handle = await replica.engine.run_now("backup", actor=None)
                await eventually(lambda: claimed_by(db, handle.run.id), within=WAIT)
                proxy.cut()  # the database, as the leader (its lease too) and the worker reach it, is gone
                try:
                    await asyncio.sleep(LOST_AFTER.total_seconds() + 1)
                finally:
                    proxy.restore()
                await eventually(lambda: announced, within=WAIT)
            run = await RunStore(db).get(handle.run.id)
        finally:
            await replica.close(timedelta(0))
            await executors.aclose()
            await behind.close()
    assert run.status is RunStatus.SUCCEEDED, run.error_message
    assert done.exists()
    assert [event.run.id for event in announced] == [run.id]
