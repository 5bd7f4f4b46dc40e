"""What fires next, across jobs. Pure: ``now`` is an argument.

Each job's stored next run time seeds a heap; only the job just taken from it computes its following fire
time, so N upcoming runs cost about N trigger computations. ``catalogue.soonest_jobs`` picks the only jobs
that can appear, so only their definitions are loaded.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime

from core.jobs.spec import JobSpec
from core.jobs.triggers import fire_times
from core.sitrep.catalogue import JobState, Schedulable
from core.sitrep.model import UpcomingRun


def upcoming_runs(
    jobs: Iterable[Schedulable], default_timezone: str, *, now: datetime, limit: int
) -> list[UpcomingRun]:
    """The next ``limit`` fire times of ``jobs``, soonest first (ties by job id), jitter left out. A stored
    next run time already past (the scheduler is behind or stopped) is listed as it is: that run is due."""
    heap: list[tuple[datetime, str, Schedulable]] = []
    for job in jobs:
        first = job.next_run_time if job.next_run_time is not None else _after(job.spec, default_timezone, now)
        if first is not None:
            heap.append((first, job.id, job))
    heapq.heapify(heap)
    upcoming: list[UpcomingRun] = []
    while heap and len(upcoming) < limit:
        at, job_id, job = heapq.heappop(heap)
        upcoming.append(UpcomingRun(job_id=job_id, title=job.title, at=at))
        following = _after(job.spec, default_timezone, at)
        if following is not None:
            heapq.heappush(heap, (following, job_id, job))
    return upcoming


def next_runs(job: JobState, default_timezone: str, *, now: datetime, limit: int) -> list[datetime]:
    """The job's next ``limit`` fire times; none while it is paused or disabled."""
    if not job.active:
        return []
    schedulable = Schedulable(job.id, job.title, job.next_run_time, job.spec)
    return [run.at for run in upcoming_runs([schedulable], default_timezone, now=now, limit=limit)]


def _after(spec: JobSpec, default_timezone: str, moment: datetime) -> datetime | None:
    times = fire_times(spec, default_timezone, after=moment, limit=1)
    return times[0] if times else None
