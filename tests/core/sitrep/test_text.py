"""Plain-text rendering for the terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.sitrep import (
    Health,
    HealthLevel,
    PausedJob,
    Sitrep,
    build_job_report,
    render_job_report,
    render_sitrep,
)
from core.sitrep.text import LIST_LIMIT
from core.storage.database import Database
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock


async def test_the_sitrep_reads_without_slack(seed: Seed, sitrep: Any, clock: ManualClock) -> None:
    await seed.job("backup", timeout="10m", next_run=clock.now + timedelta(minutes=30))
    await seed.job("report", paused_by="bob")
    await seed.runs("backup", "S F F F")
    await seed.run("backup", "running", ago=timedelta(minutes=12), trigger="retry")

    text = render_sitrep(await sitrep(default_timezone="Europe/Berlin"))

    assert text.startswith("schedops sitrep, 2026-11-22 13:00 Europe/Berlin, last 1d\n")
    assert "Health: UNHEALTHY" in text
    assert "  [UNHEALTHY] backup has failed 3 times in a row (last: run 3)." in text
    assert "Jobs       2 defined, 2 enabled, 1 paused" in text
    assert "Runs       5: 1 running, 1 succeeded, 3 failed" in text
    assert "Success    25.0% of finished runs" in text
    assert "On time    100.0% of 4 scheduled runs (0 late, 0 missed)" in text
    assert "Duration   p50 1.0s, p95 1.0s" in text
    assert "Failing jobs (1)" in text
    assert "for 12m  STUCK: past its 10m timeout" in text
    assert "  2026-11-22 13:30  backup" in text  # upcoming, in Berlin time
    assert "  report by bob since 2026-11-22 11:00" in text


def test_long_lists_are_capped() -> None:
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    paused = [PausedJob(job_id=f"job-{n:02d}", title=f"job-{n:02d}", paused_by=None, paused_at=None) for n in range(20)]
    report = Sitrep(
        generated_at=now,
        window=timedelta(hours=24),
        timezone="UTC",
        scheduler_running=True,
        health=Health(level=HealthLevel.HEALTHY),
        paused_jobs=paused,
    )

    text = render_sitrep(report)

    assert f"job-{LIST_LIMIT - 1:02d}" in text
    assert f"job-{LIST_LIMIT:02d}" not in text
    assert f"  ... and {20 - LIST_LIMIT} more" in text


async def test_the_job_report_reads_without_slack(db: Database, seed: Seed, clock: ManualClock) -> None:
    await seed.job("backup", name="Nightly backup", schedule={"cron": "0 3 * * *"}, next_run=clock.now.replace(hour=3))
    await seed.run("backup", "failed", error_message="exit code 2: disk full", output_tail="dumping\nNo space left\n")

    text = render_job_report(await build_job_report(db, "backup", now=clock.now, default_timezone="UTC"))

    assert text.startswith("Job backup: Nightly backup (shell, active)\n")
    assert "Schedule   At 03:00 (UTC time)\n           cron 0 3 * * * (UTC)" in text
    assert "Next runs  2026-11-22 03:00, 2026-11-23 03:00" in text
    assert "0.0% of the last 1 finished runs succeeded; 1 failed in a row." in text
    assert "failed          1.0s  schedule  exit code 2: disk full" in text
    assert "      | dumping\n      | No space left" in text
