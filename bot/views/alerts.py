"""Failure alerts: the first failure with what to do about it, repeats in its thread, and recovery."""

from __future__ import annotations

from bot import ids
from bot.views import blocks
from bot.views.common import Message, code_block, escape, fallback, truncate, when
from bot.views.formats import (
    ERROR_CLASS_WORDS,
    STATUS_EMOJI,
    TRIGGER_WORDS,
    duration,
    first_line,
    ordinal,
    status_words,
)
from core.jobs.spec import JobSpec
from core.runs import RunRecord, RunStatus

TITLE_CHARS = 150
ERROR_CHARS = 1000
OUTPUT_CHARS = 2000
OUTPUT_LINES = 30
_WHAT_HAPPENED = {
    RunStatus.FAILED: "failed",
    RunStatus.TIMED_OUT: "timed out",
    RunStatus.INTERRUPTED: "was interrupted",
}


def failure_alert_message(job: JobSpec, run: RunRecord, *, consecutive_failures: int) -> Message:
    """A failed run: the job, why it failed, the end of its output, and Retry / Pause / Show output."""
    happened = _WHAT_HAPPENED.get(run.status, status_words(run.status))
    streak = f" ({ordinal(consecutive_failures)} failure in a row)" if consecutive_failures > 1 else ""
    title = truncate(escape(job.title), TITLE_CHARS)
    body: list[blocks.Block] = [
        blocks.section(f"{STATUS_EMOJI[run.status]} *Job {title} {happened}*{streak}"),
        blocks.fields(*_facts(job, run)),
    ]
    if run.error_message:
        body.append(blocks.section(f"*Error*\n{code_block(run.error_message, ERROR_CHARS)}"))
    if run.output_tail and run.output_tail.strip():
        tail = "\n".join(run.output_tail.strip("\n").splitlines()[-OUTPUT_LINES:])
        body.append(blocks.section(f"*End of the output*\n{code_block(tail, OUTPUT_CHARS, keep_end=True)}"))
    body.append(
        blocks.actions(
            ids.ALERT_ACTIONS,
            blocks.button("Retry", ids.RETRY, job.id, style="primary"),
            blocks.button("Pause", ids.PAUSE, job.id),
            blocks.button("Show output", ids.SHOW_OUTPUT, str(run.id)),
        )
    )
    error = first_line(run.error_message)
    text = f"Job {job.id} {happened}{streak}" + (f": {error}" if error else "")
    # The mention in the text (after escaping, so it stays a mention) is what notifies the owner.
    mention = f"<@{job.owner}> " if job.owner else ""
    return {"text": mention + fallback(text), "blocks": body}


def _facts(job: JobSpec, run: RunRecord) -> list[str]:
    trigger = TRIGGER_WORDS[run.trigger] + (f", attempt {run.attempt}" if run.attempt > 1 else "")
    facts = [f"*Job*\n`{job.id}` ({job.kind})", f"*Run*\n{run.id} · {trigger}"]
    if job.owner:
        facts.append(f"*Owner*\n<@{job.owner}>")
    if run.error_class is not None:
        facts.append(f"*Error class*\n{ERROR_CLASS_WORDS[run.error_class]}")
    started = run.started_at or run.scheduled_at or run.created_at
    facts += [f"*Started*\n{when(started)}", f"*Duration*\n{duration(run.duration)}"]
    if run.exit_code is not None:
        facts.append(f"*Exit code*\n{run.exit_code}")
    if run.http_status is not None:
        facts.append(f"*HTTP status*\n{run.http_status}")
    return facts


def repeat_failure_reply(run: RunRecord, *, consecutive_failures: int) -> Message:
    """A further failure, for the alert's thread (the alert itself stays as it was)."""
    happened = _WHAT_HAPPENED.get(run.status, status_words(run.status))
    moment = run.finished_at or run.started_at or run.created_at
    streak = f"{ordinal(consecutive_failures)} in a row"
    text = f"{STATUS_EMOJI[run.status]} Run {run.id} {happened} too: {streak} · {when(moment)}"
    error = first_line(run.error_message)
    if error:
        text += f"\n{truncate(escape(error), 300)}"
    output = blocks.button("Show output", ids.SHOW_OUTPUT, str(run.id))
    summary = f"Run {run.id} of {run.job_id} {happened} ({consecutive_failures} in a row)"
    return {"text": fallback(summary), "blocks": [blocks.section(text, accessory=output)]}


def recovered_alert_message(job: JobSpec, run: RunRecord, *, failures: int) -> Message:
    """The alert, updated in place once the job succeeds again: no buttons left to press."""
    title = truncate(escape(job.title), TITLE_CHARS)
    moment = run.finished_at or run.started_at or run.created_at
    failed = "1 failed run" if failures == 1 else f"{failures} failed runs"
    body = [
        blocks.section(f"{STATUS_EMOJI[RunStatus.SUCCEEDED]} *Job {title} recovered*"),
        blocks.context(f"`{job.id}` · run {run.id} succeeded {when(moment)} after {failed}"),
    ]
    return {"text": fallback(f"Job {job.id} recovered after {failed}"), "blocks": body}
