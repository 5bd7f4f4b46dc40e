"""/sitrep: the whole situation, one job's report, and help."""

from __future__ import annotations

from bot import ids
from bot.usage import SITREP_USAGE
from bot.views import blocks
from bot.views.common import Message, bounded_lines, escape, fallback, inline_code, mention, truncate, when
from bot.views.formats import (
    HEALTH_EMOJI,
    STATUS_EMOJI,
    TRIGGER_WORDS,
    duration,
    first_line,
    percent,
    status_label,
    status_words,
)
from bot.views.jobs import job_buttons
from bot.views.running import running_sections
from bot.views.workers import progress_words, workers_block
from core.durations import roughly
from core.jobs.state import JobState
from core.sitrep.model import (
    FailingJob,
    JobReport,
    PausedJob,
    ReplicaLine,
    RunningRun,
    RunSummary,
    Sitrep,
    UpcomingRun,
)

LIST_LIMIT = 10
ERROR_CHARS = 120
TITLE_CHARS = 60


def _replica(line: ReplicaLine) -> str:
    return f"`{line.host}` pid {line.pid}: {line.role} since {when(line.since)}"


def sitrep_message(sitrep: Sitrep) -> Message:
    level = sitrep.health.level
    body: list[blocks.Block] = [
        blocks.header(f"{HEALTH_EMOJI[level]} Sitrep: {level.value}"),
        blocks.context(
            f"{when(sitrep.generated_at)} · last {roughly(sitrep.window)} · "
            f"scheduler {'running' if sitrep.scheduler_running else '*not running*'}"
        ),
    ]
    if sitrep.health.reasons:
        body.append(reasons_block(sitrep))
    body.append(figures_block(sitrep))
    body += _listed("Failing jobs", [failing_line(job) for job in sitrep.failing_jobs], "failing job")
    body += running_sections(
        sitrep.running,
        heading=f"*Running now ({len(sitrep.running)})*",
        line=_running,
        limit=LIST_LIMIT,
        noun="running job",
    )
    sections = (
        ("Next runs", [upcoming_line(run) for run in sitrep.upcoming], "scheduled run"),
        ("Paused jobs", [_paused(job) for job in sitrep.paused_jobs], "paused job"),
        ("Replicas", [_replica(line) for line in sitrep.replicas] if len(sitrep.replicas) > 1 else [], "replica"),
    )
    for title, lines, noun in sections:
        body += _listed(title, lines, noun)
    workers = workers_block(sitrep)
    if workers is not None:
        body.append(workers)
    return {"text": fallback(_summary(sitrep)), "blocks": body}


def _listed(title: str, lines: list[str], noun: str) -> list[blocks.Block]:
    if not lines:
        return []
    return [blocks.section(f"*{title} ({len(lines)})*\n{bounded_lines(lines, limit=LIST_LIMIT, noun=noun)}")]


def reasons_block(sitrep: Sitrep) -> blocks.Block:
    reasons = [f"{HEALTH_EMOJI[reason.level]} {escape(reason.text)}" for reason in sitrep.health.reasons]
    return blocks.section(bounded_lines(reasons, limit=LIST_LIMIT, noun="reason"))


def _summary(sitrep: Sitrep) -> str:
    text = f"Sitrep: {sitrep.health.level.value}"
    if sitrep.database_error is not None:
        return f"{text}, database unreachable"
    return (
        f"{text}: {len(sitrep.failing_jobs)} failing, {len(sitrep.running)} running, {len(sitrep.paused_jobs)} paused"
    )


def figures_block(sitrep: Sitrep) -> blocks.Block:
    if sitrep.database_error is not None or sitrep.jobs is None or sitrep.runs is None:
        error = truncate(escape(sitrep.database_error or "unknown error"), 1000)
        return blocks.section(f":rotating_light: *Database unreachable:* {error}")
    jobs, runs, on_time = sitrep.jobs, sitrep.runs, sitrep.on_time
    counts = [f"{count:,} {status_words(status)}" for status, count in runs.by_status.items() if count]
    figures = [
        f"*Jobs*\n{jobs.total:,} defined · {jobs.enabled:,} enabled · {jobs.paused:,} paused",
        f"*Runs*\n{runs.total:,}" + (f" ({', '.join(counts)})" if counts else ""),
        f"*Success rate*\n{percent(runs.success_rate)}",
        f"*Duration*\np50 {duration(runs.p50_duration)} · p95 {duration(runs.p95_duration)}",
    ]
    if on_time is not None:
        figures.append(
            f"*On time*\n{percent(on_time.rate)} of {on_time.scheduled:,} scheduled "
            f"({on_time.late:,} late, {on_time.missed:,} missed)"
        )
    return blocks.fields(*figures)


def _job(job_id: str, title: str) -> str:
    named = "" if title == job_id else f" ({truncate(escape(title), TITLE_CHARS)})"
    return f"*{job_id}*{named}"


