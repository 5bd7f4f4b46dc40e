"""Standard crontab expressions, as people write them, turned into APScheduler 3 cron triggers.

APScheduler 3 numbers weekdays from Monday = 0, while crontab numbers them from Sunday = 0 (see the warning
on ``CronTrigger.from_crontab``). Passing a crontab straight through would run a "Sunday" job on Monday, so
the day-of-week field is rewritten into weekday names, which both agree on.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from apscheduler.triggers.cron import CronTrigger

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class CronError(ValueError):
    """A cron expression that cannot be scheduled."""


class CrontabTrigger(CronTrigger):  # type: ignore[misc]
    """A cron trigger with crontab's behaviour when clocks go back.

    APScheduler 3 fires a fixed-hour job twice in the repeated hour (02:30 CEST, then 02:30 CET). Like
    Vixie cron, a job whose hour field is fixed runs only at the first of the two; a job with a wildcard hour
    runs on schedule through both, since both hours really pass.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and self._repeats_wall_time(fire):
            fire = super().get_next_fire_time(fire, fire)
        return fire

    def _repeats_wall_time(self, fire: datetime) -> bool:
        if fire.fold != 1 or str(self.fields[5]) == "*":  # fields[5] is the hour field
            return False
        return fire.replace(fold=0).utcoffset() != fire.utcoffset()


def expand_nickname(expression: str) -> str:
    """``@daily`` and friends as their five-field form; anything else unchanged (whitespace folded)."""
    text = " ".join(expression.split())
    return NICKNAMES.get(text.lower(), text)


def cron_trigger(expression: str, timezone: tzinfo) -> CrontabTrigger:
    """An APScheduler trigger firing on ``expression`` (five crontab fields or a nickname) in ``timezone``."""
    fields = expand_nickname(expression).split(" ")
    if expression.strip().startswith("@") and len(fields) == 1:
        raise CronError(f"unknown nickname {expression.strip()!r} (use one of {', '.join(NICKNAMES)})")
    if len(fields) != 5:
        raise CronError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}")
    minute, hour, day, month, day_of_week = fields
    try:
        return CrontabTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekday_names(day_of_week),
            timezone=timezone,
        )
    except ValueError as error:
        raise CronError(str(error)) from None


def _weekday_names(field: str) -> str:
    if field in {"*", "?"}:
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        days |= _expand_part(part)
    # APScheduler orders weekdays from Monday; listing names keeps the crontab meaning exact.
    return ",".join(_DAY_NAMES[day] for day in sorted(days, key=lambda d: (d - 1) % 7))


def _expand_part(part: str) -> set[int]:
    span, _, step_text = part.partition("/")
    step = _number(step_text, "step") if step_text else 1
    if step < 1:
        raise CronError(f"day-of-week step must be at least 1 in {part!r}")
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        start, _, end = span.partition("-")
        first, last = _day(start), _day(end, upper=True)
    else:
        first = last = _day(span)
        if step_text:
            last = 6
    if first > last:
        raise CronError(f"day-of-week range {span!r} runs backwards")
    return {day % 7 for day in range(first, last + 1, step)}


def _day(text: str, upper: bool = False) -> int:
    lowered = text.strip().lower()
    if lowered[:3] in _DAY_NAMES and len(lowered) in {3}:
        return _DAY_NAMES.index(lowered)
    value = _number(lowered, "day of week")
    if not 0 <= value <= 7:
        raise CronError(f"day of week must be 0-7 or sun-sat, got {text!r}")
    # 7 is Sunday too; keep it as 7 at the top of a range ("5-7") so the range does not run backwards.
    return value if upper else value % 7


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise CronError(f"{what} must be a number, got {text!r}")
    return int(text)
