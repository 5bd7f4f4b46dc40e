"""plan_catchup: what a start-up owes for fire times that passed while schedops was down (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.engine.catchup import MAX_MISSED_ROWS, plan_catchup
from tests.core.engine.conftest import job

NOW = datetime(2026, 11, 22, 12, 0, 30, tzinfo=UTC)
GRACE = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("schedule", "down_for", "runs", "missed_total"),
    [
        ({"interval": "1m"}, timedelta(minutes=3), True, 0),  # every miss within the grace: one run
        ({"interval": "1m"}, timedelta(minutes=10), True, 5),
        ({"cron": "0 * * * *"}, timedelta(hours=3), True, 3),  # 09:00..12:00, only 12:00 within the grace
        ({"cron": "0 3 * * *"}, timedelta(hours=10), False, 1),
        ({"interval": "1s"}, timedelta(days=2), True, 2 * 86400 - 300),
    ],
)
def test_it_runs_once_within_the_grace_and_counts_older_misses(
    schedule: dict[str, str], down_for: timedelta, runs: bool, missed_total: int
) -> None:
    catchup = plan_catchup(job("j", schedule=schedule), "UTC", due=NOW - down_for, now=NOW, grace=GRACE)

    assert (catchup.run_at is not None) is runs
    assert abs(catchup.missed_total - missed_total) <= 1
    assert len(catchup.missed) == min(catchup.missed_total, MAX_MISSED_ROWS)
    assert catchup.next_fire is not None and catchup.next_fire > NOW


def test_a_long_outage_of_a_frequent_cron_still_runs_the_latest_fire_time() -> None:
    # A per-minute cron down for 10 days: more fire times than one scan reads.
    catchup = plan_catchup(
        job("j", schedule={"cron": "* * * * *"}), "UTC", due=NOW - timedelta(days=10), now=NOW, grace=GRACE
    )

    assert catchup.run_at == datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert catchup.missed_total >= 10_000
    assert catchup.next_fire == datetime(2026, 11, 22, 12, 1, tzinfo=UTC)
