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
