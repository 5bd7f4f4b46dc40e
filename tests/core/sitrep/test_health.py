"""One test per health rule, through the database (SQLite and PostgreSQL), plus the rules' thresholds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.config import load_settings
from core.sitrep import HealthLevel, HealthRules, ReasonCode
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock


def codes(report: Any) -> list[ReasonCode]:
    return [reason.code for reason in report.health.reasons]


async def test_it_is_healthy_when_every_job_runs_fine(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S F S")

    report = await sitrep()

    assert report.health.level is HealthLevel.HEALTHY
    assert report.health.reasons == []


async def test_it_is_unhealthy_when_the_scheduler_is_not_running(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S")

    report = await sitrep(scheduler_running=False)

    assert report.health.level is HealthLevel.UNHEALTHY
    assert codes(report) == [ReasonCode.SCHEDULER_STOPPED]
    assert "not running" in report.health.reasons[0].text


async def test_it_is_unhealthy_when_a_job_fails_three_times_in_a_row(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S F F F")

    report = await sitrep()

    assert report.health.level is HealthLevel.UNHEALTHY
    [reason] = report.health.reasons
    assert (reason.code, reason.job_id, reason.level) == (ReasonCode.FAILURE_STREAK, "backup", HealthLevel.UNHEALTHY)
    assert "backup has failed 3 times in a row (last: run 3)" in reason.text


async def test_two_failures_in_a_row_only_degrade(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S F F")

    report = await sitrep()

    assert report.health.level is HealthLevel.DEGRADED
    assert codes(report) == [ReasonCode.LATEST_RUN_FAILED]


async def test_it_is_unhealthy_when_a_run_is_stuck_past_its_timeout(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup", timeout="30m")
    await seed.job("report", timeout="2h")
    stuck = await seed.run("backup", "running", ago=timedelta(minutes=31))
    await seed.run("report", "running", ago=timedelta(minutes=31))

    report = await sitrep()

    [reason] = report.health.reasons
    assert (reason.code, reason.job_id, reason.level) == (ReasonCode.RUN_STUCK, "backup", HealthLevel.UNHEALTHY)
    assert f"Run #{stuck} of backup has been running for 31m, past its 30m timeout" in reason.text


async def test_a_run_exactly_at_its_timeout_is_not_yet_stuck(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup", timeout="30m")
    await seed.run("backup", "running", ago=timedelta(minutes=30))

    assert (await sitrep()).health.level is HealthLevel.HEALTHY


@pytest.mark.parametrize("status", ["failed", "timed_out", "interrupted"])
async def test_it_is_degraded_when_a_jobs_latest_run_failed(seed: Seed, sitrep: Any, status: str) -> None:
    await seed.job("backup")
    await seed.runs("backup", "S S")
    await seed.run("backup", status, error_message="exit code 2: disk full")

    report = await sitrep()

    assert report.health.level is HealthLevel.DEGRADED
    [reason] = report.health.reasons
    assert (reason.code, reason.job_id) == (ReasonCode.LATEST_RUN_FAILED, "backup")
    assert reason.text == "The latest run of backup failed (exit code 2: disk full)."


async def test_it_is_degraded_when_runs_were_missed_in_the_window(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.job("report")
    await seed.run("backup", "missed", ago=timedelta(hours=2))
    await seed.run("backup", "missed", ago=timedelta(hours=1))
    await seed.run("report", "missed", ago=timedelta(hours=25))  # before the window: does not count

    report = await sitrep()

    [reason] = report.health.reasons
    assert (reason.code, reason.job_id, reason.level) == (ReasonCode.RUNS_MISSED, "backup", HealthLevel.DEGRADED)
    assert reason.text == "backup missed 2 scheduled runs in the last 1d."


async def test_it_is_degraded_when_no_jobs_are_defined(sitrep: Any) -> None:
    report = await sitrep()

    assert report.health.level is HealthLevel.DEGRADED
    assert codes(report) == [ReasonCode.NO_JOBS]


async def test_it_is_degraded_when_an_approval_is_pending_past_half_its_lifetime(
    seed: Seed, sitrep: Any, clock: ManualClock
) -> None:
    await seed.job("backup")
    now = clock.now
    await seed.approval(created_at=now - timedelta(minutes=31), expires_at=now + timedelta(minutes=29))
    await seed.approval(created_at=now - timedelta(minutes=29), expires_at=now + timedelta(minutes=31))  # not yet
    await seed.approval(
        created_at=now - timedelta(minutes=50), expires_at=now + timedelta(minutes=10), status="approved"
    )

    report = await sitrep()

    [reason] = report.health.reasons
    assert (reason.code, reason.level) == (ReasonCode.APPROVAL_OVERDUE, HealthLevel.DEGRADED)
    assert reason.text == "An approval to pause requested by alice has been pending for 31m of its 1h."


async def test_reasons_come_worst_first(seed: Seed, sitrep: Any) -> None:
    await seed.job("backup")
    await seed.job("report")
    await seed.runs("report", "F")
    await seed.runs("backup", "F F F")

    report = await sitrep(scheduler_running=False)

    assert codes(report) == [ReasonCode.SCHEDULER_STOPPED, ReasonCode.FAILURE_STREAK, ReasonCode.LATEST_RUN_FAILED]


async def test_the_thresholds_are_configurable(seed: Seed, sitrep: Any, clock: ManualClock) -> None:
    await seed.job("backup", timeout="30m")
    await seed.runs("backup", "F F F")
    await seed.run("backup", "running", ago=timedelta(minutes=40))
    await seed.run("backup", "missed", ago=timedelta(hours=1))
    await seed.approval(created_at=clock.now - timedelta(minutes=40), expires_at=clock.now + timedelta(minutes=20))
    lenient = HealthRules(
        failure_streak_unhealthy=5,
        stuck_grace=timedelta(minutes=15),
        missed_runs_degraded=2,
        approval_overdue_fraction=0.9,
    )

    report = await sitrep(rules=lenient)

    assert codes(report) == [ReasonCode.LATEST_RUN_FAILED]


def test_rules_take_the_failure_streak_from_settings() -> None:
    settings = load_settings({"SCHEDOPS_FAILURE_STREAK_UNHEALTHY": "5"}, env_file=None)

    assert HealthRules.from_settings(settings).failure_streak_unhealthy == 5
    assert HealthRules().failure_streak_unhealthy == 3
