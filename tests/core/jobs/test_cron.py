"""Crontab semantics and fire times, as tables: nicknames, weekday numbering, DST in Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.jobs.cron import CronError, cron_trigger, expand_nickname
from core.jobs.spec import JobSpec, parse_job
from core.jobs.triggers import fire_times

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
SUNDAY_MIDNIGHT = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


def job(schedule: dict[str, Any]) -> JobSpec:
    return parse_job({"id": "job", "kind": "shell", "command": ["true"], "schedule": schedule})


def cron(expression: str, timezone: str = "UTC") -> JobSpec:
    return job({"cron": expression, "timezone": timezone})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def berlin_day(times: list[datetime], day: int, month: int) -> list[datetime]:
    return [t for t in times if (t.astimezone(BERLIN).month, t.astimezone(BERLIN).day) == (month, day)]


@pytest.mark.parametrize(
    ("nickname", "expected"),
    [
        ("@hourly", utc(2026, 11, 18, 13, 0)),
        ("@daily", utc(2026, 11, 19, 0, 0)),
        ("@midnight", utc(2026, 11, 19, 0, 0)),
        ("@weekly", utc(2026, 11, 22, 0, 0)),  # Sunday
        ("@monthly", utc(2026, 12, 1, 0, 0)),
        ("@yearly", utc(2027, 1, 1, 0, 0)),
        ("@annually", utc(2027, 1, 1, 0, 0)),
        (" @Daily ", utc(2026, 11, 19, 0, 0)),
    ],
)
def test_nicknames_fire_when_crontab_says(nickname: str, expected: datetime) -> None:
    assert fire_times(cron(nickname), "UTC", after=WEDNESDAY_NOON, limit=1) == [expected]


@pytest.mark.parametrize(
    ("nickname", "fields"),
    [("@weekly", "0 0 * * 0"), ("@HOURLY", "0 * * * *"), ("0  2 *  * *", "0 2 * * *"), ("@often", "@often")],
)
def test_it_expands_nicknames_and_folds_whitespace(nickname: str, fields: str) -> None:
    assert expand_nickname(nickname) == fields


@pytest.mark.parametrize(
    ("day_of_week", "expected_days"),
    [
        ("*", ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("1", ["Mon"]),
        ("6", ["Sat"]),
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("1/2", ["Sun", "Mon", "Wed", "Fri"]),  # 1 to 7 by 2: 1,3,5,7 and 7 is Sunday
        ("5-7", ["Sun", "Fri", "Sat"]),
        ("0,6", ["Sun", "Sat"]),
        ("sat,sun", ["Sun", "Sat"]),
        ("1,3,5", ["Mon", "Wed", "Fri"]),
    ],
)
def test_weekdays_are_numbered_as_in_crontab(day_of_week: str, expected_days: list[str]) -> None:
    week = fire_times(
        cron(f"0 12 * * {day_of_week}"), "UTC", after=SUNDAY_MIDNIGHT, until=SUNDAY_MIDNIGHT + timedelta(days=7)
    )
    assert [moment.strftime("%a") for moment in week] == expected_days


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("61 * * * *", "minute field '61'"),
        ("* 24 * * *", "hour field '24'"),
        ("* * * *", "expected 5 fields"),
        ("* * * * * *", "expected 5 fields"),
        ("* * * * 8", "0-7 or sun-sat"),
        ("* * * * 5-1", "day-of-week field '5-1'"),
        ("* * * * */0", "day-of-week field '[*]/0'"),
        ("* * * * monday", "day-of-week field 'monday'"),
        ("0 0 L * *", "day-of-month field 'L'"),
        ("0 0 * * 5#2", "day-of-week field '5#2'"),
        ("0 0 * * ?", "day-of-week field '[?]'"),
        ("@fortnightly", "unknown nickname"),
        ("@reboot", "unknown nickname"),
        ("", "expected 5 fields"),
    ],
)
def test_it_refuses_bad_cron_expressions(expression: str, fragment: str) -> None:
    with pytest.raises(CronError, match=fragment):
        cron_trigger(expression, UTC)


def test_a_fixed_time_job_runs_once_at_a_real_instant_when_clocks_spring_forward() -> None:
    # 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST, so 02:30 never happens on the wall clock.
    times = fire_times(cron("30 2 * * *", "Europe/Berlin"), "UTC", after=utc(2026, 3, 27, 12, 0), limit=4)
    that_day = berlin_day(times, 29, 3)
    assert len(that_day) == 1
    local = that_day[0].astimezone(BERLIN)
    assert local.replace(tzinfo=None).replace(tzinfo=BERLIN) == that_day[0]  # a wall time that exists
    assert that_day[0] == utc(2026, 3, 29, 1, 0)  # 03:00 CEST: right after the change, as cron(8) says
    assert times == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)]


def test_a_fixed_time_job_runs_once_when_clocks_fall_back() -> None:
    # 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice on the wall clock.
    times = fire_times(cron("30 2 * * *", "Europe/Berlin"), "UTC", after=utc(2026, 10, 24, 12, 0), limit=3)
    assert times == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)]
    assert len(berlin_day(times, 25, 10)) == 1


def test_an_hourly_job_runs_in_both_repeated_hours_when_clocks_fall_back() -> None:
    times = fire_times(
        cron("30 * * * *", "Europe/Berlin"),
        "UTC",
        after=utc(2026, 10, 24, 22, 0),
        until=utc(2026, 10, 25, 23, 0),
        limit=50,
    )
    at_half_past_two = [t for t in times if t.astimezone(BERLIN).hour == 2]
    assert at_half_past_two == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]  # CEST, then CET
    assert len(berlin_day(times, 25, 10)) == 25  # the day has 25 hours


def test_an_hourly_job_skips_the_missing_hour_when_clocks_spring_forward() -> None:
    times = fire_times(
        cron("30 * * * *", "Europe/Berlin"),
        "UTC",
        after=utc(2026, 3, 28, 22, 0),
        until=utc(2026, 3, 29, 22, 0),
        limit=50,
    )
    that_day = berlin_day(times, 29, 3)
    assert len(that_day) == 23
    assert [t.astimezone(BERLIN).hour for t in that_day[:4]] == [0, 1, 3, 4]


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("UTC", utc(2026, 11, 19, 9, 0)),
        ("Europe/Berlin", utc(2026, 11, 19, 8, 0)),
        ("America/New_York", utc(2026, 11, 18, 14, 0)),
        ("Asia/Kolkata", utc(2026, 11, 19, 3, 30)),
    ],
)
def test_cron_fields_are_read_in_the_jobs_time_zone(timezone: str, expected: datetime) -> None:
    assert fire_times(cron("0 9 * * *", timezone), "UTC", after=WEDNESDAY_NOON, limit=1) == [expected]


def test_a_cron_job_without_a_time_zone_uses_the_default_one() -> None:
    spec = job({"cron": "0 9 * * *"})
    assert fire_times(spec, "Europe/Berlin", after=WEDNESDAY_NOON, limit=1) == [utc(2026, 11, 19, 8, 0)]


@pytest.mark.parametrize(
    ("interval", "expected_minutes"),
    [("15m", [15, 30, 45]), ("1h30m", [90, 180, 270]), ("45s", [0.75, 1.5, 2.25]), (600, [10, 20, 30])],
)
def test_interval_jobs_fire_every_interval_after_the_anchor(interval: str | int, expected_minutes: list[float]) -> None:
    times = fire_times(job({"interval": interval}), "UTC", after=WEDNESDAY_NOON, limit=3)
    assert times == [WEDNESDAY_NOON + timedelta(minutes=m) for m in expected_minutes]


def test_interval_jobs_keep_real_time_across_dst() -> None:
    after = utc(2026, 10, 24, 22, 0)
    times = fire_times(job({"interval": "1h"}), "Europe/Berlin", after=after, until=after + timedelta(hours=5))
    assert [t - after for t in times] == [timedelta(hours=n) for n in range(1, 6)]


def test_interval_fire_times_stop_at_until() -> None:
    times = fire_times(
        job({"interval": "10m"}), "UTC", after=WEDNESDAY_NOON, until=WEDNESDAY_NOON + timedelta(minutes=35)
    )
    assert len(times) == 3


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-12-01T09:00:00Z", [utc(2026, 12, 1, 9, 0)]),
        ("2026-12-01T09:00:00+01:00", [utc(2026, 12, 1, 8, 0)]),
        ("2026-11-18T12:00:00Z", []),  # exactly "after": strictly after only
        ("2026-01-01T00:00:00Z", []),  # in the past
    ],
)
def test_a_one_time_job_fires_once_if_still_ahead(at: str, expected: list[datetime]) -> None:
    assert fire_times(job({"at": at}), "UTC", after=WEDNESDAY_NOON) == expected


def test_jitter_is_left_out_of_fire_times() -> None:
    spec = job({"cron": "0 * * * *", "jitter": "5m"})
    assert fire_times(spec, "UTC", after=WEDNESDAY_NOON, limit=2) == [
        utc(2026, 11, 18, 13, 0),
        utc(2026, 11, 18, 14, 0),
    ]
