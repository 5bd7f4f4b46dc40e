"""Job definitions as tables: durations, ids, schedules and the fields each kind refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from core.jobs.spec import CronSchedule, IntervalSchedule, JobSpec, OnceSchedule, job_to_data, parse_job


def shell(**fields: Any) -> JobSpec:
    return parse_job({"id": "job", "kind": "shell", "command": ["true"], "schedule": {"interval": "1m"}, **fields})


def refusal(**fields: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        shell(**fields)
    return str(caught.value)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1H30M", 5400),
        ("90", 90),
        ("1.5", 1.5),
        ("0.5s", 0.5),
        (90, 90),
        (2.5, 2.5),
    ],
)
def test_it_reads_durations_as_people_write_them(written: str | float, seconds: float) -> None:
    assert shell(timeout=written).timeout == timedelta(seconds=seconds)


@pytest.mark.parametrize("written", ["5 minutes", "m5", "1h30", "5x", "", "-5s", "-1", "s", True, [5], {"m": 5}])
def test_it_refuses_what_is_not_a_duration(written: Any) -> None:
    assert "timeout" in refusal(timeout=written)


@pytest.mark.parametrize("value", ["0s", 0, "0m0s"])
def test_a_timeout_must_be_positive(value: Any) -> None:
    assert "timeout must be positive" in refusal(timeout=value)


@pytest.mark.parametrize(("interval", "ok"), [("1s", True), ("0.5s", False), ("0s", False), ("1m", True)])
def test_an_interval_is_at_least_a_second(interval: str, ok: bool) -> None:
    if ok:
        assert isinstance(shell(schedule={"interval": interval}).schedule, IntervalSchedule)
    else:
        assert "interval must be at least 1s" in refusal(schedule={"interval": interval})


@pytest.mark.parametrize("job_id", ["a", "nightly-backup", "db.backup_2", "0day", "x" * 64])
def test_it_accepts_job_ids(job_id: str) -> None:
    assert shell(id=job_id).id == job_id


@pytest.mark.parametrize("job_id", ["", "Nightly", "-lead", "_lead", "has space", "x" * 65, "ümlaut", "a/b"])
def test_it_refuses_job_ids(job_id: str) -> None:
    assert "id" in refusal(id=job_id)


@pytest.mark.parametrize(
    ("schedule", "kind"),
    [
        ({"cron": "0 2 * * *"}, CronSchedule),
        ({"cron": "@daily", "timezone": "Europe/Berlin"}, CronSchedule),
        ({"interval": "90s", "jitter": "5s"}, IntervalSchedule),
        ({"at": "2026-12-01T09:00:00Z"}, OnceSchedule),
    ],
)
def test_it_tells_schedules_apart_by_their_key(schedule: dict[str, Any], kind: type) -> None:
    assert isinstance(shell(schedule=schedule).schedule, kind)


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ({"cron": "61 * * * *"}, "bad cron expression '61 * * * *'"),
        ({"cron": "@fortnightly"}, "unknown nickname"),
        ({"cron": "0 2 * * *", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"at": "2026-12-01T09:00:00"}, "with an offset or Z"),
        ({"every": "5m"}, "schedule needs one of cron, interval or at"),
        ("daily", "schedule needs one of cron, interval or at"),
        ({"interval": "5m", "timezone": "UTC"}, "Extra inputs are not permitted"),
    ],
)
def test_it_refuses_bad_schedules(schedule: Any, fragment: str) -> None:
    assert fragment in refusal(schedule=schedule)


def test_cron_whitespace_is_folded_and_one_time_schedules_are_kept_in_utc() -> None:
    assert shell(schedule={"cron": " 0   2 * * * "}).schedule == CronSchedule(cron="0 2 * * *")
    at = shell(schedule={"at": "2026-12-01T10:00:00+01:00"}).schedule
    assert isinstance(at, OnceSchedule)
    assert at.at.isoformat() == "2026-12-01T09:00:00+00:00"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"kind": "shell", "command": []}, "command must not be empty"),
        ({"kind": "shell", "command": "   "}, "command must not be empty"),
        ({"kind": "shell", "command": ["ls"], "timeot": "5m"}, "timeot"),
        ({"kind": "http", "url": "ftp://example.com"}, "url must start with http:// or https://"),
        ({"kind": "http", "url": "https://example.com", "method": "FETCH"}, "method"),
        ({"kind": "http", "url": "https://example.com", "expect_status": []}, "expect_status"),
        ({"kind": "python", "target": "examples.tasks"}, "target must look like package.module:function"),
        ({"kind": "digest"}, "channel"),
        ({"kind": "shell", "command": ["ls"], "retries": {"max": 21}}, "retries"),
        ({"kind": "shell", "command": ["ls"], "max_instances": 0}, "max_instances"),
        ({"kind": "cobol", "command": ["ls"]}, "does not match any of the expected tags"),
    ],
)
def test_each_kind_refuses_what_it_cannot_run(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment.replace(".", r"\.")):
        parse_job({"id": "job", "schedule": {"interval": "1m"}, **data})


def test_http_methods_are_upper_cased_and_retries_back_off_exponentially() -> None:
    spec = parse_job(
        {"id": "a", "kind": "http", "url": "https://x.test", "method": "post", "schedule": {"interval": 60}}
    )
    assert spec.kind == "http"
    assert spec.method == "POST"
    retries = shell(retries={"max": 3, "backoff": "30s"}).retries
    assert [retries.delay_before(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (30, 60, 120)]


@pytest.mark.parametrize(
    "data",
    [
        {"id": "a", "kind": "shell", "command": "echo hi", "schedule": {"interval": "1h30m"}, "timeout": "90s"},
        {"id": "b", "kind": "http", "url": "https://x.test", "schedule": {"cron": "@hourly"}, "body": {"a": [1]}},
        {"id": "c", "kind": "python", "target": "m:f", "kwargs": {"n": 1}, "schedule": {"at": "2026-12-01T09:00:00Z"}},
        {"id": "d", "kind": "digest", "channel": "#ops", "schedule": {"cron": "0 9 * * 1-5"}, "window": "12h"},
    ],
)
def test_job_data_round_trips_and_leaves_defaults_out(data: dict[str, Any]) -> None:
    spec = parse_job(data)
    assert parse_job(job_to_data(spec)) == spec
    assert "enabled" not in job_to_data(spec)
    assert "retries" not in job_to_data(spec)
