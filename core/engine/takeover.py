"""What a new leader owes beyond start-up: fire times the old leader moved past without recording.

A leader persists a job's next fire time in the transaction that records the fire's run (RunStore.add_many,
from engine._fire_batch), so it cannot stop between the two. Leaders before that change wrote them apart: one
killed or frozen in between left a fire with no row, which start-up's catch-up (beginning at the persisted
next fire time) never sees. A database such a leader wrote may still hold one when this version takes over.
Every fire that is handled gets a row (ran, skipped or missed; the unique index ux_runs_schedule_fire), so the
first fire time after a job's latest row is the earliest one that may be owed: the new leader begins catch-up
there instead, and each such fire runs once within grace or is recorded missed. A job with no row at all has no
such reference (an interval's anchor is not stored) and is left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from core.jobs.spec import CronSchedule, IntervalSchedule, JobSpec
from core.jobs.triggers import fire_times
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore

log = logging.getLogger(__name__)

# Looking further back than this would turn an old gap (a job's history purged, a schedule long idle) into
# a flood of "missed" rows; an unrecorded fire is at most a takeover old.
LOOKBACK = timedelta(hours=1)


async def rewind_unrecorded_fires(jobs: JobStore, runs: RunStore, *, default_timezone: str, now: datetime) -> int:
    """Move each active job's persisted next fire time back to its first unrecorded fire, when that is
    earlier. Returns how many jobs were moved back."""
    last = await runs.last_fires()
    moved = 0
    for job in await jobs.list():
        recorded = last.get(job.id)
        if not job.active or job.next_run_time is None or recorded is None:
            continue
        # A fire before the job's last change belongs to its old definition (or to a time it was paused).
        since = max(recorded, job.updated_at, now - LOOKBACK)
        owed = first_fire_between(job.spec, default_timezone, after=since, before=job.next_run_time)
        if owed is not None:
            log.warning(
                "%s: the fire at %s has no record (the previous leader stopped before recording it); catching up",
                job.id,
                owed.isoformat(),
            )
            await jobs.set_next_run_time(job.id, owed)
            moved += 1
    return moved


def first_fire_between(spec: JobSpec, default_timezone: str, *, after: datetime, before: datetime) -> datetime | None:
    """The job's first fire time strictly between ``after`` and ``before`` (its persisted next fire time).
    Jobs with jitter are left out: their recorded times are jittered and cannot be matched."""
    schedule = spec.schedule
    if isinstance(schedule, IntervalSchedule) and not schedule.jitter:
        # An interval keeps the rhythm of the persisted next fire time: step back from it.
        steps = (before - after) // schedule.interval
        if (before - after) % schedule.interval == timedelta(0):
            steps -= 1
        return before - steps * schedule.interval if steps > 0 else None
    if isinstance(schedule, CronSchedule) and not schedule.jitter:
        owed = fire_times(spec, default_timezone, after=after, until=before, limit=1)
        return owed[0] if owed and owed[0] < before else None
    return None
