"""Validation that helps: where a misplaced field belongs, the IANA zone an abbreviation stands for, a pasted
crontab line, and the warnings ``schedops check`` gives for what would only fail when it runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config import ConfigError, load_settings
from core.jobs.jobsfile import JobsFileError, load_jobs_file, parse_jobs_document
from core.jobs.preflight import preflight_warnings
from core.jobs.spec import HttpJob, parse_job

ROOT = Path(__file__).resolve().parents[3]


def problem(job: str) -> str:
    with pytest.raises(JobsFileError) as refused:
        parse_jobs_document(f"jobs:\n  - {{id: a, kind: shell, command: x, {job}}}\n", "f.yml")
    [line] = refused.value.lines
    return line


def test_a_job_level_timezone_is_pointed_to_the_schedule() -> None:
    assert problem("schedule: {cron: '0 2 * * *'}, timezone: Europe/Berlin") == (
        "f.yml: job 'a': timezone: timezone belongs to the schedule: schedule: {cron: ..., timezone: ...}"
    )


@pytest.mark.parametrize(
    ("zone", "meant"), [("EST", "America/New_York"), ("CET", "Europe/Berlin"), ("pst", "America/Los_Angeles")]
)
def test_abbreviations_are_refused_with_the_iana_name_to_use(zone: str, meant: str) -> None:
    line = problem(f"schedule: {{cron: '0 2 * * *', timezone: {zone}}}")
    assert f"{zone!r} is an abbreviation" in line and f"use {meant}" in line
    with pytest.raises(ConfigError) as refused:
        load_settings({"SCHEDOPS_TIMEZONE": zone}, env_file=None)
    assert f"use {meant}" in refused.value.lines[0]


def test_a_pasted_crontab_line_is_recognised() -> None:
    assert problem("schedule: {cron: '30 2 * * 1 /usr/local/bin/backup --all'}").endswith(
        "this looks like a crontab line: put the schedule in cron ('30 2 * * 1') and the rest in a shell job's "
        "command ('/usr/local/bin/backup --all')"
    )


def test_a_six_field_expression_that_is_no_crontab_line_keeps_the_field_count_message() -> None:
    assert "expected 5 fields" in problem("schedule: {cron: '99 2 * * * x'}")


def test_check_warns_about_missing_programs_directories_and_past_dates(tmp_path: Path) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    specs = [
        parse_job({"id": "a", "kind": "shell", "command": "no-such-program-xyz --x", "schedule": {"interval": "1m"}}),
        parse_job(
            {
                "id": "b",
                "kind": "shell",
                "command": ["ls"],
                "cwd": str(tmp_path / "gone"),
                "schedule": {"interval": "1m"},
            }
        ),
        parse_job(
            {"id": "c", "kind": "shell", "command": "cd /tmp && ls | wc -l", "schedule": {"at": "2026-05-01T00:00:00Z"}}
        ),
        parse_job(
            {"id": "d", "kind": "shell", "command": ["sh", "-c", "true"], "schedule": {"at": "2026-07-01T00:00:00Z"}}
        ),
    ]
    assert preflight_warnings(specs, now=now) == [
        "job 'a': command: program 'no-such-program-xyz' not found on this machine's PATH",
        f"job 'b': cwd: no directory {tmp_path / 'gone'} on this machine",
        "job 'c': schedule.at 2026-05-01T00:00:00+00:00 is in the past: it will never fire",
    ]


@pytest.mark.parametrize("port", ["8080", "9191"])
def test_the_example_jobs_file_calls_the_health_server_on_port(port: str) -> None:
    specs = {spec.id: spec for spec in load_jobs_file(ROOT / "jobs.yml", {"PORT": port})}
    health = specs["health-check"]
    assert isinstance(health, HttpJob) and health.url == f"http://127.0.0.1:{port}/healthz"
