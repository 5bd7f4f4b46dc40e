"""The fence in the data: one row per (job, fire time) of scheduled runs, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.engine.takeover import first_fire_between
from core.jobs.spec import parse_job
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import FireTakenError, RunStore

FIRE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_a_fire_time_recorded_once_cannot_be_recorded_again(db: Database) -> None:
    runs = RunStore(db)
    first = await runs.add("backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=FIRE, scheduled_at=FIRE)
    with pytest.raises(FireTakenError, match="already recorded by another replica"):
        await runs.add("backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=FIRE, scheduled_at=FIRE)
    assert [run.id for run in await runs.recent("backup")] == [first.id]


async def test_manual_runs_at_the_same_moment_are_not_fenced(db: Database) -> None:
    runs = RunStore(db)
    for _ in range(2):
        await runs.add("backup", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=FIRE, scheduled_at=FIRE)
    assert len(await runs.recent("backup")) == 2


async def test_missed_fires_already_recorded_are_left_alone(db: Database) -> None:
    runs = RunStore(db)
    await runs.add("backup", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=FIRE, scheduled_at=FIRE)
    later = FIRE + timedelta(minutes=1)
    assert await runs.add_missed("backup", [FIRE, later], now=later) == 1
    statuses = sorted((run.scheduled_at, run.status) for run in await runs.recent("backup"))  # type: ignore[type-var]
    assert statuses == [(FIRE, RunStatus.RUNNING), (later, RunStatus.MISSED)]


@pytest.mark.parametrize(
    ("schedule", "after", "before", "owed"),
    [
        ({"interval": "5s"}, FIRE - timedelta(seconds=5), FIRE, None),  # nothing between two recorded fires
        ({"interval": "5s"}, FIRE - timedelta(seconds=10), FIRE, FIRE - timedelta(seconds=5)),
        ({"interval": "5s"}, FIRE - timedelta(seconds=11), FIRE, FIRE - timedelta(seconds=10)),
        ({"cron": "* * * * *"}, FIRE - timedelta(minutes=1), FIRE, None),
        ({"cron": "* * * * *"}, FIRE - timedelta(minutes=3), FIRE, FIRE - timedelta(minutes=2)),
        ({"interval": "5s", "jitter": "1s"}, FIRE - timedelta(seconds=20), FIRE, None),  # jittered: unmatched
    ],
)
def test_a_new_leader_finds_the_first_fire_nobody_recorded(
    schedule: dict[str, str], after: datetime, before: datetime, owed: datetime | None
) -> None:
    spec = parse_job({"id": "tick", "kind": "shell", "command": "true", "schedule": schedule})
    assert first_fire_between(spec, "UTC", after=after, before=before) == owed
