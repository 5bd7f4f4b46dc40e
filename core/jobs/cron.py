"""Crontab expressions read exactly as Debian's cron daemon reads them, as APScheduler 3 triggers.

The fire times come from cronsim (https://github.com/cuu508/cronsim), written to match Debian's cron
(cron(5), cron(8)) and used by Healthchecks. What that means, and what schedops' earlier parser did otherwise:

- when both day fields are restricted (neither starts with ``*``) a day matching either one fires; when one
  starts with ``*`` both must match;
- names (``jan``, ``mon``) work in ranges and with steps (``jan-aug/2``), 0 and 7 are both Sunday;
- daylight saving time as cron(8) describes it: a fixed-time job whose time falls in the skipped hour runs
  right after the change, a fixed-time job in the repeated hour runs once, and a job with a wildcard minute
  or hour follows the new clock.

Only the five standard fields and the ``@`` nicknames are accepted; cronsim's extensions (a seconds field,
``L``, ``W``, ``#``) are refused, since cron would refuse them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import islice

from apscheduler.triggers.base import BaseTrigger
from cronsim import CronSim, CronSimError

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_ALLOWED = {
    "minute": "0-59",
    "hour": "0-23",
    "day-of-month": "1-31",
    "month": "1-12 or jan-dec",
    "day-of-week": "0-7 or sun-sat",
}
_NAMES = {
    "month": {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
    "day-of-week": {"sun", "mon", "tue", "wed", "thu", "fri", "sat"},
}
_SYNTAX = re.compile(r"^[0-9A-Za-z*/,-]+$")
# A schedule with no fire time this far ahead is refused when it is defined (issue: never-firing jobs).
NEVER_FIRES_HORIZON = timedelta(days=5 * 366)
NEVER_FIRES = "it never fires"
_TICK = timedelta(microseconds=1)
# cronsim gives up by itself after 50 years without a match; this caps the rare skips past a repeated hour.
_MAX_SKIPS = 2000


class CronError(ValueError):
    """A cron expression that cannot be scheduled."""


class NeverFiresError(CronError):
    """A well-formed cron expression with no fire time in the next five years (or ever)."""


def expand_nickname(expression: str) -> str:
    """``@daily`` and friends as their five-field form; anything else unchanged (whitespace folded)."""
    text = " ".join(expression.split())
    return NICKNAMES.get(text.lower(), text)


def parse_cron(expression: str) -> str:
    """The five-field form of ``expression``, or CronError with one line saying what is wrong."""
    text = expand_nickname(expression)
    if text.startswith("@"):
        raise CronError(f"unknown nickname {text!r} (use one of {', '.join(NICKNAMES)})")
    fields = text.split(" ") if text else []
    if len(fields) != 5:
        raise CronError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}")
    for name, field in zip(FIELDS, fields, strict=True):
        _check_field(name, field)
    try:
        CronSim(text, datetime(2000, 1, 1))
    except CronSimError as error:
        if str(error) == "Bad day-of-month" and _is_impossible_day(fields):
            raise NeverFiresError(f"{NEVER_FIRES}: no month in {fields[3]!r} has day {fields[2]}") from None
        raise CronError(_explain(str(error), fields)) from None
    return text


def _check_field(name: str, field: str) -> None:
    words = set(re.findall(r"[A-Za-z]+", field.lower()))
    if not _SYNTAX.match(field) or not words <= _NAMES.get(name, set()):
        raise CronError(f"{name} field {field!r} is not valid (use {_ALLOWED[name]}, ranges a-b, steps /n, lists a,b)")


def _explain(message: str, fields: list[str]) -> str:
    for name, field in zip(FIELDS, fields, strict=True):
        if message.lower() == f"bad {name}":
            return f"{name} field {field!r} is not valid (use {_ALLOWED[name]}, ranges a-b, steps /n, lists a,b)"
    return message


def _is_impossible_day(fields: list[str]) -> bool:
    # cronsim refuses "31 in February" as a bad day-of-month; cron accepts it and never runs the job.
    try:
        CronSim(f"0 0 {fields[2]} * *", datetime(2000, 1, 1))
    except CronSimError:
        return False
    return True


def next_fires(expression: str, timezone: tzinfo, after: datetime, count: int) -> list[datetime]:
    """Up to ``count`` fire times strictly after ``after``, in UTC. Bounded: cronsim stops after 50 years
    without a match, and parse_cron has already refused what cannot be read."""
    return list(islice(_iterate(parse_cron(expression), timezone, after), count))


def first_fire_within(expression: str, timezone: tzinfo, now: datetime, horizon: timedelta) -> datetime | None:
    """The first fire time after ``now`` if it comes within ``horizon``, else None."""
    for fire in _iterate(parse_cron(expression), timezone, now):
        return fire if fire <= now + horizon else None
    return None


def check_fires(expression: str, timezone: tzinfo, now: datetime) -> None:
    """Refuse (CronError) a schedule with no fire time in the next five years."""
    if first_fire_within(expression, timezone, now, NEVER_FIRES_HORIZON) is None:
        raise NeverFiresError(f"{NEVER_FIRES}: no fire time in the next 5 years")


def _iterate(fields: str, timezone: tzinfo, after: datetime) -> Iterator[datetime]:
    """Fire times strictly after ``after`` (aware), in UTC, as cronsim computes them."""
    start = after.astimezone(UTC)
    local = start.astimezone(timezone)
    try:
        times = CronSim(fields, local)
    except CronSimError:  # a day no month in the month field has: cron never fires it
        return
    skipped = 0
    for fire in times:
        moment = fire.astimezone(UTC)
        # A fixed-time job is computed on the wall clock; starting inside a repeated hour, the first answer
        # can be its earlier (already passed) occurrence, which cron does not run again.
        if moment > start:
            yield moment
            skipped = 0
            continue
        skipped += 1
        if skipped > _MAX_SKIPS:
            return


class CronTrigger(BaseTrigger):  # type: ignore[misc]
    """An APScheduler 3 trigger firing on a five-field crontab expression in a time zone, as cron does."""

    __slots__ = ("_answers", "expression", "fields", "jitter", "timezone")

    def __init__(self, expression: str, timezone: tzinfo, jitter: int | None = None) -> None:
        self.expression = expression
        try:
            self.fields = parse_cron(expression)
        except NeverFiresError:  # a stored job defined before such schedules were refused: it just never fires
            self.fields = expand_nickname(expression)
        self.timezone = timezone
        self.jitter = jitter
        self._answers: dict[datetime, datetime | None] = {}

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # As APScheduler's own CronTrigger: after a previous fire, resume right after it even if that has
        # passed (the scheduler coalesces misfires); otherwise the first fire at or after now.
        start = now if previous_fire_time is None else min(now, previous_fire_time + _TICK)
        if start == previous_fire_time:
            start += _TICK
        fire = self._first_at_or_after(start)
        if fire is None:
            return None
        jittered: datetime = self._apply_jitter(fire, self.jitter, now)
        return jittered

    def _first_at_or_after(self, start: datetime) -> datetime | None:
        # APScheduler asks the same question up to three times per fire (due times, then the next one, then
        # the same at the next fire): remember the last few answers so a burst of a thousand jobs computes
        # each job's next fire once.
        if start in self._answers:
            return self._answers[start]
        fire = next(_iterate(self.fields, self.timezone, start - _TICK), None)
        if len(self._answers) >= 4:
            self._answers.clear()
        self._answers[start] = fire
        return fire

    def __str__(self) -> str:
        return f"cron[{self.fields}]"

    def __repr__(self) -> str:
        return f"<CronTrigger ({self.fields!r}, timezone={self.timezone!s})>"


def cron_trigger(expression: str, timezone: tzinfo) -> CronTrigger:
    """An APScheduler trigger firing on ``expression`` (five crontab fields or a nickname) in ``timezone``."""
    return CronTrigger(expression, timezone)
