"""The sitrep's lists: failing jobs, running now, upcoming runs, recent runs and paused jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.runs import ErrorClass, RunStatus
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock


async def test_failing_jobs_count_the_failures_since_the_last_success_through_flapping(
    seed: Seed, sitrep: Any, clock: ManualClock
) -> None:
    histories = {"backup": "S F S F F T", "report": "F F S F", "sync": "F F", "clean": "F S", "mail": "S F K F M F"}
    for job_id, history in histories.items():
        await seed.job(job_id)
        await seed.runs(job_id, history)

    failing = {job.job_id: job for job in (await sitrep()).failing_jobs}

    assert list(failing) == ["backup", "mail", "report", "sync"]
    assert {job_id: job.consecutive_failures for job_id, job in failing.items()} == {
        "backup": 3,
        "mail": 3,
        "report": 1,
        "sync": 2,
    }
    backup = failing["backup"]
    assert (backup.last_status, backup.last_error_message) == (RunStatus.TIMED_OUT, "run 5")
    assert backup.last_succeeded_at == clock.now - timedelta(minutes=4) + timedelta(seconds=1)
    assert failing["sync"].last_succeeded_at is None


async def test_a_failing_job_keeps_its_place_while_it_retries(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup", name="Nightly backup")
    await seed.run("backup", "failed", ago=timedelta(minutes=3), error_class="transient", error_message="timeout")
    await seed.run("backup", "running", trigger="retry")

    [job] = (await sitrep()).failing_jobs

    assert (job.job_id, job.title, job.consecutive_failures) == ("backup", "Nightly backup", 1)
    assert (job.last_error_class, job.last_error_message) == (ErrorClass.TRANSIENT, "timeout")


async def test_running_now_shows_how_long_each_run_has_been_going(seed: Seed, sitrep: Any, clock: ManualClock) -> None:
    await seed.job("backup", name="Nightly backup", timeout="2h")
    run_id = await seed.run("backup", "running", ago=timedelta(minutes=90), trigger="manual")
    await seed.run("backup", "succeeded")

    [run] = (await sitrep()).running

    assert (run.run_id, run.job_id, run.title) == (run_id, "backup", "Nightly backup")
    assert run.started_at == clock.now - timedelta(minutes=90)
    assert (run.elapsed, run.timeout, run.stuck) == (timedelta(minutes=90), timedelta(hours=2), False)


async def test_a_run_of_a_removed_job_still_shows_with_the_default_timeout(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.run("gone", "running", ago=timedelta(minutes=61))

    [run] = (await sitrep()).running

    assert (run.job_id, run.title, run.timeout, run.stuck) == ("gone", "gone", timedelta(hours=1), True)


async def test_upcoming_runs_are_merged_across_active_jobs_soonest_first(
    seed: Seed, sitrep: Any, clock: ManualClock
) -> None:
    at = clock.now.replace
    await seed.job("a-hourly", schedule={"cron": "30 * * * *"}, next_run=at(minute=30))
    await seed.job("b-quarter", schedule={"cron": "*/15 * * * *"}, next_run=at(minute=15))
    await seed.job("c-paused", schedule={"cron": "*/5 * * * *"}, next_run=at(minute=5), paused_by="bob")
    await seed.job("d-fresh", schedule={"interval": "20m"})  # never scheduled: from now
    await seed.job("e-disabled", schedule={"cron": "* * * * *"}, next_run=at(minute=1), enabled=False)
    await seed.job("f-behind", schedule={"cron": "0 * * * *"}, next_run=at(hour=11))  # already due

    upcoming = (await sitrep(upcoming=6)).upcoming

    assert [(run.job_id, run.at.strftime("%H:%M")) for run in upcoming] == [
        ("f-behind", "11:00"),
        ("f-behind", "12:00"),
        ("b-quarter", "12:15"),
        ("d-fresh", "12:20"),
        ("a-hourly", "12:30"),
        ("b-quarter", "12:30"),
    ]


async def test_upcoming_runs_come_from_the_soonest_of_many_jobs(seed: Seed, sitrep: Any, clock: ManualClock) -> None:
    for minute in range(15, 0, -1):
        await seed.job(
            f"job-{minute:02d}", schedule={"cron": f"{minute} * * * *"}, next_run=clock.now.replace(minute=minute)
        )
    await seed.job("every-minute", schedule={"cron": "* * * * *"}, next_run=clock.now.replace(minute=20))

    upcoming = (await sitrep(upcoming=3)).upcoming

    assert [run.job_id for run in upcoming] == ["job-01", "job-02", "job-03"]
    assert upcoming[0].at == datetime(2026, 11, 22, 12, 1, tzinfo=UTC)


async def test_recent_runs_are_the_newest_first_and_bounded(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    ids = [await seed.run("backup", "succeeded", ago=timedelta(minutes=30 - n)) for n in range(12)]

    recent = (await sitrep(recent=10)).recent_runs

    assert [run.run_id for run in recent] == ids[::-1][:10]
    assert recent[0].duration == timedelta(seconds=1)


async def test_paused_jobs_are_listed_with_who_paused_them_and_when(
    seed: Seed, sitrep: Any, clock: ManualClock
) -> None:
    await seed.job("sync", name="Mailbox sync", paused_by="bob")
    await seed.job("backup")
    await seed.job("report", paused_by="carol")

    paused = (await sitrep()).paused_jobs

    assert [(job.job_id, job.title, job.paused_by) for job in paused] == [
        ("report", "report", "carol"),
        ("sync", "Mailbox sync", "bob"),
    ]
    assert paused[0].paused_at == clock.now - timedelta(hours=2)
