"""One job, one state word, in every renderer: the terminal's job table and job report, and Slack's job
list, job card and job report."""

from __future__ import annotations

import pytest

from bot.views.jobs import job_detail_message, jobs_list_message
from bot.views.sitrep import job_report_message
from core.jobs.state import JobState
from core.sitrep.job_report import build_job_report
from core.sitrep.text import render_job_report
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from schedops.cli.tables import jobs_table
from tests.bot.views.checks import all_text
from tests.core.sitrep.conftest import Seed
from tests.support.clock import ManualClock

WORDS = {state: {other for other in JobState if other is not state} for state in JobState}


@pytest.mark.parametrize(
    ("enabled", "paused", "state"),
    [(True, False, JobState.ACTIVE), (True, True, JobState.PAUSED), (False, True, JobState.DISABLED)],
)
async def test_every_renderer_says_the_same_state(
    db: Database, seed: Seed, clock: ManualClock, enabled: bool, paused: bool, state: JobState
) -> None:
    await seed.job("backup", enabled=enabled, paused_by="bob" if paused else None)
    job = await JobStore(db).require("backup")
    report = await build_job_report(db, "backup", now=clock.now, default_timezone="UTC")

    rendered = {
        "terminal job table": jobs_table([job]).splitlines()[1],
        "terminal job report": render_job_report(report).splitlines()[0],
        "Slack job list": all_text(jobs_list_message([job], page=1)),
        "Slack job card": all_text(job_detail_message(job, upcoming=[], default_timezone="UTC")).split("\n")[0:3],
        "Slack job report": job_report_message(report)["text"],
    }

    assert job.state is state and report.state is state
    for where, text in rendered.items():
        shown = " ".join(text) if isinstance(text, list) else text
        assert str(state) in shown, f"{where}: {shown!r}"
        assert not any(f" {other}" in shown or f"({other}" in shown for other in WORDS[state]), f"{where}: {shown!r}"
