"""Plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.durations import format_duration
from core.jobs.spec import JobSpec
from core.runs import RunRecord
from core.sitrep.describe import schedule_expression
from core.storage.jobs_store import StoredJob


def schedule_words(spec: JobSpec) -> str:
    """The schedule as written in a jobs file (the job's own zone only: the default is not known here)."""
    return schedule_expression(spec, None)


def state_words(job: StoredJob) -> str:
    if not job.enabled:
        return "disabled"
    return "paused" if job.paused else "active"


def jobs_table(jobs: Sequence[StoredJob]) -> str:
    if not jobs:
        return "no jobs"
    rows = [
        (job.id, job.spec.kind, state_words(job), schedule_words(job.spec), _when(job.next_run_time)) for job in jobs
    ]
    return _table(("ID", "KIND", "STATE", "SCHEDULE", "NEXT RUN"), rows)


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
    return _table(("RUN", "STATUS", "TRIGGER", "STARTED", "DURATION", "ERROR"), rows)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    return "\n".join(lines)
