"""Plain-text rendering for a terminal (``schedops sitrep``): readable without Slack, times in the sitrep's
time zone, every list capped so a bad day still fits on a screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.durations import format_duration, human_duration
from core.jobs.state import JobState
from core.runs import RunStatus
from core.sitrep.model import (
    FailingJob,
    HealthLevel,
    JobReport,
    PausedJob,
    RunningRun,
    RunStats,
    RunSummary,
    Sitrep,
    UpcomingRun,
    WaitingQueue,
    WorkerLine,
)

LIST_LIMIT = 15
T = TypeVar("T")
_MARK = {HealthLevel.HEALTHY: "ok", HealthLevel.DEGRADED: "degraded", HealthLevel.UNHEALTHY: "UNHEALTHY"}


def render_sitrep(sitrep: Sitrep) -> str:
    zone = ZoneInfo(sitrep.timezone)
    when = f"{sitrep.generated_at.astimezone(zone):%Y-%m-%d %H:%M} {sitrep.timezone}"
    lines = [f"schedops sitrep, {when}, last {format_duration(sitrep.window)}", ""]
    lines.append(f"Health: {sitrep.health.level.value.upper()}")
    lines += _capped(sitrep.health.reasons, lambda reason: f"  [{_MARK[reason.level]}] {reason.text}")
    lines.append("")
    lines += _figures(sitrep)
    sections: list[tuple[str, list[str]]] = [
        (f"Failing jobs ({len(sitrep.failing_jobs)})", _capped(sitrep.failing_jobs, lambda j: _failing(j, zone))),
        (f"Running now ({len(sitrep.running)})", _capped(sitrep.running, _running)),
        ("Upcoming", _capped(sitrep.upcoming, lambda run: _upcoming(run, zone))),
        ("Recent runs", _capped(sitrep.recent_runs, lambda run: _run(run, zone))),
        (f"Paused jobs ({len(sitrep.paused_jobs)})", _capped(sitrep.paused_jobs, lambda j: _paused(j, zone))),
        *_workers(sitrep, zone),
    ]
    for title, body in sections:
        if body:
            lines += ["", title, *body]
    return "\n".join(lines) + "\n"


def render_job_report(report: JobReport) -> str:
    zone = ZoneInfo(report.timezone)
    heading = report.job_id if report.title == report.job_id else f"{report.job_id}: {report.title}"
    state = report.state.value
    if report.state is JobState.PAUSED and report.paused_by:
        state += f" by {report.paused_by}"
    if report.state is JobState.PAUSED and report.paused_at:
        state += f" since {_at(report.paused_at, zone)}"
    lines = [f"Job {heading} ({report.kind}, {state})"]
    if report.description:
        lines.append(report.description)
    lines += ["", "What it does", *(f"  {line}" for line in report.definition)]
    lines += ["", f"Schedule   {report.schedule}", f"           {report.schedule_expression}"]
    upcoming = ", ".join(_at(moment, zone) for moment in report.next_runs) or "none"
    lines += [f"Next runs  {upcoming}", "", _track_record(report, zone)]
    if report.running:
        lines += ["", "Running now", *(_running(run) for run in report.running)]
    lines += ["", f"Last {len(report.last_runs)} runs" if report.last_runs else "No runs yet"]
    for run in report.last_runs:
        lines.append(_run(run, zone))
        lines += [f"      | {line}" for line in (run.output_tail or "").splitlines()]
    return "\n".join(lines) + "\n"


def _figures(sitrep: Sitrep) -> list[str]:
    if sitrep.database_error is not None or sitrep.jobs is None or sitrep.runs is None:
        return [f"Database   unreachable: {sitrep.database_error}"]
    jobs, runs, on_time = sitrep.jobs, sitrep.runs, sitrep.on_time
    lines = [
        f"Scheduler  {'running' if sitrep.scheduler_running else 'NOT RUNNING'}",
        *[f"Replica    {r.host} pid {r.pid}: {r.role} since {r.since:%Y-%m-%d %H:%M:%S} UTC" for r in sitrep.replicas],
        f"Jobs       {jobs.total:,} defined, {jobs.enabled:,} enabled, {jobs.paused:,} paused",
        f"Runs       {runs.total:,}{_by_status(runs)}",
        f"Success    {_percent(runs.success_rate)} of finished runs",
    ]
    if on_time is not None:
        lines.append(
            f"On time    {_percent(on_time.rate)} of {on_time.scheduled:,} scheduled runs "
            f"({on_time.late:,} late, {on_time.missed:,} missed)"
        )
    lines.append(f"Duration   p50 {human_duration(runs.p50_duration)}, p95 {human_duration(runs.p95_duration)}")
    return lines


def _by_status(runs: RunStats) -> str:
    parts = [f"{count:,} {status.value.replace('_', ' ')}" for status, count in runs.by_status.items() if count]
    return f": {', '.join(parts)}" if parts else ""


def _failing(job: FailingJob, zone: ZoneInfo) -> str:
    error = job.last_error_message or job.last_status.value.replace("_", " ")
    kind = f"{job.last_error_class.value}: " if job.last_error_class else ""
    succeeded = _at(job.last_succeeded_at, zone) if job.last_succeeded_at else "never"
    streak = f"{job.consecutive_failures} in a row"
    return f"  {job.job_id:<24} {streak:<12} {kind}{_first_line(error)}  (last success {succeeded})"


def _running(run: RunningRun) -> str:
    stuck = f"  STUCK: past its {format_duration(run.timeout)} timeout" if run.stuck else ""
    on = f"  on {run.worker}" if run.worker else ""
    return f"  #{run.run_id:<9} {run.job_id:<24} for {format_duration(run.elapsed)}{_progress(run)}{on}{stuck}"


def _progress(run: RunningRun) -> str:
    if run.progress is None:
        return ""
    return f"  {run.progress:.0%}" + (f" {run.progress_text}" if run.progress_text else "")


def _workers(sitrep: Sitrep, zone: ZoneInfo) -> list[tuple[str, list[str]]]:
    overview = sitrep.workers
    if overview is None:
        return []
    lines = [_waiting(wait, zone) for wait in overview.waiting]
    lines += _capped(overview.workers, lambda worker: _worker(worker, zone))
    if not overview.workers:
        lines.append("  no worker has registered")
    return [(f"Workers ({overview.online} online of {len(overview.workers)})", lines)]


def _waiting(wait: WaitingQueue, zone: ZoneInfo) -> str:
    why = "every worker on it busy" if wait.served else "NO ONLINE WORKER consumes it"
    return f"  queue {wait.queue}: {wait.runs:,} run(s) waiting since {_at(wait.since, zone)}, {why}"


def _worker(worker: WorkerLine, zone: ZoneInfo) -> str:
    if worker.online:
        state = "online"
    elif worker.stopped_at is not None:
        state = f"offline (stopped {_at(worker.stopped_at, zone)})"
    elif worker.broker_lost_at is not None:
        lost, seen = _at(worker.broker_lost_at, zone), _at(worker.last_seen, zone)
        state = f"offline (cut off from its broker since {lost}, last seen {seen})"
    else:
        state = f"offline (last seen {_at(worker.last_seen, zone)})"
    head = f"  {worker.name} on {worker.host} pid {worker.pid}, queues {', '.join(worker.queues)}: {state}"
    runs = [f"    run #{run.run_id} {run.job_id}{_progress(run)}" for run in worker.running]
    idle = ", idle" if worker.online and not worker.running else ""
    return "\n".join([head + idle, *runs])


def _upcoming(run: UpcomingRun, zone: ZoneInfo) -> str:
    return f"  {_at(run.at, zone)}  {run.job_id}"


def _run(run: RunSummary, zone: ZoneInfo) -> str:
    status = run.status.value.replace("_", " ")
    details = (
        f"  {_first_line(run.error_message)}" if run.error_message and run.status is not RunStatus.SUCCEEDED else ""
    )
    trigger = run.trigger.value if run.attempt == 1 else f"{run.trigger.value} #{run.attempt}"
    when = _at(run.started_at or run.created_at, zone)
    took = human_duration(run.duration)
    return f"  #{run.run_id:<9} {when}  {run.job_id:<24} {status:<11} {took:>8}  {trigger}{details}"


def _paused(job: PausedJob, zone: ZoneInfo) -> str:
    by = f" by {job.paused_by}" if job.paused_by else ""
    since = f" since {_at(job.paused_at, zone)}" if job.paused_at else ""
    return f"  {job.job_id}{by}{since}"


def _track_record(report: JobReport, zone: ZoneInfo) -> str:
    rate = (
        f"{_percent(report.success_rate)} of the last {report.sample_size} finished runs succeeded"
        if report.sample_size
        else "No finished runs yet"
    )
    streak = f"; {report.consecutive_failures} failed in a row" if report.consecutive_failures else ""
    last = f"; last success {_at(report.last_succeeded_at, zone)}" if report.last_succeeded_at else ""
    return f"{rate}{streak}{last}."


def _capped(items: Sequence[T], line: Callable[[T], str]) -> list[str]:
    lines = [line(item) for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        lines.append(f"  ... and {len(items) - LIST_LIMIT} more")
    return lines


def _at(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""
