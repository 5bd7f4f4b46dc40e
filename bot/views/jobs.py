"""/jobs: the job list, one job's card, its run history, the YAML export, and help."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import ids
from bot.usage import JOBS_USAGE
from bot.views import blocks
from bot.views.common import (
    SECTION_LIMIT,
    Message,
    bounded_lines,
    chunks,
    code_block,
    escape,
    escape_keeping_mentions,
    fallback,
    fallback_mrkdwn,
    inline_code,
    mention,
    more_line,
    packed_sections,
    truncate,
    when,
)
from bot.views.formats import TRIGGER_WORDS, duration, first_line, status_label
from bot.views.running import running_sections
from core.durations import roughly
from core.jobs.describe import describe_job, describe_schedule, schedule_expression
from core.jobs.state import JobState
from core.runs import RunRecord
from core.sitrep.model import RunningRun
from core.storage.jobs_store import StoredJob

MAX_PAGE_SIZE = 100
HISTORY_LIMIT = 45  # one section per run, within the 50 blocks of a message
EXPORT_BLOCKS = 10
NEXT_RUNS = 5
RUNNING_LIMIT = 10  # a section each, within the 50 blocks of a message
TITLE_CHARS = 60
_STATE_EMOJI = {
    JobState.ACTIVE: ":large_green_circle:",
    JobState.PAUSED: ":double_vertical_bar:",
    JobState.DISABLED: ":no_entry_sign:",
}


def job_buttons(job_id: str, *, paused: bool) -> list[dict[str, object]]:
    """Run now, Pause or Resume, History: the buttons of a job card (value: the job id)."""
    toggle = (
        blocks.button("Resume", ids.JOB_RESUME, job_id) if paused else blocks.button("Pause", ids.JOB_PAUSE, job_id)
    )
    return [
        blocks.button("Run now", ids.JOB_RUN, job_id, style="primary"),
        toggle,
        blocks.button("History", ids.JOB_HISTORY, job_id),
    ]


def jobs_list_message(jobs: list[StoredJob], *, page: int, page_size: int = 20, total: int | None = None) -> Message:
    """One page of the job list with Previous / Next buttons (value: the page to show). ``jobs`` is every
    job, or, with ``total`` given, just the jobs of the page (read from the database one page at a time)."""
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    page = max(page, 1)
    count = len(jobs) if total is None else total
    pages = max(1, math.ceil(count / page_size))
    if not count:
        text = "No jobs yet. Add one with `/jobs new`, or in the jobs file."
        return {"text": fallback("No jobs yet."), "blocks": [blocks.section(text)]}
    if page > pages:
        text = f"There is no page {page}: {count:,} jobs make {_pages(pages)}."
        buttons = [blocks.button("Last page", ids.JOBS_PAGE_PREVIOUS, str(pages))]
        return {"text": fallback(text), "blocks": [blocks.section(text), blocks.actions(ids.JOBS_PAGES, *buttons)]}
    shown = jobs[:page_size] if total is not None else jobs[(page - 1) * page_size : page * page_size]
    heading = f"*Jobs* · page {page} of {pages} · {count:,} in all"
    body = [blocks.section(heading), *packed_sections([_job_line(job) for job in shown])]
    body.append(blocks.context("`/jobs show ID` explains a job · `/jobs help` lists what you can do"))
    buttons = []
    if page > 1:
        buttons.append(blocks.button("Previous", ids.JOBS_PAGE_PREVIOUS, str(page - 1)))
    if page < pages:
        buttons.append(blocks.button("Next", ids.JOBS_PAGE_NEXT, str(page + 1)))
    if buttons:
        body.append(blocks.actions(ids.JOBS_PAGES, *buttons))
    return {"text": fallback(f"Jobs, page {page} of {pages} ({count} in all)"), "blocks": body}


def _pages(count: int) -> str:
    return "1 page" if count == 1 else f"{count} pages"


def _job_line(job: StoredJob) -> str:
    state = job.state
    title = "" if job.spec.title == job.id else f" {truncate(escape(job.spec.title), TITLE_CHARS)}"
    upcoming = f" · next {when(job.next_run_time)}" if job.next_run_time and job.active else ""
    return (
        f"{_STATE_EMOJI[state]} *{job.id}*{title} · {job.spec.kind} · {state} · "
        f"{inline_code(schedule_expression(job.spec, None), 120)}{upcoming}"
    )


def job_detail_message(
    job: StoredJob,
    *,
    upcoming: list[datetime],
    default_timezone: str,
    misfire_grace: timedelta = timedelta(minutes=5),
    running: Sequence[RunningRun] = (),
) -> Message:
    """A job's card: what it does, its schedule in words, its state and next runs, its ``running`` runs (each
    with a Cancel button), and what you can do."""
    spec = job.spec
    body: list[blocks.Block] = [
        blocks.header(f"Job: {spec.title}"),
        blocks.context(f"`{job.id}` · {spec.kind} · {_state(job)} · {_source(job)}"),
    ]
    if spec.description:
        body.append(blocks.section(truncate(escape(spec.description), 1500)))
    lines = [escape(line) for line in describe_job(spec, default_misfire_grace=misfire_grace)]
    body.append(blocks.section(f"*What it does*\n{bounded_lines(lines, limit=12, noun='line')}"))
    shown = "\n".join(when(moment) for moment in upcoming[:NEXT_RUNS])
    if not job.active:
        shown = f"none while it is {job.state}"
    body.append(
        blocks.fields(
            f"*Schedule*\n{truncate(escape(describe_schedule(spec, default_timezone)), 500)}\n"
            f"{inline_code(schedule_expression(spec, default_timezone))}",
            f"*Next runs*\n{shown or 'none'}",
        )
    )
    body += running_sections(running, heading="*Running now*", line=_running_on_card, limit=RUNNING_LIMIT, noun="run")
    body.append(blocks.actions(ids.JOB_ACTIONS, *job_buttons(job.id, paused=job.paused)))
    return {"text": fallback(f"Job {job.id} ({spec.kind}, {job.state})"), "blocks": body}


def _running_on_card(run: RunningRun) -> str:
    # The card is about one job: its running runs need no job name.
    stuck = f" · :warning: *stuck*, past its {roughly(run.timeout)} timeout" if run.stuck else ""
    return (
        f":hourglass_flowing_sand: *run {run.run_id}* · {TRIGGER_WORDS[run.trigger]} · started {when(run.started_at)}"
        f" · for {duration(run.elapsed)}{stuck}"
    )


def _state(job: StoredJob) -> str:
    if job.state is not JobState.PAUSED:
        return str(job.state)
    by = f" by {mention(job.paused_by)}" if job.paused_by else ""
    since = f" since {when(job.paused_at)}" if job.paused_at else ""
    return f"*paused*{by}{since}"


def _source(job: StoredJob) -> str:
    return "from the jobs file" if job.source == "file" else "added at run time"


def history_message(job_id: str, runs: list[RunRecord]) -> Message:
    """The latest runs of a job, newest first as given, each with a Show output button (value: run id)."""
    if not runs:
        return {
            "text": fallback(f"No runs of {job_id} yet."),
            "blocks": [blocks.section(f"No runs of `{escape(job_id)}` yet.")],
        }
    body: list[blocks.Block] = [blocks.header(f"History: {job_id}")]
    for run in runs[:HISTORY_LIMIT]:
        body.append(_run_section(run))
    more = more_line(min(len(runs), HISTORY_LIMIT), len(runs), "run")
    if more:
        body.append(blocks.context(f"_{more}_ · `schedops runs {escape(job_id)}` on the server shows them all"))
    return {"text": fallback(f"History of {job_id}: {len(runs)} runs"), "blocks": body}


def _run_section(run: RunRecord) -> blocks.Block:
    trigger = TRIGGER_WORDS[run.trigger] + (f" #{run.attempt}" if run.attempt > 1 else "")
    started = run.started_at or run.scheduled_at or run.created_at
    text = f"{status_label(run.status)} · *run {run.id}* · {trigger} · {when(started)} · {duration(run.duration)}"
    if run.error_message:
        text += f"\n{truncate(escape(first_line(run.error_message)), 300)}"
    accessory = None
    if run.output_tail or run.error_message or run.result is not None:
        accessory = blocks.button("Show output", ids.keyed(ids.SHOW_OUTPUT, run.id), str(run.id))
    return blocks.section(text, block_id=ids.keyed(ids.HISTORY_RUN, run.id), accessory=accessory)


def jobs_help() -> Message:
    lines = [
        "*/jobs* lists and changes scheduled jobs.",
        "• `/jobs` or `/jobs list [PAGE]`: every job, a page at a time",
        "• `/jobs show ID`: what a job does, its schedule in words and its next runs",
        "• `/jobs history ID [N]`: its latest runs, with their output",
        "• `/jobs run|pause|resume|remove ID`: act on a job (admins act at once; anyone else asks an approver)",
        "• `/jobs new` · `/jobs edit ID`: a form to add or change a job",
        "• `/jobs export`: every job as a jobs file (YAML)",
    ]
    return {
        "text": fallback(f"/jobs usage: {JOBS_USAGE}"),
        "blocks": [blocks.section("\n".join(lines)), blocks.context(f"*Usage:* {escape(JOBS_USAGE)}")],
    }


def export_message(yaml_text: str) -> Message:
    """The jobs file in code blocks; past what a message can hold, a note points to the CLI."""
    pieces = chunks(yaml_text, SECTION_LIMIT - 10)
    body = [blocks.section(code_block(piece, SECTION_LIMIT)) for piece in pieces[:EXPORT_BLOCKS]]
    if len(pieces) > EXPORT_BLOCKS:
        shown = "".join(pieces[:EXPORT_BLOCKS]).count("\n")
        total = yaml_text.count("\n") + (0 if yaml_text.endswith("\n") else 1)
        body.append(
            blocks.context(
                f":scissors: Too long for Slack: showing the first {shown:,} of {total:,} lines. "
                "Run `schedops jobs export` on the server for the whole file."
            )
        )
    if not body:
        body = [blocks.section("_No jobs to export._")]
    return {"text": fallback("The jobs file (YAML)"), "blocks": body}


def job_done_message(text: str) -> Message:
    """Confirms a change. ``text`` is plain words, except that user mentions (``<@U123>``) stay mentions."""
    return {
        "text": fallback_mrkdwn(escape_keeping_mentions(text)),
        "blocks": [blocks.section(f":white_check_mark: {truncate(escape_keeping_mentions(text), SECTION_LIMIT - 30)}")],
    }
