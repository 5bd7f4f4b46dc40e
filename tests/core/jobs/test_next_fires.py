"""'When will it run?': the core function and ``schedops next`` as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from core.jobs.next_fires import NextFiresError, next_fire_times

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def test_it_lists_the_next_fire_times_in_the_schedules_zone() -> None:
    answer = next_fire_times("0 9 * * 1-5", timezone="Europe/Berlin", now=NOW, count=3)
    assert [moment.isoformat() for moment in answer.times] == [
        "2026-11-19T09:00:00+01:00",
        "2026-11-20T09:00:00+01:00",
        "2026-11-23T09:00:00+01:00",
    ]


@pytest.mark.parametrize(
    ("expression", "timezone", "count", "fragment"),
    [
        ("0 0 31 2,4,6,9,11 *", "UTC", 5, "never fires"),
        ("61 * * * *", "UTC", 5, "minute field '61'"),
        ("@daily", "Mars/Olympus", 5, "unknown time zone"),
        ("@daily", "UTC", 0, "count must be between 1 and 100"),
    ],
)
def test_it_refuses_bad_input_with_one_line(expression: str, timezone: str, count: int, fragment: str) -> None:
    with pytest.raises(NextFiresError, match=fragment) as refused:
        next_fire_times(expression, timezone=timezone, now=NOW, count=count)
    assert "\n" not in str(refused.value)


def schedops(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "SCHEDOPS_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def test_schedops_next_prints_only_the_times() -> None:
    done = schedops("next", "0 0 * * *", "--timezone", "Europe/Warsaw", "--after", "2017-03-26T00:00:30+01:00")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"2017-03-{day}T00:00:00+02:00" for day in range(27, 32)]


def test_schedops_next_refuses_a_never_firing_schedule_with_exit_2() -> None:
    done = schedops("next", "0 0 31 2,4,6,9,11 *", "--count", "3")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "never fires" in done.stderr


def test_schedops_next_does_not_import_slack() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "next", "@daily"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0
    assert "slack" not in done.stderr
