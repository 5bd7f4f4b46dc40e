"""Runs carried out by real `schedops worker` processes through the real Redis and RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.engine import Engine
from core.runs import RunStatus
from core.storage.database import Database
from core.storage.runs_store import RunStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.support.brokers import (
    BROKERS,
    RESULT_BACKEND,
    WorkerProcess,
    fresh_queue,
    require_broker,
    schedops_worker,
    team_celery_worker,
)
from tests.support.eventually import eventually
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.worker_runs import WAIT, claimed_by, job, parent_of, run_to_end

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def test_a_shell_and_a_python_run_execute_on_a_worker(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    queue = fresh_queue()
    marker = tmp_path / "ran-here"
    await leader.add_job(job("shell", queue, kind="shell", command=f"echo hello; echo $PPID > {marker}"), actor=None)
    await leader.add_job(
        job("py", queue, kind="python", target="tests.support.tasks:echo", kwargs={"a": 1}), actor=None
    )
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
        shell = await run_to_end(leader, "shell")
        python = await run_to_end(leader, "py")
        assert shell.status is RunStatus.SUCCEEDED, worker.output()
        assert shell.output_tail == "hello\n"
        assert python.status is RunStatus.SUCCEEDED, worker.output()
        assert python.result == {"a": 1}
        assert await claimed_by(db, shell.id) == worker.hostname
        assert await claimed_by(db, python.id) == worker.hostname
        # The shell was started by one of the worker's pool processes, not by this test process.
        assert parent_of(int(marker.read_text())) == worker.process.pid


async def test_a_failing_run_on_a_worker_is_recorded_as_failed(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    queue = fresh_queue()
    await leader.add_job(job("broken", queue, kind="shell", command="echo nope >&2; exit 3"), actor=None)
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path):
        run = await run_to_end(leader, "broken")
    assert run.status is RunStatus.FAILED
    assert run.exit_code == 3
    assert "nope" in (run.output_tail or "")


async def test_each_run_goes_to_a_worker_of_its_jobs_queue(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    db_host, app_host = fresh_queue(), fresh_queue()
    await leader.add_job(job("backup", db_host, kind="shell", command="true"), actor=None)
    await leader.add_job(job("report", app_host, kind="shell", command="true"), actor=None)
    with (
        schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[db_host], workdir=tmp_path, name="db"
        ) as on_db,
        schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[app_host], workdir=tmp_path, name="app"
        ) as on_app,
    ):
        backups = [await run_to_end(leader, "backup") for _ in range(3)]
        reports = [await run_to_end(leader, "report") for _ in range(3)]
    assert {await claimed_by(db, run.id) for run in backups} == {on_db.hostname}
    assert {await claimed_by(db, run.id) for run in reports} == {on_app.hostname}


async def test_a_redelivered_message_executes_nothing(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    queue = fresh_queue()
    ledger = tmp_path / "ledger"
    await leader.add_job(job("count", queue, kind="shell", command=f"echo ran >> {ledger}"), actor=None)
    dispatch = CeleryDispatch(make_celery_app(broker_url), RunStore(db))
    # No worker yet: the run's message waits in the broker, and a second delivery of it waits behind it.
    handle = await leader.run_now("count", actor=None)
    await dispatch.send(handle.run.id, queue)
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
        run = await asyncio.wait_for(handle.wait(), WAIT)
        await eventually(lambda: "already claimed or ended" in worker.output(), within=WAIT, every=0.1)
        # And once more after the run ended (a restart's redelivery): still nothing.
        await dispatch.send(run.id, queue)
        await eventually(lambda: worker.output().count("already claimed or ended") == 2, within=WAIT, every=0.1)
    assert run.status is RunStatus.SUCCEEDED
    assert ledger.read_text() == "ran\n"
    assert (await RunStore(db).get(run.id)).finished_at == run.finished_at


async def test_a_run_that_cannot_reach_the_broker_fails_transiently_and_is_not_left_running(
    db: Database, tmp_path: Path
) -> None:
    from core.executors.defaults import default_executors
    from core.runs import ErrorClass

    closed_port = "redis://127.0.0.1:9/0"  # discard: nothing listens there
    executors = default_executors()
    engine = Engine(db, executors=executors, dispatch=CeleryDispatch(make_celery_app(closed_port), RunStore(db)))
    await engine.start()
    try:
        await engine.add_job(job("nowhere", fresh_queue(), kind="shell", command="true"), actor=None)
        run = await run_to_end(engine, "nowhere")
    finally:
        await engine.shutdown()
        await executors.aclose()
    assert run.status is RunStatus.FAILED
    assert run.error_class is ErrorClass.TRANSIENT
    assert run.error_message == "could not send the run to the broker (SCHEDOPS_BROKER_URL): OperationalError"


async def test_a_leader_cut_off_from_its_broker_fails_that_run_and_sends_the_next_once_it_is_back(
    db: Database, backends: tuple[str, str], broker_url: str, tmp_path: Path
) -> None:
    """The same app, its connection cut under it: the run sent meanwhile fails transiently (its retry policy
    applies), and the leader's next send, after the broker is back, reaches the worker."""
    from core.executors.defaults import default_executors
    from core.runs import ErrorClass

    queue = fresh_queue()
    port = BROKERS[backends[1]][1]
    executors = default_executors()
    with tcp_proxy(port) as proxy:
        app = make_celery_app(proxy.url(broker_url, port))
        engine = Engine(db, executors=executors, dispatch=CeleryDispatch(app, RunStore(db), poll_seconds=0.05))
        await engine.start()
        try:
            await engine.add_job(job("backup", queue, kind="shell", command="true"), actor=None)
            with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path):
                before = await run_to_end(engine, "backup")
                proxy.cut()
                try:
                    during = await run_to_end(engine, "backup")
                finally:
                    proxy.restore()
                after = await run_to_end(engine, "backup")
        finally:
            await engine.shutdown()
            await executors.aclose()
            app.close()
    assert before.status is RunStatus.SUCCEEDED
    assert (during.status, during.error_class) == (RunStatus.FAILED, ErrorClass.TRANSIENT)
    assert after.status is RunStatus.SUCCEEDED, after.error_message


