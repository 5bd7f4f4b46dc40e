"""Many fires at one instant: recorded together, each job started once, overlap limits still exact."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from core.clock import utc_now
from core.runs import RunStatus
from core.storage.database import Database
from core.storage.tables import RunRow
from tests.core.engine.conftest import EngineFactory, job


async def rows(db: Database) -> list[tuple[str, str]]:
    async with db.session() as session:
        return [(row.job_id, row.status) for row in await session.scalars(select(RunRow))]


async def test_a_burst_records_every_fire_once_and_skips_only_the_overlap(
    db: Database, make_engine: EngineFactory
) -> None:
    engine = make_engine()  # the real clock: APScheduler's own fires are an hour away
    for number in range(300):
        await engine.add_job(job(f"burst-{number:03d}", kwargs={"seconds": 0.2}), actor="alice")
    await engine.start()
    instant = utc_now()
    # APScheduler hands over every fire of an instant in one go; burst-000 is handed over twice (two fire
    # times coalesced late, say): with max_instances 1 the second must be recorded as skipped, not run.
    for number in range(300):
        engine._on_fire(f"burst-{number:03d}", instant)
    engine._on_fire("burst-000", instant)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(await rows(db)) == 301:
            break
    recorded = await rows(db)
    per_job = Counter(job_id for job_id, _status in recorded)
    assert set(per_job) == {f"burst-{number:03d}" for number in range(300)}
    assert per_job["burst-000"] == 2 and all(count == 1 for job_id, count in per_job.items() if job_id != "burst-000")
    assert Counter(status for job_id, status in recorded if job_id == "burst-000") == {
        RunStatus.RUNNING.value: 1,
        RunStatus.SKIPPED.value: 1,
    }
    await engine.wait_idle(10)
    finished = Counter(status for _job_id, status in await rows(db))
    assert finished == {RunStatus.SUCCEEDED.value: 300, RunStatus.SKIPPED.value: 1}


async def test_a_fire_for_a_job_removed_meanwhile_starts_nothing(db: Database, make_engine: EngineFactory) -> None:
    engine = make_engine()  # the real clock: APScheduler's own fires are an hour away
    await engine.add_job(job("kept"), actor="alice")
    await engine.add_job(job("gone"), actor="alice")
    await engine.start()
    instant = utc_now()
    engine._on_fire("kept", instant)
    engine._on_fire("gone", instant)
    await engine.remove_job("gone", actor="alice")  # before the batch is written
    await engine.wait_idle(5)
    for _ in range(50):
        await asyncio.sleep(0.05)
        if await rows(db):
            break
    assert [job_id for job_id, _status in await rows(db)] == ["kept"]
