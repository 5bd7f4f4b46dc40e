"""Recognising what people paste: a crontab line (schedule and command together) where only the schedule
belongs."""

from __future__ import annotations

from datetime import UTC

from core.jobs.cron import CronError, cron_trigger


def crontab_line_hint(expression: str) -> str | None:
    """When ``expression`` is five valid cron fields followed by a command, say how to split it; else None."""
    fields = expression.split()
    if len(fields) <= 5:
        return None
    schedule, command = " ".join(fields[:5]), " ".join(fields[5:])
    try:
        cron_trigger(schedule, UTC)
    except CronError:
        return None
    return (
        f"this looks like a crontab line: put the schedule in cron ({schedule!r}) and the rest in a shell job's "
        f"command ({command!r})"
    )
