"""Cron read as Debian's cron reads it, written from cron(5) and cron(8), as tables.

cron(5): "the day of a command's execution can be specified by two fields: day of month, and day of week. If
both fields are restricted (i.e., don't start with *), the command will be run when either field matches the
current time"; names are allowed for month and day of week, 0 and 7 are Sunday, steps follow ranges (and
names). cron(8): a job whose time falls in the hour skipped when clocks go forward runs right after the
change; a fixed-time job in the repeated hour runs once; jobs with a wildcard minute or hour follow the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.jobs.cron import CronError, CronTrigger, NeverFiresError, check_fires, next_fires


def wall(zone: str, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def local_times(expression: str, zone: str, after: datetime, count: int) -> list[str]:
    tz = ZoneInfo(zone)
    return [moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") for moment in next_fires(expression, tz, after, count)]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Both day fields restricted: either matches (the 1st, the 15th, and every Friday).
        ("30 4 1,15 * 5", (2026, 1, 1), ["01-01", "01-02", "01-09", "01-15", "01-16", "01-23"]),
        # One day field starts with *: both must match (a Friday that is the 1st to the 7th... of */1 days).
        ("0 0 */1 * 5", (2026, 1, 1), ["01-02", "01-09", "01-16", "01-23", "01-30", "02-06"]),
        ("0 0 1-7 * *", (2026, 1, 1), ["01-02", "01-03", "01-04", "01-05", "01-06", "01-07"]),
        # Stepped month names keep their step.
        ("0 0 1 jan-aug/2 *", (2026, 1, 1), ["03-01", "05-01", "07-01", "01-01", "03-01", "05-01"]),
        # 0 and 7 are both Sunday; names and numbers mix in ranges.
        ("0 0 * * 7", (2026, 1, 1), ["01-04", "01-11", "01-18", "01-25", "02-01", "02-08"]),
        ("0 0 * * 0", (2026, 1, 1), ["01-04", "01-11", "01-18", "01-25", "02-01", "02-08"]),
        ("0 0 * * fri-7", (2026, 1, 1), ["01-02", "01-03", "01-04", "01-09", "01-10", "01-11"]),
        ("0 0 29 feb *", (2026, 1, 1), ["02-29", "02-29", "02-29", "02-29", "02-29", "02-29"]),
        ("@weekly", (2026, 1, 1), ["01-04", "01-11", "01-18", "01-25", "02-01", "02-08"]),
        ("@monthly", (2026, 1, 1), ["02-01", "03-01", "04-01", "05-01", "06-01", "07-01"]),
    ],
)
def test_days_are_chosen_as_cron_5_says(expression: str, after: tuple[int, int, int], expected: list[str]) -> None:
    start = datetime(*after, tzinfo=UTC)
    days = [moment.strftime("%m-%d") for moment in next_fires(expression, ZoneInfo("UTC"), start, 6)]
    assert days == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        # The day after clocks go forward is not skipped (APScheduler 3 issue #529).
        ("0 0 * * *", "Europe/Warsaw", wall("Europe/Warsaw", 2017, 3, 26, 0, 0, 30), [
            "2017-03-27 00:00 CEST", "2017-03-28 00:00 CEST"]),
        ("0 0 * * 0-4", "US/Central", wall("US/Central", 2021, 3, 14, 0, 0, 30), [
            "2021-03-15 00:00 CDT", "2021-03-16 00:00 CDT"]),
        # Northern hemisphere, skipped hour: runs right after the change.
        ("30 2 * * *", "Europe/Berlin", wall("Europe/Berlin", 2026, 3, 28, 12), [
            "2026-03-29 03:00 CEST", "2026-03-30 02:30 CEST"]),
        ("30 2 * * *", "America/New_York", wall("America/New_York", 2026, 3, 7, 12), [
            "2026-03-08 03:00 EDT", "2026-03-09 02:30 EDT"]),
        # Northern hemisphere, repeated hour: a fixed-time job runs once.
        ("30 1 * * *", "America/New_York", wall("America/New_York", 2026, 10, 31, 12), [
            "2026-11-01 01:30 EDT", "2026-11-02 01:30 EST"]),
        # Southern hemisphere (clocks go forward in October, back in April).
        ("30 2 * * *", "Australia/Sydney", wall("Australia/Sydney", 2026, 10, 3, 12), [
            "2026-10-04 03:00 AEDT", "2026-10-05 02:30 AEDT"]),
        ("30 2 * * *", "Australia/Sydney", wall("Australia/Sydney", 2026, 4, 4, 12), [
            "2026-04-05 02:30 AEDT", "2026-04-06 02:30 AEST"]),
        ("45 2 * * *", "Pacific/Auckland", wall("Pacific/Auckland", 2026, 9, 26, 12), [
            "2026-09-27 03:00 NZDT", "2026-09-28 02:45 NZDT"]),
        ("15 2 * * *", "Pacific/Auckland", wall("Pacific/Auckland", 2026, 4, 4, 12), [
            "2026-04-05 02:15 NZDT", "2026-04-06 02:15 NZST"]),
        # Wildcard minute or hour: the job follows the new clock, through both repeated hours...
        ("30 * * * *", "Australia/Sydney", wall("Australia/Sydney", 2026, 4, 5, 1, 45), [
            "2026-04-05 02:30 AEDT", "2026-04-05 02:30 AEST", "2026-04-05 03:30 AEST"]),
        # ... and not at all in the skipped one.
        ("*/30 2 * * *", "America/New_York", wall("America/New_York", 2026, 3, 7, 12), [
            "2026-03-09 02:00 EDT", "2026-03-09 02:30 EDT", "2026-03-10 02:00 EDT"]),
    ],
)  # fmt: skip
def test_daylight_saving_time_is_handled_as_cron_8_says(
    expression: str, zone: str, after: datetime, expected: list[str]
) -> None:
    assert local_times(expression, zone, after, len(expected)) == expected


def test_the_trigger_fires_each_repeated_wall_time_once_even_from_inside_the_repeated_hour() -> None:
    zone = ZoneInfo("America/New_York")
    trigger = CronTrigger("30 1 * * *", zone)
    inside_second_one_o_clock = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, after 01:30 EDT passed
    fire = trigger.get_next_fire_time(None, inside_second_one_o_clock)
    assert fire is not None
    assert fire.astimezone(zone).strftime("%m-%d %H:%M %Z") == "11-02 01:30 EST"


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 0 31 2,4,6,9,11 *", "never fires: no month in '2,4,6,9,11' has day 31"),
        ("0 0 30 feb *", "never fires"),
        ("0 0 29 2 */7", "no fire time in the next 5 years"),  # Sunday 29 February: 2032 is 6 years away
    ],
)
def test_a_schedule_that_never_fires_is_refused(expression: str, fragment: str) -> None:
    with pytest.raises(NeverFiresError, match=fragment):
        check_fires(expression, ZoneInfo("UTC"), datetime(2026, 3, 1, tzinfo=UTC))


def test_a_rare_schedule_within_five_years_is_accepted() -> None:
    check_fires("0 0 29 2 */7", ZoneInfo("UTC"), datetime(2028, 3, 1, tzinfo=UTC))  # Sunday 2032-02-29


def test_cronsim_extensions_cron_would_refuse_are_refused() -> None:
    for expression in ("0 0 0 * * *", "0 0 L * *", "0 0 LW * *", "0 0 * * 5L", "0 0 * * 1#2"):
        with pytest.raises(CronError):
            next_fires(expression, ZoneInfo("UTC"), datetime(2026, 1, 1, tzinfo=UTC), 1)
