"""The terminal's tables of jobs and runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.durations import format_duration
from core.jobs.describe import schedule_expression
from core.runs import RunRecord
from core.storage.jobs_store import StoredJob
from core.text_table import text_table


def jobs_table(jobs: Sequence[StoredJob]) -> str:
    if not jobs:
        return "no jobs"
    rows = [
        (job.id, job.spec.kind, str(job.state), schedule_expression(job.spec, None), _when(job.next_run_time))
        for job in jobs
    ]
    return text_table(("ID", "KIND", "STATE", "SCHEDULE", "NEXT RUN"), rows)


def runs_table(runs: Sequence[RunRecord]) -> str:
    if not runs:
        return "no runs"
    rows = [
        (
            str(run.id),
            str(run.status),
            str(run.trigger),
            _when(run.started_at or run.scheduled_at),
            format_duration(run.duration) if run.duration is not None else "-",
            (run.error_message or "").splitlines()[0][:80] if run.error_message else "",
        )
        for run in runs
    ]
    return text_table(("RUN", "STATUS", "TRIGGER", "STARTED", "DURATION", "ERROR"), rows)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"
