"""Many fires at one instant: recorded together, each job started once, overlap limits still exact, a fire
another replica recorded first left to it, and a lost leadership withdrawing the whole batch."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utc_now
from core.engine.runner import LOST_LEADERSHIP
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore
from core.storage.tables import RunRow
from tests.core.engine.conftest import EngineFactory, job


async def rows(db: Database) -> list[tuple[str, str]]:
    async with db.session() as session:
        return [(row.job_id, row.status) for row in await session.scalars(select(RunRow))]


async def settle(db: Database, count: int) -> None:
    for _ in range(100):
        if len(await rows(db)) >= count:
            return
        await asyncio.sleep(0.05)


async def test_a_burst_records_every_fire_once_and_skips_only_the_overlap(
    db: Database, make_engine: EngineFactory
) -> None:
    engine = make_engine()  # the real clock: APScheduler's own fires are an hour away
    for number in range(300):
        await engine.add_job(job(f"burst-{number:03d}", kwargs={"seconds": 0.2}), actor="alice")
    await engine.start()
    instant = utc_now()
    # APScheduler hands over every fire of an instant in one go; burst-000 is handed over twice (its fire
    # of a moment before as well, held up): with max_instances 1 the second must be recorded as skipped.
    for number in range(300):
        engine._on_fire(f"burst-{number:03d}", instant)
    engine._on_fire("burst-000", instant - timedelta(milliseconds=500))
    await settle(db, 301)
    recorded = await rows(db)
    per_job = Counter(job_id for job_id, _status in recorded)
    assert set(per_job) == {f"burst-{number:03d}" for number in range(300)}
    assert per_job["burst-000"] == 2 and all(count == 1 for job_id, count in per_job.items() if job_id != "burst-000")
    await engine.wait_idle(10)
    finished = await rows(db)
    # Of burst-000's two fires one ran and one was skipped (read once all ended: the run's 0.2 s nap may be
    # over before the rows are first read on a loaded machine).
    assert Counter(status for job_id, status in finished if job_id == "burst-000") == {
        RunStatus.SUCCEEDED.value: 1,
        RunStatus.SKIPPED.value: 1,
    }
    assert Counter(status for _job_id, status in finished) == {
        RunStatus.SUCCEEDED.value: 300,
        RunStatus.SKIPPED.value: 1,
    }


async def test_a_fire_for_a_job_removed_meanwhile_starts_nothing(db: Database, make_engine: EngineFactory) -> None:
    engine = make_engine()  # the real clock: APScheduler's own fires are an hour away
    await engine.add_job(job("kept"), actor="alice")
    await engine.add_job(job("gone"), actor="alice")
    await engine.start()
    removed = asyncio.Event()

    async def fence() -> bool:  # the batch is taken up only once the removal is committed
        await removed.wait()
        return True

    engine.fence = fence
    instant = utc_now()
    engine._on_fire("kept", instant)
    engine._on_fire("gone", instant)
    await engine.remove_job("gone", actor="alice")  # before the batch is written
    removed.set()
    await settle(db, 1)
    await engine.wait_idle(5)
    assert [job_id for job_id, _status in await rows(db)] == ["kept"]


async def test_a_fire_another_replica_recorded_is_left_to_it_and_the_rest_of_the_batch_runs(
    db: Database, make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine()
    for job_id in ("first", "taken", "last"):
        await engine.add_job(job(job_id), actor="alice")
    await engine.start()
    instant = utc_now()
    # Another process that believed it led recorded (and ran) this fire already: the unique index fences it.
    await RunStore(db).add(
        "taken", trigger=RunTrigger.SCHEDULE, status=RunStatus.SUCCEEDED, now=instant, scheduled_at=instant
    )
    with caplog.at_level(logging.WARNING, logger="core.engine.engine"):
        for job_id in ("first", "taken", "last"):
            engine._on_fire(job_id, instant)
        await settle(db, 3)
        await engine.wait_idle(5)
    assert sorted(await rows(db)) == [
        ("first", RunStatus.SUCCEEDED.value),
        ("last", RunStatus.SUCCEEDED.value),
        ("taken", RunStatus.SUCCEEDED.value),
    ]
    assert "the fire of taken at" in caplog.text and "already recorded by another replica" in caplog.text
    assert engine._runner.active_count("taken") == 0  # its slot was given back


async def test_a_batch_recorded_after_leadership_was_lost_is_withdrawn_and_nothing_starts(
    db: Database, make_engine: EngineFactory
) -> None:
    engine = make_engine()
    for number in range(5):
        await engine.add_job(job(f"lost-{number}"), actor="alice")
    await engine.start()
    answers = iter([True])  # leads when the batch is taken up, no longer once its rows are written

    async def fence() -> bool:
        return next(answers, False)

    engine.fence = fence
    instant = utc_now()
    for number in range(5):
        engine._on_fire(f"lost-{number}", instant)
    await settle(db, 5)
    await engine.wait_idle(5)
    async with db.session() as session:
        recorded = list(await session.scalars(select(RunRow)))
    assert sorted(row.job_id for row in recorded) == [f"lost-{number}" for number in range(5)]
    assert {(row.status, row.error_message, row.started_at) for row in recorded} == {
        (RunStatus.MISSED.value, LOST_LEADERSHIP, None)
    }
    assert all(engine._runner.active_count(f"lost-{number}") == 0 for number in range(5))


async def test_a_batch_taken_up_without_leadership_records_nothing(db: Database, make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.add_job(job("standby"), actor="alice")
    await engine.start()

    async def fence() -> bool:
        return False

    engine.fence = fence
    engine._on_fire("standby", utc_now())
    await asyncio.sleep(0.3)
    await engine.wait_idle(5)
    assert await rows(db) == []


async def test_overlap_counts_runs_of_other_replicas_within_a_batch(db: Database, make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.add_job(job("pair", max_instances=2), actor="alice")
    await engine.start()
    instant = utc_now()
    # One run of it is in progress elsewhere (another replica's row): of two fires now only one may start.
    await RunStore(db).add("pair", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=instant)
    engine._on_fire("pair", instant - timedelta(milliseconds=300))
    engine._on_fire("pair", instant)
    await settle(db, 3)
    await engine.wait_idle(5)
    statuses = Counter(status for _job_id, status in await rows(db))
    assert statuses == {RunStatus.RUNNING.value: 1, RunStatus.SUCCEEDED.value: 1, RunStatus.SKIPPED.value: 1}


async def test_a_fire_runs_the_definition_its_row_holds_and_reuses_the_ones_left_unchanged(
    db: Database, make_engine: EngineFactory
) -> None:
    engine = make_engine()
    await engine.add_job(job("edited", target="tests.support.tasks:echo", kwargs={"version": 1}), actor="alice")
    await engine.add_job(job("untouched", target="tests.support.tasks:echo", kwargs={"version": 1}), actor="alice")
    await engine.start()
    placed = engine._placed["untouched"].spec
    # Another process edits one of them; this engine has not heard of it yet (no refresh, no reconcile).
    await JobStore(db).save(
        job("edited", target="tests.support.tasks:echo", kwargs={"version": 2}),
        now=utc_now() + timedelta(seconds=1),
        actor="bob",
        source="api",
    )
    seen = await JobStore(db).get_many(["edited", "untouched"], known=engine._placed)
    assert seen["untouched"].spec is placed  # its row did not move: not parsed again
    assert seen["edited"].spec.kwargs == {"version": 2}
    instant = utc_now()
    engine._on_fire("edited", instant)
    engine._on_fire("untouched", instant)
    await settle(db, 2)
    await engine.wait_idle(5)
    async with db.session() as session:
        results = {row.job_id: row.result for row in await session.scalars(select(RunRow))}
    assert results == {"edited": {"version": 2}, "untouched": {"version": 1}}
