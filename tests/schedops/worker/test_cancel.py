"""`schedops runs cancel RUN_ID`: a running run stops, its process group killed, in both execution modes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from core.audit import query_audit
from core.engine import Engine
from core.executors.defaults import default_executors
from core.runs import ErrorClass, RunStatus
from core.storage.database import Database
from tests.support.brokers import fresh_queue, schedops_worker
from tests.support.cli_process import schedops_cli
from tests.support.eventually import eventually
from tests.support.worker_runs import WAIT, claimed_by, job

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def sleeper(tmp_path: Path, queue: str = "schedops") -> object:
    # The job's child (sleep) records its pid: cancelling must kill the whole group, not just the shell.
    command = f"sleep 300 & echo $! > {tmp_path / 'child'}; wait"
    return job("slow", queue, kind="shell", command=command, retries={"max": 2, "backoff": "1s"})


async def child_pid(tmp_path: Path) -> int:
    marker = tmp_path / "child"
    await eventually(lambda: marker.exists() and marker.read_text().strip(), within=WAIT)
    return int(marker.read_text())


async def cancel(db: Database, run_id: int, tmp_path: Path) -> tuple[int, str, str]:
    return await schedops_cli("runs", "cancel", str(run_id), database_url=db.url, workdir=tmp_path)


async def assert_cancelled_and_audited(db: Database, run_id: int, outcome: tuple[int, str, str]) -> None:
    code, out, err = outcome
    assert code == 0, err
    assert "cancelled by cli:" in out
    run = await db_run(db, run_id)
    assert run.status is RunStatus.INTERRUPTED
    assert run.error_class is ErrorClass.PERMANENT
    assert (run.error_message or "").startswith("cancelled by cli:")
    entries = await query_audit(db, action="run.cancel", limit=5)
    assert [(entry.target, entry.outcome.value, entry.detail) for entry in entries] == [
        ("job:slow", "ok", f"run {run_id}")
    ]


async def db_run(db: Database, run_id: int):  # type: ignore[no-untyped-def]
    from core.storage.runs_store import RunStore

    return await RunStore(db).get(run_id)


async def test_cancel_stops_a_local_run_and_its_process_group(db: Database, tmp_path: Path) -> None:
    executors = default_executors()
    engine = Engine(db, executors=executors)
    await engine.start()
    try:
        await engine.add_job(sleeper(tmp_path), actor=None)  # type: ignore[arg-type]
        handle = await engine.run_now("slow", actor=None)
        child = await child_pid(tmp_path)
        outcome = await cancel(db, handle.run.id, tmp_path)
        await asyncio.wait_for(handle.wait(), WAIT)
        await assert_cancelled_and_audited(db, handle.run.id, outcome)
        await eventually(lambda: not alive(child), within=10)
        assert [run.id for run in await engine.runs.recent("slow")] == [handle.run.id]  # never retried
    finally:
        await engine.shutdown()
        await executors.aclose()


async def test_cancel_stops_a_run_on_its_worker(db: Database, leader: Engine, broker_url: str, tmp_path: Path) -> None:
    queue = fresh_queue()
    await leader.add_job(sleeper(tmp_path, queue), actor=None)  # type: ignore[arg-type]
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
        handle = await leader.run_now("slow", actor=None)
        child = await child_pid(tmp_path)
        assert await claimed_by(db, handle.run.id) == worker.hostname
        outcome = await cancel(db, handle.run.id, tmp_path)
        await asyncio.wait_for(handle.wait(), WAIT)
        await assert_cancelled_and_audited(db, handle.run.id, outcome)
        await eventually(lambda: not alive(child), within=10)
        assert worker.process.poll() is None  # the worker lives on for the next run


async def test_a_run_cancelled_before_any_worker_took_it_never_executes(
    db: Database, leader: Engine, broker_url: str, tmp_path: Path
) -> None:
    queue = fresh_queue()
    await leader.add_job(sleeper(tmp_path, queue), actor=None)  # type: ignore[arg-type]
    handle = await leader.run_now("slow", actor=None)
    outcome = await cancel(db, handle.run.id, tmp_path)
    await asyncio.wait_for(handle.wait(), WAIT)
    await assert_cancelled_and_audited(db, handle.run.id, outcome)
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
        # Its message is still delivered (a worker started after the revoke never heard of it): the claim the
        # leader took makes it execute nothing.
        await eventually(lambda: "already claimed or ended" in worker.output(), within=WAIT, every=0.1)
    assert not (tmp_path / "child").exists()


async def test_cancelling_a_run_that_ended_is_refused_in_one_line(db: Database, tmp_path: Path) -> None:
    executors = default_executors()
    engine = Engine(db, executors=executors)
    await engine.start()
    try:
        await engine.add_job(job("quick", "schedops", kind="shell", command="true"), actor=None)
        handle = await engine.run_now("quick", actor=None)
        await asyncio.wait_for(handle.wait(), WAIT)
    finally:
        await engine.shutdown()
        await executors.aclose()
    code, _, err = await cancel(db, handle.run.id, tmp_path)
    assert code == 1
    assert err.strip().splitlines()[-1] == f"schedops: run {handle.run.id} of quick is not running: it succeeded"
