"""One job explained: definition and schedule in words, next runs, last runs, success rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.runs import RunStatus, RunTrigger
from core.sitrep import build_job_report
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock


async def test_the_report_explains_the_job_and_how_it_has_been_doing(
    db: Database, seed: Seed, clock: ManualClock
) -> None:
    await seed.job(
        "backup",
        name="Nightly backup",
        description="Dumps the orders database.",
        command=["pg_dump", "-Fc", "orders"],
        schedule={"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
        timeout="30m",
        retries={"max": 2, "backoff": "1m"},
        next_run=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )
    await seed.runs("backup", "S S F S F F")
    await seed.run("backup", "succeeded", ago=timedelta(days=3), output_tail="".join(f"line {n}\n" for n in range(30)))
    await seed.run("backup", "running", trigger="manual")

    report = await build_job_report(db, "backup", now=clock.now, default_timezone="UTC", last=3)

    assert (report.job_id, report.title, report.kind) == ("backup", "Nightly backup", "shell")
    assert report.description == "Dumps the orders database."
    assert report.schedule == "At 09:00, Monday through Friday (Europe/Berlin time)"
    assert report.schedule_expression == "cron 0 9 * * 1-5 (Europe/Berlin)"
    assert report.definition[:3] == [
        "Runs pg_dump -Fc orders (without a shell).",
        "Gives up after 30 minutes.",
        "Retries a failed run up to 2 times, after 1 minute, doubling each time.",
    ]
    # Monday to Friday at 09:00 in Berlin: 08:00 UTC in winter
    assert [moment.strftime("%a %H:%M") for moment in report.next_runs] == [
        "Mon 08:00",
        "Tue 08:00",
        "Wed 08:00",
        "Thu 08:00",
        "Fri 08:00",
    ]
    assert [run.status for run in report.last_runs] == [RunStatus.RUNNING, RunStatus.SUCCEEDED, RunStatus.FAILED]
    assert report.last_runs[0].trigger is RunTrigger.MANUAL
    assert report.last_runs[1].output_tail == "\n".join(f"line {n}" for n in range(20, 30))
    assert [run.run_id for run in report.running] == [report.last_runs[0].run_id]
    assert (report.sample_size, report.success_rate) == (7, pytest.approx(4 / 7))
    assert report.consecutive_failures == 0
    assert report.last_succeeded_at == clock.now - timedelta(days=3) + timedelta(seconds=1)


async def test_the_success_rate_covers_the_latest_finished_runs_only(
    db: Database, seed: Seed, clock: ManualClock
) -> None:
    await seed.job("backup")
    await seed.runs("backup", "F F S S K M F")

    report = await build_job_report(db, "backup", now=clock.now, default_timezone="UTC", sample=4)

    assert (report.sample_size, report.success_rate) == (4, pytest.approx(2 / 4))
    assert report.consecutive_failures == 1


async def test_a_paused_job_has_no_next_runs(db: Database, seed: Seed, clock: ManualClock) -> None:
    await seed.job("backup", paused_by="bob", next_run=clock.now + timedelta(hours=1))

    report = await build_job_report(db, "backup", now=clock.now, default_timezone="UTC")

    assert (report.paused, report.paused_by, report.next_runs) == (True, "bob", [])
    assert (report.sample_size, report.success_rate, report.last_runs) == (0, None, [])


async def test_an_unknown_job_raises_a_lookup_error(db: Database, clock: ManualClock) -> None:
    with pytest.raises(JobLookupError, match="no job with id 'nope'"):
        await build_job_report(db, "nope", now=clock.now, default_timezone="UTC")


async def test_the_report_never_shows_secrets(db: Database, seed: Seed, clock: ManualClock) -> None:
    await seed.job(
        "hook",
        kind="http",
        command=None,
        url="https://deploy:hunter2@example.com/hooks/run?token=s3cr3t",
        headers={"Authorization": "Bearer abc123"},
    )

    report = await build_job_report(db, "hook", now=clock.now, default_timezone="UTC")

    text = " ".join(report.definition)
    assert "Calls GET https://[hidden]@example.com/hooks/run?… and expects HTTP 200" in text
    assert "Authorization" in text
    for secret in ("hunter2", "s3cr3t", "abc123"):
        assert secret not in report.model_dump_json()
