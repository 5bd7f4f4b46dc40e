"""/fixit: a plan (dry run or about to be applied), its result in a few lines, and help."""

from __future__ import annotations

from bot.usage import FIXIT_USAGE
from bot.views import blocks
from bot.views.common import Message, bounded_lines, escape, fallback, mention, more_line, truncate
from core.durations import roughly
from core.fixit.describe import result_summary
from core.fixit.model import MODE_RULES, FixitItem, FixitMode, FixitPlan, FixitResult, ItemResult

LIST_LIMIT = 20
REASON_CHARS = 200
RESULT_IDS = 15


def fixit_plan_message(plan: FixitPlan, *, dry_run: bool) -> Message:
    title = "Fix-it plan (dry run)" if dry_run else "Fix-it plan"
    body: list[blocks.Block] = [blocks.header(title), blocks.context(_plan_context(plan))]
    if not plan.items:
        body.append(blocks.section("Nothing to fix: no job's latest run failed in that window."))
    if plan.retries:
        lines = [_retry_line(item) for item in plan.retries]
        text = f"*Retry ({len(lines)})*\n{bounded_lines(lines, limit=LIST_LIMIT, noun='job')}"
        body.append(blocks.section(text))
    if plan.skips:
        lines = [_skip_line(item) for item in plan.skips]
        body.append(blocks.section(f"*Skip ({len(lines)})*\n{bounded_lines(lines, limit=LIST_LIMIT, noun='job')}"))
    if dry_run:
        note = "Dry run: nothing was retried. Run the same `/fixit` without `--dry-run` to apply it."
    else:
        note = f"Retries {len(plan.retries)} job(s), {plan.concurrency} at a time, once an approver agrees."
    body.append(blocks.context(note))
    summary = f"{title} {plan.id} ({plan.mode.value}): {len(plan.retries)} to retry, {len(plan.skips)} to skip"
    return {"text": fallback(summary), "blocks": body}


def _plan_context(plan: FixitPlan) -> str:
    parts = [
        f"`{escape(plan.id)}`",
        f"*{plan.mode.value}* mode",
        f"failures in the last {roughly(plan.window)}",
        f"{plan.concurrency} at a time",
        f"up to {plan.max_retries} retries",
    ]
    if plan.job_ids:
        scope = ", ".join(plan.job_ids[:10])
        more = more_line(min(len(plan.job_ids), 10), len(plan.job_ids), "job")
        parts.append(f"only {escape(scope)}{' ' + more if more else ''}")
    if plan.requested_by:
        parts.append(f"asked by {mention(plan.requested_by)}")
    return " · ".join(parts)


def _retry_line(item: FixitItem) -> str:
    attempts = "1 attempt" if item.attempts == 1 else f"up to {item.attempts} attempts"
    return f":repeat: *{item.job_id}* · {truncate(escape(item.reason), REASON_CHARS)} · {attempts}"


def _skip_line(item: FixitItem) -> str:
    return f":no_entry_sign: *{item.job_id}* · {truncate(escape(item.reason), REASON_CHARS)}"


def fixit_result_lines(result: FixitResult) -> list[str]:
    """What executing a plan achieved, in a few plain-text lines (escape them to show in mrkdwn)."""
    lines = [result_summary(result) + "."]
    if result.error:
        lines.append(f"Stopped by an error: {truncate(result.error, 300)}")
    for title, items in (
        ("Recovered", result.recovered),
        ("Still failing", result.still_failing),
        ("Skipped", result.skipped),
    ):
        if items:
            lines.append(f"{title}: {_ids(items)}")
    return lines


def _ids(items: tuple[ItemResult, ...]) -> str:
    shown = ", ".join(item.job_id for item in items[:RESULT_IDS])
    more = more_line(min(len(items), RESULT_IDS), len(items), "job")
    return f"{shown} {more}" if more else shown


def fixit_help() -> Message:
    lines = [
        "*/fixit* retries the jobs whose latest run failed, within rules set by a mode. "
        "A second person approves before anything is retried; `--dry-run` only shows the plan.",
        *(f"• *{mode.value}*: {_mode_words(mode)}" for mode in FixitMode),
    ]
    return {
        "text": fallback(f"/fixit usage: {FIXIT_USAGE}"),
        "blocks": [blocks.section("\n".join(lines)), blocks.context(f"*Usage:* {escape(FIXIT_USAGE)}")],
    }


def _mode_words(mode: FixitMode) -> str:
    rules = MODE_RULES[mode]
    kinds = " and ".join(sorted(error_class.value for error_class in rules.retries))
    attempts = "one attempt each" if rules.single_attempt else "up to --max-retries attempts each"
    text = f"retries {kinds} failures, {attempts}, {rules.concurrency} job(s) at a time"
    if rules.human_after is not None:
        text += f"; a job failing {rules.human_after} times in a row is left to a human"
    return text + ("" if mode is not FixitMode.BALANCED else " (the default)")
