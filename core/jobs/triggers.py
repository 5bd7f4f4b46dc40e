"""From a job's schedule to APScheduler triggers and fire times. Pure: "now" is always an argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.jobs.cron import cron_trigger
from core.jobs.spec import CronSchedule, IntervalSchedule, JobSpec, OnceSchedule


def build_trigger(spec: JobSpec, default_timezone: str, *, anchor: datetime | None = None) -> BaseTrigger:
    """The APScheduler trigger for ``spec``. Interval schedules count from ``anchor`` (their first fire time
    minus one interval, so a restart keeps the rhythm rather than restarting the clock)."""
    schedule = spec.schedule
    if isinstance(schedule, CronSchedule):
        trigger = cron_trigger(schedule.cron, ZoneInfo(schedule.timezone or default_timezone))
        if schedule.jitter:
            trigger.jitter = int(schedule.jitter.total_seconds())
        return trigger
    if isinstance(schedule, IntervalSchedule):
        return IntervalTrigger(
            seconds=schedule.interval.total_seconds(),
            start_date=anchor,
            timezone=ZoneInfo(default_timezone),
            jitter=int(schedule.jitter.total_seconds()) if schedule.jitter else None,
        )
    assert isinstance(schedule, OnceSchedule)
    return DateTrigger(run_date=schedule.at)


def first_fire_time(spec: JobSpec, default_timezone: str, now: datetime) -> datetime | None:
    """When a newly scheduled job fires first (an interval job one interval from now)."""
    if isinstance(spec.schedule, IntervalSchedule):
        return now + spec.schedule.interval
    if isinstance(spec.schedule, OnceSchedule):
        # APScheduler's DateTrigger answers its date even when it has passed; a one-time job is done then.
        return spec.schedule.at if spec.schedule.at > now else None
    fire: datetime | None = build_trigger(spec, default_timezone).get_next_fire_time(None, now)
    return None if fire is None else fire.astimezone(UTC)


class UnschedulableJobError(ValueError):
    """A job whose first fire time cannot be computed (it would lie beyond the range of dates)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r}: its schedule has no representable first fire time")
        self.job_id = job_id


def check_schedulable(spec: JobSpec, now: datetime) -> datetime | None:
    """The first fire time of ``spec`` after ``now``, or UnschedulableJobError (never OverflowError): checked
    before a definition is stored, so that a stored job can always be scheduled at start-up."""
    try:
        first = first_fire_time(spec, "UTC", now)
        if first is not None and isinstance(spec.schedule, IntervalSchedule):
            _ = first + spec.schedule.interval  # the fire after it must exist too
    except (OverflowError, ValueError):
        raise UnschedulableJobError(spec.id) from None
    return first


def fire_times(
    spec: JobSpec, default_timezone: str, *, after: datetime, until: datetime | None = None, limit: int = 10
) -> list[datetime]:
    """Fire times strictly after ``after`` (and not after ``until``), at most ``limit``, jitter left out."""
    trigger = _without_jitter(spec, default_timezone, after)
    times: list[datetime] = []
    previous: datetime | None = None
    now = after + timedelta(microseconds=1)
    while len(times) < limit:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or (until is not None and fire > until):
            break
        if fire > after:
            times.append(fire.astimezone(UTC))
        # Step on in UTC: wall-clock arithmetic would drop fold=1 and revisit a repeated hour forever.
        previous, now = fire, fire.astimezone(UTC) + timedelta(microseconds=1)
    return times


def _without_jitter(spec: JobSpec, default_timezone: str, after: datetime) -> BaseTrigger:
    trigger = build_trigger(spec, default_timezone, anchor=after)
    if hasattr(trigger, "jitter"):
        trigger.jitter = None
    return trigger
