"""Running runs with a Cancel button each (the running sections of /sitrep, a job's report and its card, the
"run started" reply), and the private answers to a click on Cancel.

The button carries only the run id: who may cancel is decided when it is clicked (Operations.cancel_run),
never read from the button, so a forged or forwarded click gains nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from bot import ids
from bot.views import blocks
from bot.views.common import Message, escape, fallback, more_line, truncate
from bot.views.formats import STATUS_EMOJI, duration, status_words
from core.durations import roughly
from core.runs import RunRecord, RunStatus
from core.sitrep.model import RunningRun

# Slack's confirm dialog: title 100, text 300, buttons 30 characters; a job id is at most 64.
_JOB_IN_DIALOG = 80


def cancel_button(run_id: int, job_id: str) -> blocks.Block:
    """Cancel (danger), behind Slack's "are you sure?" dialog: a click stops real work."""
    dialog = blocks.confirm_dialog(
        f"Cancel run {run_id}?",
        f"Run {run_id} of *{truncate(escape(job_id), _JOB_IN_DIALOG)}* stops now: its processes are killed, it "
        "ends interrupted and is not retried.",
        confirm="Cancel the run",
        deny="Keep it running",
        style="danger",
    )
    return blocks.button("Cancel", ids.keyed(ids.CANCEL_RUN, run_id), str(run_id), style="danger", confirm=dialog)


def running_sections(
    runs: Sequence[RunningRun], *, heading: str, line: Callable[[RunningRun], str], limit: int, noun: str
) -> list[blocks.Block]:
    """``heading``, then each of the first ``limit`` runs in a section of its own (``line`` writes it) with its
    Cancel button, then how many more there are. Nothing when nothing runs."""
    if not runs:
        return []
    body = [blocks.section(heading)]
    for run in runs[: max(limit, 0)]:
        body.append(
            blocks.section(
                line(run),
                block_id=ids.keyed(ids.RUNNING_RUN, run.run_id),
                accessory=cancel_button(run.run_id, run.job_id),
            )
        )
    more = more_line(min(len(runs), max(limit, 0)), len(runs), noun)
    if more:
        body.append(blocks.context(f"_{more}_"))
    return body


def with_cancel(message: Message, run_id: int, job_id: str) -> Message:
    """``message`` (a run just started) with a Cancel button for that run under it."""
    actions = blocks.actions(ids.keyed(ids.RUN_ACTIONS, run_id), cancel_button(run_id, job_id))
    return {"text": message["text"], "blocks": [*message["blocks"], actions]}


def _run(run: RunRecord) -> str:
    return f"Run {run.id} of {run.job_id}"


def cancelling_message(run: RunRecord) -> Message:
    """The first answer to an accepted cancel: it takes a moment (the executor notices within a second)."""
    text = f"Cancelling run {run.id} of {run.job_id}…"
    return {"text": fallback(text), "blocks": [blocks.section(f":hourglass_flowing_sand: {escape(text)}")]}


def cancel_outcome_message(run: RunRecord, *, waited: timedelta) -> Message:
    """How an accepted cancel ended, in one line: cancelled, ended first by itself, or not stopped yet."""
    if run.status is RunStatus.RUNNING:
        emoji = ":warning:"
        text = (
            f"{_run(run)} has not stopped after {roughly(waited)}: is its process or worker "
            "still running? /sitrep shows it."
        )
    elif run.status is RunStatus.INTERRUPTED and (run.error_message or "").startswith("cancelled by"):
        emoji = STATUS_EMOJI[run.status]
        text = f"{_run(run)} was cancelled after {duration(run.duration)}: it ended interrupted."
    else:
        emoji = STATUS_EMOJI[run.status]
        text = f"{_run(run)} {status_words(run.status)} before the cancel took effect."
    return {"text": fallback(text), "blocks": [blocks.section(f"{emoji} {escape(text)}")]}


def cancel_refused_message(refusal: str) -> Message:
    """Why a cancel was not made (not allowed, already ended), as the one line Operations gave."""
    text = refusal[:1].upper() + refusal[1:]
    return {"text": fallback(text), "blocks": [blocks.section(f":no_entry_sign: {truncate(escape(text), 2000)}")]}


def unknown_run_message() -> Message:
    text = "That run is no longer in the history."
    return {"text": fallback(text), "blocks": [blocks.section(escape(text))]}
