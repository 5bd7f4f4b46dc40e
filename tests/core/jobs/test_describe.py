"""Schedules and definitions in words. Pure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.durations import spelled_out
from core.jobs.describe import describe_cron, describe_job, describe_schedule
from core.jobs.spec import parse_job


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("0 9 * * 1-5", "At 09:00, Monday through Friday"),
        ("0 0 * * 0", "At 00:00, only on Sunday"),
        ("0 0 * * 7", "At 00:00, only on Sunday"),
        ("0 18 * * 5-7", "At 18:00, Friday through Sunday"),
        ("30 2 1 * *", "At 02:30, on day 1 of the month"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("@daily", "At 00:00"),
        ("@weekly", "At 00:00, only on Sunday"),
    ],
)
def test_cron_expressions_read_in_crontab_weekday_numbering(expression: str, words: str) -> None:
    assert describe_cron(expression) == words


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(0), "0 seconds"),
        (timedelta(seconds=1), "1 second"),
        (timedelta(minutes=90), "1 hour 30 minutes"),
        (timedelta(days=8), "1 week 1 day"),
    ],
)
def test_durations_read_in_words(delta: timedelta, words: str) -> None:
    assert spelled_out(delta) == words


def job(**fields: Any) -> Any:
    return parse_job({"id": "backup", "kind": "shell", "command": "true", "schedule": {"cron": "0 * * * *"}} | fields)


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        ({"cron": "0 9 * * 1-5"}, "At 09:00, Monday through Friday (Europe/Berlin time)"),
        ({"cron": "0 9 * * 1-5", "timezone": "UTC"}, "At 09:00, Monday through Friday (UTC time)"),
        ({"interval": "90m", "jitter": "30s"}, "Every 1 hour 30 minutes, up to 30 seconds later at random"),
        ({"at": "2026-12-01T08:00:00Z"}, "Once, at 2026-12-01 09:00 (Europe/Berlin time)"),
    ],
)
def test_schedules_read_in_words_with_their_time_zone(schedule: dict[str, Any], words: str) -> None:
    assert describe_schedule(job(schedule=schedule), "Europe/Berlin") == words


def test_a_definition_reads_as_sentences_without_its_secrets() -> None:
    spec = job(
        command="pg_dump orders > /backups/orders.sql",
        cwd="/srv",
        env={"PGPASSWORD": "hunter2"},
        max_instances=2,
        misfire_grace="10m",
        alert_channel="#ops",
        enabled=False,
    )

    lines = describe_job(spec, default_misfire_grace=timedelta(minutes=5))

    assert lines == [
        "Runs pg_dump orders > /backups/orders.sql (through sh -c) in /srv, setting PGPASSWORD.",
        "Disabled: it does not run on its schedule.",
        "Gives up after 1 hour.",
        "Does not retry a failed run.",
        "Runs up to 2 at once.",
        "A scheduled run more than 10 minutes late is recorded as missed.",
        "Alerts go to #ops.",
    ]
    assert "hunter2" not in " ".join(lines)


@pytest.mark.parametrize(
    ("fields", "action"),
    [
        ({"kind": "python", "target": "jobs.cleanup:run", "kwargs": {"days": 7}}, "Calls the Python function "
         "jobs.cleanup:run with days."),
        ({"kind": "digest", "channel": "C123", "only_when_unhealthy": True}, "Posts the sitrep of the last 1 day "
         "to C123 when health is not healthy."),
        ({"kind": "http", "url": "http://localhost:8080/ping", "method": "head", "expect_status": [200, 204]},
         "Calls HEAD http://localhost:8080/ping and expects HTTP 200, 204."),
    ],
)  # fmt: skip
def test_each_kind_of_job_says_what_it_does(fields: dict[str, Any], action: str) -> None:
    data = {"id": "backup", "schedule": {"cron": "0 * * * *"}} | fields
    assert describe_job(parse_job(data), default_misfire_grace=timedelta(minutes=5))[0] == action
