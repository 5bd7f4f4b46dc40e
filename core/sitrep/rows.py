"""From query rows to the sitrep's model objects. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.runs import OUTCOME_STATUSES, ErrorClass, RunStatus, RunTrigger
from core.sitrep.catalogue import timeout_of
from core.sitrep.health import HealthRules
from core.sitrep.model import FailingJob, OnTimeStats, RunningRun, RunStats, RunSummary
from core.sitrep.queries import AnyRow
from core.sitrep.window import OnTimeCounts, StatusCounts
from core.storage.failures import FailingJobRecord

TAIL_LINES = 10
TAIL_CHARS = 1000


def run_summary(row: AnyRow) -> RunSummary:
    output = getattr(row, "output_tail", None)
    return RunSummary(
        run_id=row.id,
        job_id=row.job_id,
        title=row.name or row.job_id,
        trigger=RunTrigger(row.trigger),
        attempt=row.attempt,
        status=RunStatus(row.status),
        created_at=row.created_at,
        started_at=row.started_at,
        duration=None if row.duration_ms is None else timedelta(milliseconds=row.duration_ms),
        error_class=ErrorClass(row.error_class) if row.error_class else None,
        error_message=row.error_message,
        output_tail=None if output is None else tail(output),
    )


def running_run(row: AnyRow, rules: HealthRules, now: datetime) -> RunningRun:
    started: datetime = row.started_at or row.created_at
    timeout = timeout_of(row.timeout)
    return RunningRun(
        run_id=row.id,
        job_id=row.job_id,
        title=row.name or row.job_id,
        trigger=RunTrigger(row.trigger),
        started_at=started,
        elapsed=max(now - started, timedelta(0)),
        timeout=timeout,
        stuck=rules.is_stuck(started, timeout, now),
        worker=getattr(row, "claimed_by", None),
        progress=getattr(row, "progress", None),
        progress_text=getattr(row, "progress_text", None) or None,
    )


def failing_job(job: FailingJobRecord) -> FailingJob:
    return FailingJob(
        job_id=job.job_id,
        title=job.title,
        consecutive_failures=job.streak,
        last_status=job.status,
        last_error_class=job.error_class,
        last_error_message=job.error_message,
        last_failed_at=job.failed_at,
        last_succeeded_at=job.last_succeeded_at,
    )


def run_stats(counts: StatusCounts, p50_ms: int | None, p95_ms: int | None) -> RunStats:
    finished = sum(counts.by_status[status] for status in OUTCOME_STATUSES)
    succeeded = counts.by_status[RunStatus.SUCCEEDED]
    return RunStats(
        by_status=counts.by_status,
        total=sum(counts.by_status.values()),
        success_rate=succeeded / finished if finished else None,
        p50_duration=None if p50_ms is None else timedelta(milliseconds=p50_ms),
        p95_duration=None if p95_ms is None else timedelta(milliseconds=p95_ms),
    )


def on_time_stats(counts: OnTimeCounts) -> OnTimeStats:
    return OnTimeStats(
        scheduled=counts.scheduled,
        on_time=counts.on_time,
        missed=counts.missed,
        rate=counts.on_time / counts.scheduled if counts.scheduled else None,
    )


def tail(output: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The end of a run's output: its last ``lines`` lines, and at most ``chars`` characters of them."""
    kept = "\n".join(output.rstrip("\n").splitlines()[-lines:])
    return kept[-chars:]
