"""Issue 9, item 1: every duration is finite and bounded where it is parsed; OverflowError never escapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from core.config import ConfigError, load_settings
from core.durations import DurationError, parse_duration
from core.jobs.spec import IntervalSchedule, ShellJob, parse_job
from core.jobs.triggers import UnschedulableJobError, check_schedulable
from core.storage.database import Database
from core.storage.jobs_store import JobStore

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ENDLESS = ["inf", "-inf", "nan", "NaN", "Infinity", "1e20", "1e400", 1e20, float("inf"), float("nan"), 10**400]


@pytest.mark.parametrize("value", ENDLESS)
def test_it_refuses_endless_and_huge_durations_with_a_duration_error(value: object) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(value)
    assert "\n" not in str(raised.value)


def test_it_names_the_bound_of_each_use() -> None:
    with pytest.raises(DurationError, match="at most 1d") as raised:
        parse_duration("2d", maximum=timedelta(days=1))
    assert raised.value.too_long


def base_job(**fields: object) -> dict[str, object]:
    return {"id": "j", "kind": "shell", "command": "true", "schedule": {"interval": "1h"}, **fields}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timeout": "1e20"}, "timeout"),
        ({"timeout": "366d"}, "timeout"),
        ({"schedule": {"interval": "3000000d"}}, "interval"),
        ({"schedule": {"interval": "inf"}}, "interval"),
        ({"retries": {"max": 3, "backoff": "nan"}}, "backoff"),
        ({"misfire_grace": "1e20"}, "misfire_grace"),
        ({"schedule": {"cron": "0 * * * *", "jitter": "1e9"}}, "jitter"),
    ],
)
def test_a_job_with_an_unbounded_duration_is_refused_by_validation(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_job(base_job(**fields))
    assert any(field in ".".join(map(str, error["loc"])) for error in raised.value.errors())


@pytest.mark.parametrize(
    "variable",
    ["SCHEDOPS_APPROVAL_TTL", "SCHEDOPS_MISFIRE_GRACE", "SCHEDOPS_SHUTDOWN_TIMEOUT", "SCHEDOPS_RUN_RETENTION"],
)
@pytest.mark.parametrize("value", ["inf", "nan", "1e20"])
def test_a_duration_setting_beyond_bounds_is_a_configuration_error(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value}, env_file=None)
    assert len(raised.value.lines) == 1 and raised.value.lines[0].startswith(variable)


def endless_interval_job() -> ShellJob:
    # Built past validation, as a definition stored by an older version could be.
    schedule = IntervalSchedule.model_construct(interval=timedelta(days=3_000_000), jitter=None)
    return ShellJob.model_construct(**{**parse_job(base_job()).__dict__, "schedule": schedule})


def test_a_first_fire_time_out_of_range_is_an_unschedulable_job_error() -> None:
    with pytest.raises(UnschedulableJobError, match="'j'"):
        check_schedulable(endless_interval_job(), NOW)


async def test_a_job_whose_first_fire_time_overflows_is_not_stored(db: Database) -> None:
    store = JobStore(db)
    with pytest.raises(UnschedulableJobError):
        await store.save(endless_interval_job(), now=NOW, actor="U1", source="api")
    assert await store.get("j") is None


def test_the_sitrep_reads_a_stored_endless_timeout_as_the_longest_allowed() -> None:
    from core.durations import A_YEAR
    from core.sitrep.catalogue import timeout_of

    assert timeout_of("3000000d") == A_YEAR
    assert timeout_of("inf") == A_YEAR
    assert timeout_of("5m") == timedelta(minutes=5)
