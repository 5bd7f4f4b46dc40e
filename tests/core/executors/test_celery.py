"""`kind: celery` jobs against a plain Celery app (tests/support/team_celery_app.py) and a real `celery worker`
of it, on the real Redis and the real RabbitMQ, results in Redis; each run goes through the engine and is read
back as its stored row.

The database is a SQLite file only: these tests are about the broker and the worker, and the run rows are
written by the same store code the storage tests run against both databases.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from core.engine import Engine
from core.executors.celery import CeleryExecutor
from core.executors.defaults import DefaultExecutors, default_executors
from core.jobs.spec import parse_job
from core.runs import ErrorClass, RunRecord, RunStatus
from core.storage.database import Database
from core.storage.runs_store import RunStore
from tests.support.brokers import (
    RESULT_BACKEND,
    WorkerProcess,
    fresh_queue,
    require_broker,
    team_celery_worker,
)
from tests.support.databases import migrated_sqlite
from tests.support.eventually import eventually

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

WAIT = 60.0


@dataclass(frozen=True)
class Team:
    """The team's worker, and where to reach it."""

    broker: str
    queue: str
    worker: WorkerProcess


@pytest.fixture(scope="module", params=["redis", "rabbitmq"])
def team(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """One team worker per broker for the whole module: starting Celery costs seconds, a task milliseconds."""
    broker = require_broker(request.param)
    require_broker("redis")  # the result backend
    queue = fresh_queue()
    workdir = tmp_path_factory.mktemp(f"team-{request.param}")
    with team_celery_worker(broker_url=broker, result_backend=RESULT_BACKEND, queue=queue, workdir=workdir) as worker:
        # "ready." is logged once the worker consumes its queue and its control channel (revokes reach it).
        asyncio.run(eventually(lambda: " ready." in worker.output(), within=WAIT, every=0.1))
        yield Team(broker, queue, worker)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return migrated_sqlite(tmp_path / "schedops.db")


async def running_engine(db_url: str, executors: DefaultExecutors) -> AsyncIterator[Engine]:
    db = Database(db_url)
    engine = Engine(db, executors=executors)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.shutdown()
        await executors.aclose()
        await db.close()


@pytest.fixture
async def engine(db_url: str, team: Team) -> AsyncIterator[Engine]:
    executors = default_executors(celery_broker_url=team.broker, celery_result_backend=RESULT_BACKEND)
    async for engine in running_engine(db_url, executors):
        yield engine


def celery_job(job_id: str, task: str, **fields: Any) -> Any:
    return parse_job({"id": job_id, "kind": "celery", "task": task, "schedule": {"interval": "1h"}, **fields})


async def run_to_end(engine: Engine, job_id: str) -> RunRecord:
    handle = await engine.run_now(job_id, actor=None)
    return await asyncio.wait_for(handle.wait(), WAIT)


def results() -> Celery:
    """A client of the team's result backend, as the team's own tools would read it."""
    return Celery("reader", backend=RESULT_BACKEND, set_as_current=False)


async def task_meta(task_id: str) -> dict[str, Any]:
    meta: dict[str, Any] = await asyncio.to_thread(results().backend.get_task_meta, task_id)
    return meta


async def test_a_task_that_returns_is_recorded_as_succeeded_with_its_result(engine: Engine, team: Team) -> None:
    await engine.add_job(celery_job("sum", "team.tasks.add", args=[2, 3], task_queue=team.queue), actor=None)
    await engine.add_job(
        celery_job("report", "team.tasks.report", args=["eu"], kwargs={"rows": 7}, task_queue=team.queue),
        actor=None,
    )

    added = await run_to_end(engine, "sum")
    report = await run_to_end(engine, "report")

    assert added.status is RunStatus.SUCCEEDED, team.worker.output()
    assert added.result == 5
    lines = (added.output_tail or "").splitlines()
    assert lines[0].startswith(f"sent team.tasks.add to queue {team.queue} as task schedops-sum-")
    assert lines[1:] == ["SUCCESS: 5"]
    assert report.status is RunStatus.SUCCEEDED
    assert report.result == {"region": "eu", "rows": 7}
    assert "SUCCESS: {'region': 'eu', 'rows': 7}" in (report.output_tail or "")


async def test_a_task_that_raises_is_recorded_as_failed_with_its_exception_and_the_end_of_its_traceback(
    engine: Engine, team: Team
) -> None:
    await engine.add_job(celery_job("sync", "team.tasks.sync", args=["acme"], task_queue=team.queue), actor=None)

    run = await run_to_end(engine, "sync")

    assert run.status is RunStatus.FAILED, team.worker.output()
    assert run.error_class is ErrorClass.UNKNOWN
    error = (run.error_message or "").splitlines()
    # The team's own exception, named as the team named it (schedops never imported their module), and the
    # task's argument masked, as a python job's kwargs are: arguments may carry credentials.
    assert error[0] == "SyncError: upstream refused account [hidden]"
    assert error[-2].endswith('team_celery_app.py", line 45, in _fetch')
    assert error[-1].strip() == 'raise SyncError(f"upstream refused account {account}")'
    assert not any(line.strip().startswith("^") for line in error)
    output = run.output_tail or ""
    assert "FAILURE\nTraceback (most recent call last):" in output
    assert output.rstrip().endswith("SyncError: upstream refused account [hidden]")
    assert "acme" not in output


async def test_a_task_past_its_timeout_is_revoked_and_the_run_timed_out(
    engine: Engine, team: Team, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    await engine.add_job(
        celery_job(
            "slow", "team.tasks.sleep", args=[60], kwargs={"started": str(started)}, timeout="5s", task_queue=team.queue
        ),
        actor=None,
    )

    run = await run_to_end(engine, "slow")

    task_id = started.read_text()
    assert run.status is RunStatus.TIMED_OUT, team.worker.output()
    assert run.error_class is ErrorClass.TRANSIENT
    assert run.error_message == f"timed out after 5s; task {task_id} was revoked (terminate=True)"
    assert (run.output_tail or "").splitlines()[1] == "last state: STARTED"
    # The worker killed the running task (terminated, not merely skipped) and said so in the backend.
    meta = await eventually(lambda: _revoked(task_id), within=WAIT)
    assert str(meta["result"]) == "terminated"
    assert team.worker.process.poll() is None  # the worker itself lives on


async def _revoked(task_id: str) -> dict[str, Any] | None:
    meta = await task_meta(task_id)
    return meta if meta["status"] == "REVOKED" else None


async def test_cancelling_a_run_revokes_its_task(engine: Engine, team: Team, tmp_path: Path, db_url: str) -> None:
    started = tmp_path / "started"
    await engine.add_job(
        celery_job("nap", "team.tasks.sleep", args=[60], kwargs={"started": str(started)}, task_queue=team.queue),
        actor=None,
    )
    handle = await engine.run_now("nap", actor=None)
    await eventually(lambda: started.exists() and started.read_text(), within=WAIT)
    task_id = started.read_text()

    db = Database(db_url)
    try:
        # The request every door makes (Operations.cancel_run, after its permission check): the executing
        # side notices it within a second and revokes the task.
        assert await RunStore(db).request_cancel(handle.run.id, actor="cli:alice")
    finally:
        await db.close()
    run = await asyncio.wait_for(handle.wait(), WAIT)

    assert run.status is RunStatus.INTERRUPTED
    assert run.error_message == "cancelled by cli:alice"
    meta = await eventually(lambda: _revoked(task_id), within=WAIT)
    assert str(meta["result"]) == "terminated"
    assert task_id.startswith("schedops-nap-")


async def test_a_task_revoked_by_someone_else_fails_the_run_for_good(
    engine: Engine, team: Team, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    await engine.add_job(
        celery_job("held", "team.tasks.sleep", args=[60], kwargs={"started": str(started)}, task_queue=team.queue),
        actor=None,
    )
    handle = await engine.run_now("held", actor=None)
    await eventually(lambda: started.exists() and started.read_text(), within=WAIT)
    task_id = started.read_text()

    team_app = Celery("ops", broker=team.broker, set_as_current=False)
    try:
        await asyncio.to_thread(team_app.control.revoke, task_id, terminate=True)
    finally:
        await asyncio.to_thread(team_app.close)
    run = await asyncio.wait_for(handle.wait(), WAIT)

    assert run.status is RunStatus.FAILED
    assert run.error_class is ErrorClass.PERMANENT
    assert run.error_message == f"task {task_id} was revoked before it finished (TaskRevokedError: terminated)"


async def test_without_a_result_backend_the_run_succeeds_once_the_task_is_sent(
    db_url: str, team: Team, tmp_path: Path
) -> None:
    marker = tmp_path / "touched"
    executors = default_executors(celery_broker_url=team.broker)  # no SCHEDOPS_CELERY_RESULT_BACKEND
    async for engine in running_engine(db_url, executors):
        await engine.add_job(
            celery_job("touch", "team.tasks.touch", args=[str(marker)], task_queue=team.queue), actor=None
        )
        run = await run_to_end(engine, "touch")

        assert run.status is RunStatus.SUCCEEDED
        assert run.result is None
        assert (run.output_tail or "").splitlines()[1] == (
            "not followed: no result backend (set the job's result_backend or SCHEDOPS_CELERY_RESULT_BACKEND); "
            "the run succeeds once the task is sent"
        )
        # It was really sent: the team's worker ran it.
        await eventually(marker.exists, within=WAIT)


async def test_a_job_that_does_not_wait_for_its_result_succeeds_once_sent_even_with_a_backend(
    engine: Engine, team: Team, tmp_path: Path
) -> None:
    marker = tmp_path / "touched"
    await engine.add_job(
        celery_job("fire", "team.tasks.touch", args=[str(marker)], task_queue=team.queue, wait_for_result=False),
        actor=None,
    )

    run = await run_to_end(engine, "fire")

    assert run.status is RunStatus.SUCCEEDED
    assert (run.output_tail or "").splitlines()[1] == (
        "not followed (wait_for_result: false): the run succeeds once the task is sent"
    )
    await eventually(marker.exists, within=WAIT)


async def test_a_celery_job_with_no_broker_anywhere_fails_for_good_without_trying() -> None:
    executor = CeleryExecutor()  # no SCHEDOPS_CELERY_BROKER_URL
    try:
        outcome = await executor.execute(celery_job("nowhere", "team.tasks.add"))
    finally:
        await executor.aclose()

    assert outcome.status is RunStatus.FAILED
    assert outcome.error_class is ErrorClass.PERMANENT
    assert outcome.error_message == "no Celery broker: give the job a broker or set SCHEDOPS_CELERY_BROKER_URL"


@pytest.mark.parametrize(
    ("broker", "shown"),
    [
        ("redis://:s3cret-pw@127.0.0.1:1/0", "redis://[hidden]@127.0.0.1:1/0"),
        ("amqp://team:s3cret-pw@127.0.0.1:1//", "amqp://[hidden]@127.0.0.1:1//"),
    ],
)
async def test_an_unreachable_broker_is_a_transient_failure_in_one_line(db_url: str, broker: str, shown: str) -> None:
    async for engine in running_engine(db_url, default_executors()):
        await engine.add_job(celery_job("offline", "team.tasks.add", args=[1, 2], broker=broker), actor=None)
        run = await run_to_end(engine, "offline")

    assert run.status is RunStatus.FAILED
    assert run.error_class is ErrorClass.TRANSIENT
    message = run.error_message or ""
    assert message.startswith(f"cannot send team.tasks.add to the Celery broker at {shown}: ")
    assert "refused" in message.lower()
    assert "\n" not in message
    assert "s3cret-pw" not in message
    assert "Traceback" not in message
    assert run.output_tail is None


async def test_a_pickled_result_fails_the_run_at_once_and_is_never_loaded(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A team whose Celery stores results with pickle: Redis keeps no content type beside a result, so the
    JSON-only client fails to decode it. That is final (waiting cannot turn it into JSON), not a backend blink
    to wait out until the job's timeout; and nothing is unpickled."""
    broker = require_broker("redis")
    caplog.set_level(logging.INFO, logger="core.executors.celery")
    team = Celery("team", backend=RESULT_BACKEND, set_as_current=False)
    team.conf.update(result_serializer="pickle", accept_content=["pickle"], result_accept_content=["pickle"])
    executors = default_executors(celery_broker_url=broker, celery_result_backend=RESULT_BACKEND)
    said = "sent team.tasks.add for pickled as task "
    async for engine in running_engine(db_url, executors):
        # No worker consumes this queue: the test stores the result as the team's worker would have.
        await engine.add_job(
            celery_job("pickled", "team.tasks.add", args=[1, 2], timeout="60s", task_queue=fresh_queue()), actor=None
        )
        handle = await engine.run_now("pickled", actor=None)
        sent = await eventually(lambda: [m.removeprefix(said) for m in caplog.messages if m.startswith(said)])
        await asyncio.to_thread(_store_as_the_team_would, team, sent[0])
        run = await asyncio.wait_for(handle.wait(), 15)

    assert run.status is RunStatus.FAILED
    assert run.error_class is ErrorClass.PERMANENT
    assert (run.error_message or "").startswith(f"cannot read the result of task {sent[0]}: "), run.error_message
    assert "schedops reads JSON results only" in (run.error_message or "")
    assert not _Unpicklable.loaded


def _store_as_the_team_would(team: Celery, task_id: str) -> None:
    with warnings.catch_warnings():  # Celery's Redis backend calls redis-py's deprecated setex
        warnings.simplefilter("ignore", DeprecationWarning)
        team.backend.store_result(task_id, _Unpicklable(), "SUCCESS")


class _Unpicklable:
    """A result only pickle can carry; unpickling it would set ``loaded``."""

    loaded = False

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Unpicklable._load, ())

    @staticmethod
    def _load() -> _Unpicklable:
        _Unpicklable.loaded = True
        return _Unpicklable()