def failing_line(job: FailingJob) -> str:
    error = first_line(job.last_error_message) or status_words(job.last_status)
    kind = f"{job.last_error_class.value}: " if job.last_error_class else ""
    succeeded = when(job.last_succeeded_at) if job.last_succeeded_at else "never"
    return (
        f"{STATUS_EMOJI[job.last_status]} {_job(job.job_id, job.title)} · {job.consecutive_failures} in a row · "
        f"{kind}{truncate(escape(error), ERROR_CHARS)} · last success {succeeded}"
    )


def _running(run: RunningRun) -> str:
    stuck = f" · :warning: *stuck*, past its {roughly(run.timeout)} timeout" if run.stuck else ""
    trigger = TRIGGER_WORDS[run.trigger]
    elapsed = duration(run.elapsed)
    return (
        f":hourglass_flowing_sand: {_job(run.job_id, run.title)} · run {run.run_id} · {trigger} · for {elapsed}"
        f"{progress_words(run)}{stuck}"
    )


def upcoming_line(run: UpcomingRun) -> str:
    return f"{when(run.at)} · {_job(run.job_id, run.title)}"


def _paused(job: PausedJob) -> str:
    by = f" by {mention(job.paused_by)}" if job.paused_by else ""
    since = f" since {when(job.paused_at)}" if job.paused_at else ""
    return f":double_vertical_bar: {_job(job.job_id, job.title)}{by}{since}"


def job_report_message(report: JobReport) -> Message:
    body: list[blocks.Block] = [
        blocks.header(f"Job: {report.title}"),
        blocks.context(f"`{report.job_id}` · {escape(report.kind)} · {_state(report)}"),
    ]
    if report.description:
        body.append(blocks.section(truncate(escape(report.description), 1500)))
    definition = [escape(line) for line in report.definition]
    body.append(blocks.section(f"*What it does*\n{bounded_lines(definition, limit=LIST_LIMIT, noun='line')}"))
    upcoming = "\n".join(when(moment) for moment in report.next_runs[:5]) or "none"
    body.append(
        blocks.fields(
            f"*Schedule*\n{truncate(escape(report.schedule), 500)}\n{inline_code(report.schedule_expression)}",
            f"*Next runs*\n{upcoming}",
            f"*Track record*\n{_track_record(report)}",
            f"*Last success*\n{when(report.last_succeeded_at) if report.last_succeeded_at else 'never'}",
        )
    )
    body += running_sections(report.running, heading="*Running now*", line=_running, limit=LIST_LIMIT, noun="run")
    runs = [_run_line(run) for run in report.last_runs]
    if runs:
        body.append(blocks.section(f"*Last runs*\n{bounded_lines(runs, limit=LIST_LIMIT, noun='run')}"))
    else:
        body.append(blocks.section("_No runs yet._"))
    body.append(blocks.actions(ids.JOB_REPORT_ACTIONS, *job_buttons(report.job_id, paused=report.paused)))
    text = f"Job {report.job_id}: {report.state}"
    return {"text": fallback(f"{text}, {_track_record(report)}"), "blocks": body}


def _state(report: JobReport) -> str:
    if report.state is not JobState.PAUSED:
        return f"*{report.state}*" if report.state is JobState.DISABLED else str(report.state)
    by = f" by {mention(report.paused_by)}" if report.paused_by else ""
    since = f" since {when(report.paused_at)}" if report.paused_at else ""
    return f"*paused*{by}{since}"


def _track_record(report: JobReport) -> str:
    if not report.sample_size:
        return "no finished runs yet"
    streak = f"; {report.consecutive_failures} failed in a row" if report.consecutive_failures else ""
    return f"{percent(report.success_rate)} of the last {report.sample_size} succeeded{streak}"


def _run_line(run: RunSummary) -> str:
    trigger = TRIGGER_WORDS[run.trigger] if run.attempt == 1 else f"{TRIGGER_WORDS[run.trigger]} #{run.attempt}"
    error = f" · {truncate(escape(first_line(run.error_message)), ERROR_CHARS)}" if run.error_message else ""
    started = when(run.started_at or run.created_at)
    return f"{status_label(run.status)} · run {run.run_id} · {trigger} · {started} · {duration(run.duration)}{error}"


def sitrep_help() -> Message:
    return {
        "text": fallback(f"/sitrep usage: {SITREP_USAGE}"),
        "blocks": [
            blocks.section(
                "*/sitrep* shows how the scheduled jobs are doing: health and why, run counts, success rate, "
                "durations, on-time rate, failing and running jobs, what runs next and what is paused.\n"
                "With a job id it explains that one job: what it does, its schedule in words, its next runs "
                "and its last runs."
            ),
            blocks.context(f"*Usage:* {escape(SITREP_USAGE)}"),
        ],
    }
