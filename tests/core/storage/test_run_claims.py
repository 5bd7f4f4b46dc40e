from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.runs import ExecutionResult, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import RunStore

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def test_exactly_one_of_many_workers_claims_a_run(db: Database) -> None:
    runs = RunStore(db)
    run = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=NOW)
    claims = await asyncio.gather(*(runs.claim(run.id, worker=f"w{n}@host") for n in range(5)))
    assert sorted(claims) == [False] * 4 + [True]


async def test_a_run_that_already_ended_cannot_be_claimed(db: Database) -> None:
    runs = RunStore(db)
    run = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=NOW)
    await runs.finish(run.id, ExecutionResult(status=RunStatus.SUCCEEDED), now=NOW)
    assert not await runs.claim(run.id, worker="late@host")


async def test_exactly_one_of_many_leaders_claims_the_announcement_of_a_dispatched_run(db: Database) -> None:
    runs = RunStore(db)
    sent = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=NOW, queue="q")
    local = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=NOW)
    for run in (sent, local):
        await runs.finish(run.id, ExecutionResult(status=RunStatus.SUCCEEDED), now=NOW)
    assert [run.id for run in await runs.unannounced()] == [sent.id]  # a local run is announced by its process

    claims = await asyncio.gather(*(runs.claim_announcement(sent.id) for _ in range(5)))
    assert sorted(claims) == [False] * 4 + [True]
    assert await runs.unannounced() == []
    assert not await runs.claim_announcement(local.id)


async def test_a_dispatched_run_still_running_is_not_owed_an_announcement(db: Database) -> None:
    runs = RunStore(db)
    await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=NOW, queue="q")
    assert await runs.unannounced() == []  # its follower (or the next leader adopting it) announces it
