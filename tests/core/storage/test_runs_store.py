from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.runs import ExecutionResult, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import NewRun, RunStore, lateness_ms
from core.storage.tables import RunRow
from tests.support.clock import ManualClock


async def _stored_lateness(db: Database, run_id: int) -> int | None:
    async with db.engine.connect() as connection:
        value: int | None = await connection.scalar(select(RunRow.lateness_ms).where(RunRow.id == run_id))
        return value


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=5), 300_000),
        (timedelta(minutes=5, microseconds=1), 300_001),  # past a 5-minute grace, if only just
        (timedelta(milliseconds=-2), -2),
    ],
)
async def test_it_records_how_late_a_scheduled_run_started(
    db: Database, clock: ManualClock, late: timedelta, expected: int
) -> None:
    run = await RunStore(db).add(
        "backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=clock.now, scheduled_at=clock.now - late
    )

    assert await _stored_lateness(db, run.id) == expected


async def test_only_a_scheduled_run_that_started_has_a_lateness(db: Database, clock: ManualClock) -> None:
    runs = RunStore(db)
    earlier = clock.now - timedelta(minutes=1)
    skipped = await runs.add(
        "backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.SKIPPED, now=clock.now, scheduled_at=earlier
    )
    # The engine gives a manual run the time it was asked for as its scheduled time.
    manual = await runs.add(
        "backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=clock.now, scheduled_at=earlier
    )
    await runs.add_missed("backup", [earlier], now=clock.now)
    missed = (await runs.recent("backup", limit=1))[0]

    for run in (skipped, manual, missed):
        assert await _stored_lateness(db, run.id) is None


def test_lateness_is_rounded_up_to_the_millisecond() -> None:
    at = datetime(2026, 11, 22, 12, 0, microsecond=999_999, tzinfo=UTC)

    assert lateness_ms(RunTrigger.SCHEDULE, at, at + timedelta(microseconds=1)) == 1
    assert lateness_ms(RunTrigger.SCHEDULE, at, at - timedelta(microseconds=999)) == 0
    assert lateness_ms(RunTrigger.SCHEDULE, at, None) is None
    assert lateness_ms(RunTrigger.RETRY, at, at) is None


async def test_purge_deletes_old_finished_runs_and_keeps_running_ones(db: Database, clock: ManualClock) -> None:
    runs = RunStore(db)
    old = clock.now - timedelta(days=40)
    finished = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=old)
    await runs.finish(finished.id, ExecutionResult(status=RunStatus.SUCCEEDED), now=old)
    still_running = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=old)
    await runs.add_missed("backup", [old], now=old)
    recent = await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.SKIPPED, now=clock.now)

    removed = await runs.purge(older_than=clock.now - timedelta(days=30))

    assert removed == 2
    assert {run.id for run in await runs.recent("backup")} == {still_running.id, recent.id}


async def test_the_runs_recorded_together_answer_as_they_read_back(db: Database, clock: ManualClock) -> None:
    runs = RunStore(db)
    at = clock.now - timedelta(seconds=1)
    recorded = await runs.add_many(
        [
            NewRun("a", RunTrigger.SCHEDULE, RunStatus.RUNNING, scheduled_at=at),
            NewRun("b", RunTrigger.SCHEDULE, RunStatus.SKIPPED, scheduled_at=at, error_message="skipped: busy"),
            NewRun("c", RunTrigger.MANUAL, RunStatus.RUNNING, scheduled_at=at, requested_by="U1", fixit_plan_id="p1"),
            NewRun("d", RunTrigger.RETRY, RunStatus.RUNNING, scheduled_at=at, attempt=2, retry_of=7, queue="reports"),
        ],
        now=clock.now,
    )

    assert all(run is not None for run in recorded)
    assert recorded == [await runs.get(run.id) for run in recorded if run is not None]
