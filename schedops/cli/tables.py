"""The terminal's tables of jobs and runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.jobs.describe import schedule_expression
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


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"
