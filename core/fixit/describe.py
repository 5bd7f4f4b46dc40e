"""Plain-text accounts of plans and results, for the CLI and logs (the bot renders its own Block Kit)."""

from __future__ import annotations

from core.durations import format_duration
from core.fixit.model import FixitItem, FixitPlan, FixitResult, ItemResult


def describe_plan(plan: FixitPlan) -> str:
    """The plan as a human reads it: what will be retried, how hard, and what is left alone and why."""
    scope = f" for {', '.join(plan.job_ids)}" if plan.job_ids else ""
    lines = [
        f"Fix-it plan {plan.id} ({plan.mode.value} mode{scope}): failures in the last "
        f"{format_duration(plan.window)}, {plan.concurrency} at a time",
    ]
    if not plan.items:
        lines.append("Nothing to fix: no job's latest run failed in that window.")
        return "\n".join(lines)
    if plan.retries:
        lines.append(f"Retry ({len(plan.retries)}):")
        lines.extend(_retry_line(item) for item in plan.retries)
    if plan.skips:
        lines.append(f"Skip ({len(plan.skips)}):")
        lines.extend(f"  - {item.job_id}: {item.reason}" for item in plan.skips)
    return "\n".join(lines)


def result_summary(result: FixitResult) -> str:
    """``Fix-it plan ID: 2 recovered, 1 still failing, 0 skipped``"""
    return (
        f"Fix-it plan {result.plan_id}: {len(result.recovered)} recovered, "
        f"{len(result.still_failing)} still failing, {len(result.skipped)} skipped"
    )


def describe_result(result: FixitResult) -> str:
    """What executing a plan achieved, one line per job."""
    lines = [result_summary(result)]
    if result.error:
        lines.append(f"Stopped by an error: {result.error}")
    for title, items in (
        ("Recovered", result.recovered),
        ("Still failing", result.still_failing),
        ("Skipped", result.skipped),
    ):
        if items:
            lines.append(f"{title}:")
            lines.extend(_result_line(item) for item in items)
    return "\n".join(lines)


def _retry_line(item: FixitItem) -> str:
    attempts = "1 attempt" if item.attempts == 1 else f"up to {item.attempts} attempts"
    return f"  - {item.job_id}: {item.reason} ({attempts})"


def _result_line(item: ItemResult) -> str:
    return f"  - {item.job_id}: {item.reason}"
