"""Run figures over the window: counts, success rate, duration percentiles and the on-time rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import RunStore
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock


async def test_a_run_created_at_the_window_start_counts_and_one_a_moment_earlier_does_not(
    seed: Seed, sitrep: Any, clock: ManualClock
) -> None:
    await seed.job("backup")
    start = clock.now - timedelta(hours=24)
    await seed.run("backup", "failed", at=start - timedelta(microseconds=1))
    await seed.run("backup", "missed", at=start - timedelta(seconds=1))
    await seed.run("backup", "succeeded", at=start)

    report = await sitrep()

    assert report.runs.total == 1
    assert report.runs.by_status[RunStatus.SUCCEEDED] == 1
    assert report.runs.by_status[RunStatus.FAILED] == 0
    assert report.on_time.missed == 0
    assert report.health.reasons == []


async def test_a_run_created_at_now_counts_and_the_window_can_be_chosen(
    seed: Seed, sitrep: Any, clock: ManualClock
) -> None:
    await seed.job("backup")
    await seed.run("backup", "succeeded", at=clock.now)
    await seed.run("backup", "succeeded", ago=timedelta(hours=3))

    assert (await sitrep()).runs.total == 2
    assert (await sitrep(window=timedelta(hours=1))).runs.total == 1


async def test_it_counts_runs_by_status_and_rates_only_runs_that_ran_to_an_end(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S S S F T I K M")
    await seed.run("backup", "running")

    runs = (await sitrep()).runs

    assert runs.total == 9
    assert {status: count for status, count in runs.by_status.items() if count} == {
        RunStatus.SUCCEEDED: 3,
        RunStatus.FAILED: 1,
        RunStatus.TIMED_OUT: 1,
        RunStatus.INTERRUPTED: 1,
        RunStatus.SKIPPED: 1,
        RunStatus.MISSED: 1,
        RunStatus.RUNNING: 1,
    }
    assert runs.success_rate == pytest.approx(3 / 6)


async def test_there_is_no_success_rate_or_duration_without_finished_runs(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.runs("backup", "K M")

    runs = (await sitrep()).runs

    assert (runs.success_rate, runs.p50_duration, runs.p95_duration) == (None, None, None)


@pytest.mark.parametrize(
    ("durations_ms", "p50_ms", "p95_ms"),
    [
        ([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], 500, 1000),
        ([700, 100, 1900, 300, *range(1000, 1900, 100), 200, 2000, 400, 600, 500, 800, 900], 1000, 1900),
        ([42], 42, 42),
        ([5, 1], 1, 5),
        ([10, 10, 10, 90], 10, 90),
    ],
)
async def test_duration_percentiles_are_the_nearest_rank_of_a_known_set(
    seed: Seed, sitrep: Any, durations_ms: list[int], p50_ms: int, p95_ms: int
) -> None:
    await seed.job("backup")
    for index, duration in enumerate(durations_ms):
        status = "failed" if index % 3 else "succeeded"
        await seed.run("backup", status, ago=timedelta(minutes=index + 1), duration=timedelta(milliseconds=duration))
    await seed.run("backup", "running")  # no duration yet: not counted
    await seed.run("backup", "succeeded", ago=timedelta(days=2), duration=timedelta(hours=9))  # outside

    runs = (await sitrep()).runs

    assert runs.p50_duration == timedelta(milliseconds=p50_ms)
    assert runs.p95_duration == timedelta(milliseconds=p95_ms)


async def test_the_on_time_rate_counts_late_and_missed_runs_against_it(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")  # the default grace: 5 minutes
    await seed.run("backup", "succeeded", ago=timedelta(hours=1), late=timedelta(seconds=2))
    await seed.run("backup", "failed", ago=timedelta(hours=2), late=timedelta(minutes=5))  # at the grace: on time
    await seed.run("backup", "succeeded", ago=timedelta(hours=3), late=timedelta(minutes=5, milliseconds=1))
    await seed.run("backup", "missed", ago=timedelta(hours=4), late=timedelta(minutes=40))
    await seed.run("backup", "running", ago=timedelta(minutes=5), late=timedelta(seconds=1))
    await seed.run("backup", "skipped", ago=timedelta(hours=5))  # an overlap skip: left out
    await seed.run("backup", "succeeded", ago=timedelta(hours=6), trigger="manual")  # not scheduled: left out

    on_time = (await sitrep()).on_time

    assert (on_time.scheduled, on_time.on_time, on_time.late, on_time.missed) == (5, 3, 1, 1)
    assert on_time.rate == pytest.approx(3 / 5)


async def test_a_jobs_own_misfire_grace_decides_whether_it_was_late(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup", misfire_grace="10m")
    await seed.job("report", misfire_grace="1m")
    await seed.job("sync")
    for job_id in ("backup", "report", "sync"):
        await seed.run(job_id, "succeeded", late=timedelta(minutes=7))

    on_time = (await sitrep()).on_time

    assert (on_time.scheduled, on_time.on_time) == (3, 1)


async def test_a_run_a_microsecond_past_its_grace_was_late(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.run("backup", "succeeded", ago=timedelta(hours=1), late=timedelta(minutes=5))
    await seed.run("backup", "succeeded", ago=timedelta(hours=2), late=timedelta(minutes=5, microseconds=1))

    on_time = (await sitrep()).on_time

    assert (on_time.scheduled, on_time.on_time) == (2, 1)


async def test_runs_as_the_engine_records_them_count_as_on_time_late_or_missed(
    db: Database, clock: ManualClock, seed: Seed, sitrep: Any
) -> None:
    await seed.job("backup")
    runs, now = RunStore(db), clock.now
    for late in (timedelta(seconds=1), timedelta(minutes=7)):
        await runs.add(
            "backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=now, scheduled_at=now - late
        )
    await runs.add_missed("backup", [now - timedelta(hours=1)], now=now)
    # Not counted: an overlap skip, and a manual run (the engine gives it the time it was asked for).
    await runs.add("backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.SKIPPED, now=now, scheduled_at=now)
    await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=now, scheduled_at=now)

    on_time = (await sitrep()).on_time

    assert (on_time.scheduled, on_time.on_time, on_time.missed) == (3, 1, 1)


async def test_the_default_grace_is_configurable(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.run("backup", "succeeded", late=timedelta(minutes=7))

    assert (await sitrep()).on_time.on_time == 0
    assert (await sitrep(misfire_grace=timedelta(minutes=10))).on_time.on_time == 1


async def test_there_is_no_on_time_rate_without_scheduled_runs(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.run("backup", "succeeded", trigger="manual")

    on_time = (await sitrep()).on_time

    assert (on_time.scheduled, on_time.rate) == (0, None)


async def test_it_counts_jobs_enabled_and_paused(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.job("report", paused_by="bob")
    await seed.job("sync", enabled=False)

    jobs = (await sitrep()).jobs

    assert (jobs.total, jobs.enabled, jobs.paused) == (3, 2, 1)
