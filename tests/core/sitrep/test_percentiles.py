"""Duration percentiles are exact nearest-rank values, however SQLite's sample happens to fall."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from core.sitrep import percentiles
from core.sitrep.percentiles import bracket, duration_percentiles, nearest_rank
from core.storage.database import Database
from core.storage.tables import RunRow
from tests.support.clock import ManualClock
from tests.support.databases import migrated_sqlite

FRACTIONS = (0.001, 0.25, 0.5, 0.95, 0.99, 1.0)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(migrated_sqlite(tmp_path / "percentiles.db"))
    yield database
    await database.close()


async def _durations(db: Database, now: datetime, count: int) -> list[int]:
    """``count`` timed runs in the last day (durations with many ties), plus runs that must not count:
    untimed ones in the window, timed ones before it."""
    rng = random.Random(7)
    durations = [rng.choice([rng.randint(1, 300), rng.randint(1, 90_000)]) for _ in range(count)]
    rows = [_row(now - timedelta(seconds=index % 86_000), ms) for index, ms in enumerate(durations)]
    rows += [_row(now - timedelta(hours=1), None, status="running")] * 50
    rows += [_row(now - timedelta(days=2), 999_999_999)] * 50
    async with db.engine.begin() as connection:
        await connection.execute(insert(RunRow.__table__), rows)
    return sorted(durations)


def _row(created: datetime, duration_ms: int | None, status: str = "succeeded") -> dict[str, Any]:
    return {
        "job_id": "backup",
        "trigger": "schedule",
        "attempt": 1,
        "status": status,
        "created_at": created,
        "started_at": created,
        "duration_ms": duration_ms,
    }


async def _percentiles(db: Database, now: datetime) -> list[int | None]:
    async with db.engine.connect() as connection:
        return await duration_percentiles(connection, now - timedelta(days=1), now, FRACTIONS)


async def test_percentiles_of_a_large_window_are_exact(db: Database, clock: ManualClock) -> None:
    durations = await _durations(db, clock.now, 5_000)

    expected = [durations[nearest_rank(fraction, len(durations)) - 1] for fraction in FRACTIONS]
    assert await _percentiles(db, clock.now) == expected


async def test_a_sample_unlike_the_window_still_gives_exact_percentiles(
    sqlite_db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    durations = await _durations(sqlite_db, clock.now, 2_000)
    # Brackets that hold none of the ranks sought: each is found by a sort instead.
    monkeypatch.setattr(percentiles, "bracket", lambda sample, rank, count: (90_001, None))

    expected = [durations[nearest_rank(fraction, len(durations)) - 1] for fraction in FRACTIONS]
    assert await _percentiles(sqlite_db, clock.now) == expected


async def test_there_are_no_percentiles_without_timed_runs(db: Database, clock: ManualClock) -> None:
    assert await _percentiles(db, clock.now) == [None] * len(FRACTIONS)


@pytest.mark.parametrize(
    ("sample", "rank", "count", "expected"),
    [
        ([], 1, 1, (None, None)),  # no sample: every duration is bracketed
        (list(range(1_000)), 500, 1_000, (434, 566)),  # 2 x sqrt(1000) + 2 = 65.2 places either side of 500
        (list(range(1_000)), 10, 1_000, (None, 76)),
        (list(range(1_000)), 1_000, 1_000, (934, None)),
        (list(range(0, 2_000, 2)), 16_000, 32_000, (868, 1132)),  # a sample of 1 in 32: the same places
    ],
)
def test_a_bracket_lies_four_standard_errors_around_the_rank_in_the_sample(
    sample: list[int], rank: int, count: int, expected: tuple[int | None, int | None]
) -> None:
    assert bracket(sample, rank, count) == expected
