"""A stop lands the announcements of runs that ended just before it: their writes happen before the caller
closes the database (a write left in flight held a pooled connection past Database.close(), which leaked it)."""

from __future__ import annotations

import asyncio
from typing import Any

from core.clock import utc_now
from core.events import RunFailed
from core.jobs.spec import JobSpec
from core.runs import ErrorClass, ExecutionResult, RunRecord
from core.storage.database import Database
from core.storage.runs_store import RunStore
from tests.core.engine.conftest import EngineFactory, Recorder, job


class EndsAtOnce:
    """A dispatch whose worker ends each run the moment it is sent (failed, so its end is announced)."""

    def __init__(self, runs: RunStore) -> None:
        self._runs = runs

    async def carry_out(self, spec: JobSpec, run: RunRecord) -> RunRecord:
        assert await self._runs.claim(run.id, worker="w@test")
        outcome = ExecutionResult.failure("boom", ErrorClass.TRANSIENT)
        return await self._runs.finish(run.id, outcome, now=utc_now(), claimed_by="w@test")

    async def adopt(self, run: RunRecord, *, queue: str | None) -> RunRecord:
        raise AssertionError("nothing to adopt")

    async def supervise(self) -> None:
        return None


async def test_a_stop_waits_for_the_announcement_of_a_run_that_just_ended(
    db: Database, make_engine: EngineFactory
) -> None:
    runs = RunStore(db)
    engine = make_engine(dispatch=EndsAtOnce(runs))
    recorder = Recorder(engine.events)
    claim = engine.runs.claim_announcement

    async def slow_claim(run_id: int) -> Any:
        await asyncio.sleep(0.2)  # a database under load
        return await claim(run_id)

    engine.runs.claim_announcement = slow_claim  # type: ignore[method-assign]
    await engine.start()
    await engine.add_job(job("flaky", queue="q"), actor=None)
    handle = await engine.run_now("flaky", actor=None)
    assert (await asyncio.wait_for(handle.wait(), 5)).status.is_failure  # the run's end is recorded ...
    await engine.shutdown()
    # ... and its announcement landed before the stop returned, not after the database was closed.
    assert [event.run.id for event in recorder.of(RunFailed)] == [handle.run.id]
