"""Failing jobs and failure streaks: one definition, so the sitrep, fix-it planning, the job report and the run
store tell the same story about the same history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from core.fixit import plan_fixit
from core.sitrep import build_job_report, build_sitrep
from core.storage.database import Database
from core.storage.failures import failing_jobs, failing_jobs_with_runs, failure_streak
from core.storage.runs_store import RunStore
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock

# job: history oldest first (S succeeded, F failed, T timed out, I interrupted, K skipped, M missed), one a minute
HISTORIES = {
    "broken": "S F T I",
    "never-healthy": "F F",
    "flappy": "F S F S F",
    "healed": "F F S",
    "skipped-since": "S F K M",
    "healed-then-skipped": "F S K",
    "only-skips": "K M",
    "old-streak": "S S F F F F F",
}
FAILING = {"broken": 3, "never-healthy": 2, "flappy": 1, "skipped-since": 1, "old-streak": 5, "days-ago": 2}
STREAKS = FAILING | {"healed": 0, "healed-then-skipped": 0, "only-skips": 0, "never-ran": 0}


async def seed_history(seed: Seed) -> None:
    for job_id, history in HISTORIES.items():
        await seed.job(job_id, name=f"The {job_id} job" if job_id == "broken" else None)
        await seed.runs(job_id, history)
    await seed.job("days-ago")
    await seed.runs("days-ago", "S F F", every=timedelta(days=1))
    await seed.job("never-ran")


@pytest.fixture
def seed(db: Database, clock: ManualClock) -> Seed:
    return Seed(db, clock.now)


@pytest.fixture
async def seeded(db: Database, clock: ManualClock) -> Database:
    await seed_history(Seed(db, clock.now))
    return db


async def test_the_sitrep_fixit_and_run_store_agree_on_failing_jobs_and_streaks(
    seeded: Database, clock: ManualClock
) -> None:
    sitrep = await build_sitrep(seeded, now=clock.now, scheduler_running=True, default_timezone="UTC")
    plan = await plan_fixit(seeded, window=timedelta(days=30), now=clock.now)
    runs = RunStore(seeded)

    assert {job.job_id: job.consecutive_failures for job in sitrep.failing_jobs} == FAILING
    assert {item.job_id: item.consecutive_failures for item in plan.items} == FAILING
    assert {job_id: await runs.consecutive_failures(job_id) for job_id in STREAKS} == STREAKS


async def test_the_job_report_counts_the_same_streak_as_the_run_store(seeded: Database, clock: ManualClock) -> None:
    runs = RunStore(seeded)
    for job_id, streak in STREAKS.items():
        report = await build_job_report(seeded, job_id, now=clock.now, default_timezone="UTC")
        assert (job_id, report.consecutive_failures) == (job_id, streak)
        assert (job_id, await runs.consecutive_failures(job_id)) == (job_id, streak)


async def test_each_failing_job_carries_its_latest_outcome_and_last_success(seeded: Database) -> None:
    async with seeded.engine.connect() as connection:
        jobs = {job.job_id: job for job in await failing_jobs(connection)}

    assert list(jobs) == sorted(FAILING)
    broken = jobs["broken"]
    assert (broken.title, broken.status, broken.error_message) == ("The broken job", "interrupted", "run 3")
    assert broken.failed_at is not None and broken.last_succeeded_at is not None
    assert broken.last_succeeded_at < broken.failed_at
    assert jobs["never-healthy"].last_succeeded_at is None
    # Skipped and missed runs came after the failure, but are not outcomes: the failure is still the latest one.
    assert jobs["skipped-since"].error_message == "run 1"
    assert jobs["flappy"].title == "flappy"


async def test_with_runs_the_same_jobs_come_with_the_whole_of_their_failed_run(db: Database, seed: Seed) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S F")
    run_id = await seed.run("backup", "timed_out", error_class="transient", output_tail="copied 3 of 9 files\n")
    await seed.job("report")
    await seed.runs("report", "F")

    async with db.engine.connect() as connection:
        summaries = await failing_jobs(connection)
        whole = await failing_jobs_with_runs(connection)

    assert [job for job, _ in whole] == summaries
    [(backup_job, backup), (_, report)] = whole
    assert (backup_job.run_id, backup.id, backup.status) == (run_id, run_id, "timed_out")
    assert (backup.output_tail, backup.error_class, backup.job_id) == ("copied 3 of 9 files\n", "transient", "backup")
    assert (report.job_id, report.status, report.error_message) == ("report", "failed", "run 0")


async def test_since_leaves_out_jobs_whose_failure_is_older(seeded: Database, clock: ManualClock) -> None:
    async with seeded.engine.connect() as connection:
        recent = await failing_jobs(connection, since=clock.now - timedelta(hours=1))
        all_failing = await failing_jobs(connection, since=clock.now - timedelta(days=30))

    assert [job.job_id for job in recent] == sorted(set(FAILING) - {"days-ago"})
    assert [job.job_id for job in all_failing] == sorted(FAILING)
    plan = await plan_fixit(seeded, window=timedelta(hours=1), now=clock.now)
    assert [item.job_id for item in plan.items] == [job.job_id for job in recent]


async def test_job_ids_restrict_the_failing_jobs(seeded: Database) -> None:
    async with seeded.engine.connect() as connection:
        chosen = await failing_jobs(connection, job_ids=["flappy", "healed", "never-ran", "no-such-job"])
        none = await failing_jobs(connection, job_ids=[])

    assert [(job.job_id, job.streak) for job in chosen] == [("flappy", 1)]
    assert none == []


async def test_a_failing_job_says_whether_a_run_is_in_progress(db: Database, seed: Seed) -> None:
    await seed.job("busy")
    await seed.runs("busy", "S F")
    await seed.run("busy", "running", ago=timedelta(seconds=10))

    async with db.engine.connect() as connection:
        [job] = await failing_jobs(connection)
        streak = await failure_streak(connection, "busy")

    # The running run is not an outcome: it neither ends nor extends the streak.
    assert (job.job_id, job.running, job.streak, streak) == ("busy", True, 1, 1)


async def test_a_job_with_no_run_in_progress_is_not_running(db: Database, seed: Seed) -> None:
    await seed.job("stopped")
    await seed.runs("stopped", "F F")

    async with db.engine.connect() as connection:
        [job] = await failing_jobs(connection)

    assert (job.job_id, job.streak, job.running, job.enabled, job.paused) == ("stopped", 2, False, True, False)


async def test_a_paused_job_is_failing_with_who_paused_it(db: Database, seed: Seed) -> None:
    await seed.job("held", paused_by="bob")
    await seed.runs("held", "T")

    async with db.engine.connect() as connection:
        [job] = await failing_jobs(connection)

    assert (job.job_id, job.paused, job.paused_by) == ("held", True, "bob")


async def test_runs_of_a_removed_job_make_no_failing_job(db: Database, seed: Seed) -> None:
    await seed.runs("removed", "F F")

    async with db.engine.connect() as connection:
        assert await failing_jobs(connection) == []
        # The streak is about runs, which outlive their job: an alert about the last one still counts them.
        assert await failure_streak(connection, "removed") == 2


_WALKABLE = ("SCAN jobs", "SCAN CONSTANT ROW")


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/plans.db")
    await database.migrate()
    yield database
    await database.close()


async def test_failing_jobs_and_streaks_seek_indexes_never_walk_the_runs(
    sqlite_db: Database, clock: ManualClock
) -> None:
    await seed_history(Seed(sqlite_db, clock.now))
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "runs" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_db.engine.sync_engine, "before_cursor_execute", record)
    await plan_fixit(sqlite_db, window=timedelta(days=1), job_ids=["broken", "flappy"], now=clock.now)
    await RunStore(sqlite_db).consecutive_failures("broken")
    async with sqlite_db.engine.connect() as connection:
        await failing_jobs(connection)
    event.remove(sqlite_db.engine.sync_engine, "before_cursor_execute", record)

    assert len(statements) == 3
    async with sqlite_db.engine.connect() as connection:
        for statement, parameters in statements:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            steps = [str(row[3]) for row in plan]
            # Only the jobs are walked; every read of runs is a seek (the running probe takes few rows either way).
            walks = [step for step in steps if step.startswith("SCAN") and not step.startswith(_WALKABLE)]
            assert not walks, (statement, steps)
            assert all("USING" in step for step in steps if step.startswith("SEARCH")), (statement, steps)
