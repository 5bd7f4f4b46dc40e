"""What to do about fire times that passed while schedops was not running. Pure: ``now`` is an argument."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.jobs.spec import IntervalSchedule, JobSpec
from core.jobs.triggers import fire_times

# Enough rows to show what was missed without letting a long outage of a per-second job flood history.
MAX_MISSED_ROWS = 100
_SCAN_LIMIT = 10_000
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Catchup:
    """``run_at``: the one coalesced run owed (the latest fire time within grace), if any; ``missed``: fire
    times older than the grace, newest last and at most MAX_MISSED_ROWS of them; ``missed_total`` counts
    them all; ``next_fire``: where the schedule resumes (after ``now``)."""

    run_at: datetime | None
    missed: list[datetime] = field(default_factory=list)
    missed_total: int = 0
    next_fire: datetime | None = None
    # Fire times within grace that the one run at ``run_at`` stands for (recorded, so none goes unaccounted).
    coalesced: list[datetime] = field(default_factory=list)


def plan_catchup(spec: JobSpec, default_timezone: str, *, due: datetime, now: datetime, grace: timedelta) -> Catchup:
    """Fire times from ``due`` (the persisted next run time, already past) up to ``now``."""
    if due > now:
        return Catchup(run_at=None, next_fire=due)
    if isinstance(spec.schedule, IntervalSchedule):
        return _interval_catchup(spec.schedule.interval, due=due, now=now, grace=grace)
    later = fire_times(spec, default_timezone, after=due, until=now, limit=_SCAN_LIMIT)
    passed = [due, *later]
    if len(later) == _SCAN_LIMIT:
        # A long outage of a frequent schedule: the scan stopped short of now. Look at the recent end on its
        # own (the coalesced run is the latest fire time within the grace); the count is then a lower bound.
        recent = fire_times(spec, default_timezone, after=now - grace - _TICK, until=now, limit=_SCAN_LIMIT)
        passed = [moment for moment in passed if now - moment > grace] + recent
    following = fire_times(spec, default_timezone, after=max(passed[-1], now), limit=1)
    older = [moment for moment in passed if now - moment > grace]
    run_at = passed[-1] if now - passed[-1] <= grace else None
    return Catchup(
        run_at=run_at,
        missed=older[-MAX_MISSED_ROWS:],
        missed_total=len(older),
        next_fire=following[0] if following else None,
        coalesced=[moment for moment in passed[:-1] if now - moment <= grace][-MAX_MISSED_ROWS:],
    )


def _interval_catchup(interval: timedelta, *, due: datetime, now: datetime, grace: timedelta) -> Catchup:
    # Arithmetic keeps the rhythm (due, due + interval, ...) without iterating over a long outage.
    count = int((now - due) / interval) + 1
    last = due + interval * (count - 1)
    lag = now - last
    within = 0 if lag > grace else min(count, int((grace - lag) / interval) + 1)
    older_count = count - within
    first_kept = max(0, older_count - MAX_MISSED_ROWS)
    coalesced = range(max(older_count, count - 1 - MAX_MISSED_ROWS), count - 1)
    return Catchup(
        run_at=last if now - last <= grace else None,
        missed=[due + interval * index for index in range(first_kept, older_count)],
        missed_total=older_count,
        next_fire=due + interval * count,
        coalesced=[due + interval * index for index in coalesced],
    )
