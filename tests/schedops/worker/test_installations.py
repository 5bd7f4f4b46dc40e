"""Two installations on one broker: a revoke reaches every worker on the broker, so the task id of a run names
its installation, and cancelling one installation's run never discards another's run with the same number."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import utc_now
from core.engine import Engine
from core.executors.defaults import default_executors
from core.runs import RunStatus
from core.storage.database import Database
from core.storage.installation_store import installation_id
from core.storage.runs_store import RunStore
from core.storage.workers_store import WorkerStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.support.brokers import fresh_queue, require_broker, schedops_worker
from tests.support.databases import migrated_sqlite
from tests.support.eventually import eventually
from tests.support.worker_runs import WAIT, job

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    first, second = (Database(migrated_sqlite(tmp_path / f"{name}.db")) for name in ("first", "second"))
    yield first, second
    await first.close()
    await second.close()


async def leader(db: Database, broker_url: str) -> Engine:
    dispatch = CeleryDispatch(make_celery_app(broker_url), RunStore(db), poll_seconds=0.05)
    engine = Engine(db, executors=default_executors(), dispatch=dispatch)
    await engine.start()
    return engine


async def test_each_database_generates_its_own_installation_id_once(databases: tuple[Database, Database]) -> None:
    first, second = databases
    ids = await asyncio.gather(*(installation_id(first) for _ in range(3)))
    assert len(set(ids)) == 1  # however many processes ask at once
    assert await installation_id(first) == ids[0] != await installation_id(second)


async def test_cancelling_a_run_does_not_discard_another_installations_run_with_the_same_number(
    databases: tuple[Database, Database], tmp_path: Path
) -> None:
    broker_url = require_broker("redis")
    first_db, second_db = databases
    idle_queue, busy_queue, ledger = fresh_queue(), fresh_queue(), tmp_path / "ledger"
    first, second = await leader(first_db, broker_url), await leader(second_db, broker_url)
    try:
        await first.add_job(job("waits", idle_queue, kind="shell", command="true"), actor=None)
        await second.add_job(job("counts", busy_queue, kind="shell", command=f"echo ran >> {ledger}"), actor=None)
        with schedops_worker(
            database_url=second_db.url, broker_url=broker_url, queues=[busy_queue], workdir=tmp_path
        ) as worker:
            # The second installation's worker is up, so it hears the first installation's revoke.
            await eventually(lambda: _online(second_db, worker.hostname), within=WAIT)
            # Run 1 of the first installation waits on a queue no worker consumes; cancelling it revokes it.
            waiting = await first.run_now("waits", actor=None)
            assert await RunStore(first_db).request_cancel(waiting.run.id, actor="cli:alice")
            assert (await asyncio.wait_for(waiting.wait(), WAIT)).status is RunStatus.INTERRUPTED
            revoked = f"schedops-{await installation_id(first_db)}-run-{waiting.run.id}"
            await eventually(lambda: revoked in worker.output(), within=WAIT, every=0.1)

            # Run 1 of the second installation is executed by its worker all the same.
            counted = await second.run_now("counts", actor=None)
            assert counted.run.id == waiting.run.id
            assert (await asyncio.wait_for(counted.wait(), WAIT)).status is RunStatus.SUCCEEDED
        assert ledger.read_text() == "ran\n"
    finally:
        await first.shutdown()
        await second.shutdown()


async def _online(db: Database, hostname: str) -> bool:
    return any(info.name == hostname for info in await WorkerStore(db).view(now=utc_now()))
