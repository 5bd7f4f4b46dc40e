"""A worker's side of a dispatched run, in this process: claim, execute, and stop when the run was ended
elsewhere."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from core.clock import utc_now
from core.execution import ending
from core.execution.claimed import ClaimOutcome, carry_out_claimed
from core.executors.defaults import default_executors
from core.jobs.spec import parse_job
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from tests.support.eventually import eventually
from tests.support.flaky import fail_first


async def _job(db: Database, command: str) -> int:
    spec = parse_job({"id": "slow", "kind": "shell", "command": command, "schedule": {"interval": "1h"}})
    await JobStore(db).save(spec, now=utc_now(), actor=None, source="api")
    run = await RunStore(db).add("slow", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=utc_now())
    return run.id


async def test_a_worker_stops_a_run_the_leader_ended_and_keeps_the_leaders_ending(db: Database, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    run_id = await _job(db, f"touch {marker}; sleep 60")
    executors = default_executors()
    runs = RunStore(db)
    try:
        work = asyncio.create_task(
            carry_out_claimed(run_id, runs=runs, jobs=JobStore(db), executors=executors, worker="w@h", clock=utc_now)
        )
        await eventually(marker.exists, within=10)
        await runs.interrupt_running(now=utc_now(), message="the leader took over", ids=[run_id])
        assert await asyncio.wait_for(work, 10) is ClaimOutcome.EXECUTED
    finally:
        await executors.aclose()
    run = await runs.get(run_id)
    assert run.status is RunStatus.INTERRUPTED
    assert run.error_message == "the leader took over"


async def test_a_second_delivery_of_a_run_executes_nothing(db: Database, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    run_id = await _job(db, f"echo ran >> {ledger}")
    executors = default_executors()
    deliver = lambda: carry_out_claimed(  # noqa: E731
        run_id, runs=RunStore(db), jobs=JobStore(db), executors=executors, worker="w@h", clock=utc_now
    )
    try:
        assert await deliver() is ClaimOutcome.EXECUTED
        assert await deliver() is ClaimOutcome.ALREADY_CLAIMED
    finally:
        await executors.aclose()
    assert ledger.read_text() == "ran\n"


async def test_a_worker_writes_the_end_of_its_run_through_a_briefly_failing_database(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not written, the end would be lost: the leader would end the run as interrupted, and its retry policy
    would do the work again."""
    ledger = tmp_path / "ledger"
    run_id = await _job(db, f"echo ran >> {ledger}")
    fail_first(
        monkeypatch, RunStore, "finish", OperationalError("UPDATE runs", {}, Exception("database is locked")), times=2
    )
    monkeypatch.setattr(ending, "FINISH_RETRY_DELAYS", (0.0, 0.0, 0.0))
    executors = default_executors()
    try:
        outcome = await carry_out_claimed(
            run_id, runs=RunStore(db), jobs=JobStore(db), executors=executors, worker="w@h", clock=utc_now
        )
    finally:
        await executors.aclose()
    assert outcome is ClaimOutcome.EXECUTED
    run = await RunStore(db).get(run_id)
    assert run.status is RunStatus.SUCCEEDED
    assert ledger.read_text() == "ran\n"


async def test_a_delivery_that_fails_before_executing_leaves_the_run_to_the_next_delivery(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = tmp_path / "ledger"
    run_id = await _job(db, f"echo ran >> {ledger}")
    closed = OperationalError("SELECT jobs", {}, Exception("server closed the connection"))
    fail_first(monkeypatch, JobStore, "get", closed, times=1)
    executors = default_executors()
    deliver = lambda: carry_out_claimed(  # noqa: E731
        run_id, runs=RunStore(db), jobs=JobStore(db), executors=executors, worker="w@h", clock=utc_now
    )
    try:
        with pytest.raises(OperationalError):
            await deliver()
        assert (await RunStore(db).get(run_id)).status is RunStatus.RUNNING
        assert await deliver() is ClaimOutcome.EXECUTED  # the message sent again
    finally:
        await executors.aclose()
    assert (await RunStore(db).get(run_id)).status is RunStatus.SUCCEEDED
    assert ledger.read_text() == "ran\n"