async def test_an_http_run_executes_on_a_worker(db: Database, leader: Engine, broker_url: str, tmp_path: Path) -> None:
    from aiohttp import web

    calls: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        calls.append(request.headers.get("X-Run", ""))
        return web.Response(text="pong")

    app = web.Application()
    app.router.add_get("/ping", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    queue = fresh_queue()
    url = f"http://127.0.0.1:{port}/ping"
    await leader.add_job(job("ping", queue, kind="http", url=url, headers={"X-Run": "worker"}), actor=None)
    try:
        with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
            run = await run_to_end(leader, "ping")
            assert await claimed_by(db, run.id) == worker.hostname
    finally:
        await runner.cleanup()
    assert run.status is RunStatus.SUCCEEDED
    assert run.http_status == 200
    assert calls == ["worker"]


async def test_a_celery_job_sends_its_task_from_a_worker_and_records_the_result(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    """`kind: celery` under SCHEDOPS_EXECUTION=celery: a schedops worker claims the run, sends the team's task
    to the team's own Celery and follows it in the result backend, as the leader does when it executes runs."""
    require_broker("redis")  # the result backend
    queue, team_queue = fresh_queue(), fresh_queue()
    spec = job(
        "sum",
        queue,
        kind="celery",
        task="team.tasks.add",
        args=[2, 3],
        broker=broker_url,
        result_backend=RESULT_BACKEND,
        task_queue=team_queue,
    )
    await leader.add_job(spec, actor=None)
    with (
        team_celery_worker(broker_url=broker_url, result_backend=RESULT_BACKEND, queue=team_queue, workdir=tmp_path),
        schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker,
    ):
        run = await run_to_end(leader, "sum")
    assert run.status is RunStatus.SUCCEEDED, worker.output()
    assert run.result == 5
    assert await claimed_by(db, run.id) == worker.hostname


ON_POSTGRES = pytest.mark.parametrize("backends", [pytest.param(("postgres", "rabbitmq"), marks=pytest.mark.postgres)])


@contextmanager
def worker_behind_a_proxy(
    db: Database, broker_url: str, queue: str, workdir: Path
) -> Iterator[tuple[TcpProxy, WorkerProcess]]:
    """A worker that reaches the PostgreSQL server through a proxy the test can cut (the server is shared)."""
    port = urlsplit(db.url).port or 5432
    with (
        tcp_proxy(port) as proxy,
        schedops_worker(
            database_url=proxy.url(db.url, port), broker_url=broker_url, queues=[queue], workdir=workdir
        ) as worker,
    ):
        yield proxy, worker


@ON_POSTGRES
async def test_a_worker_whose_kept_database_connection_died_between_runs_takes_the_next_run(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    """A pool process keeps its database connection from run to run (schedops/worker/task.py). Cut between two
    runs, as a PostgreSQL restart or failover cuts it, it is found dead when taken and replaced, and the next
    run is claimed and carried out as if nothing happened."""
    queue = fresh_queue()
    await leader.add_job(job("backup", queue, kind="shell", command="true"), actor=None)
    with worker_behind_a_proxy(db, broker_url, queue, tmp_path) as (proxy, worker):
        first = await run_to_end(leader, "backup")
        proxy.cut()
        proxy.restore()
        second = await run_to_end(leader, "backup")
    assert (first.status, second.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), worker.output()
    assert await claimed_by(db, second.id) == worker.hostname


@ON_POSTGRES
async def test_a_run_delivered_while_its_worker_cannot_reach_the_database_is_carried_out_once_it_can(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    """The claim fails, so the message must not be acknowledged and forgotten: it comes back (1 s, 2 s, ...)
    until the database answers. The worker logs the error's type, never its text."""
    queue = fresh_queue()
    await leader.add_job(job("backup", queue, kind="shell", command="true"), actor=None)
    with worker_behind_a_proxy(db, broker_url, queue, tmp_path) as (proxy, worker):
        await eventually(lambda: "registered" in worker.output(), within=WAIT)
        proxy.cut()
        handle = await leader.run_now("backup", actor=None)
        await eventually(lambda: f"run {handle.run.id}: this delivery failed (" in worker.output(), within=WAIT)
        assert await claimed_by(db, handle.run.id) is None
        proxy.restore()
        run = await asyncio.wait_for(handle.wait(), WAIT)
    assert run.status is RunStatus.SUCCEEDED, worker.output()
    assert await claimed_by(db, run.id) == worker.hostname
    assert "Traceback" not in worker.output()
