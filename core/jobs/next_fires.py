""" "When will it run?": the next fire times of a cron expression, for every door (CLI, Slack, job card).

Pure: ``now`` is an argument. Bounded: never-firing expressions are refused (nothing is searched past five
years ahead, and cronsim itself gives up after 50).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.jobs.cron import CronError, check_fires, expand_nickname, next_fires, parse_cron
from core.jobs.spec import check_timezone

DEFAULT_COUNT = 5
MAX_COUNT = 100


class NextFiresError(ValueError):
    """Bad input to "when will it run?": one line saying what is wrong."""


@dataclass(frozen=True, slots=True)
class NextFires:
    """``times`` are in ``timezone`` (the schedule's), soonest first."""

    expression: str
    timezone: str
    times: list[datetime]


def next_fire_times(
    expression: str, *, timezone: str, now: datetime, after: datetime | None = None, count: int = DEFAULT_COUNT
) -> NextFires:
    """The next ``count`` fire times of ``expression`` in ``timezone`` strictly after ``after`` (default
    ``now``). Raises NextFiresError for a bad expression, zone, count or a schedule that never fires."""
    if not 1 <= count <= MAX_COUNT:
        raise NextFiresError(f"count must be between 1 and {MAX_COUNT}, got {count}")
    try:
        zone = ZoneInfo(check_timezone(timezone))
    except ValueError as error:
        raise NextFiresError(str(error)) from None
    start = now if after is None else after
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    try:
        fields = parse_cron(expression)
        check_fires(fields, zone, start)
    except CronError as error:
        raise NextFiresError(f"bad cron expression {expand_nickname(expression)!r}: {error}") from None
    times = [moment.astimezone(zone) for moment in next_fires(fields, zone, start, count)]
    return NextFires(expression=fields, timezone=timezone, times=times)


def parse_after(text: str) -> datetime:
    """An ISO 8601 time (an offset is optional: without one it is read in the schedule's time zone)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        example = "2026-03-29T00:00:00+01:00"
        raise NextFiresError(f"--after must be an ISO 8601 time such as {example}, got {text!r}") from None
