"""Following job changes made by other processes (a standby's Slack edit, ``schedops jobs import``): each
replica compares the jobs' change stamps with what it last saw, on a notification and by a poll, and brings
its timetable in line. A standby also follows the leader's next fire times, so its views show them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.jobs.spec import JobSpec
from core.storage.jobs_store import JobStore


class Refreshable(Protocol):
    jobs: JobStore

    async def refresh_job(self, job_id: str, *, schedule_changed: bool) -> None: ...


class JobWatch:
    def __init__(self, engine: Refreshable) -> None:
        self._engine = engine
        self._stamps: dict[str, tuple[datetime, datetime | None]] = {}
        self._seen: dict[str, tuple[JobSpec, bool]] = {}

    async def snapshot(self) -> None:
        """Take the jobs as they are now as seen (after start-up has scheduled them all)."""
        self._stamps = await self._engine.jobs.stamps()
        self._seen = {job.id: (job.spec, job.active) for job in await self._engine.jobs.list()}

    async def sync(self, *, follow_next_fire: bool) -> int:
        """Refresh every job changed since the last sync; returns how many."""
        stamps = await self._engine.jobs.stamps()
        changed = [
            job_id
            for job_id, stamp in stamps.items()
            if job_id not in self._stamps
            or stamp[0] != self._stamps[job_id][0]
            or (follow_next_fire and stamp[1] != self._stamps[job_id][1])
        ]
        removed = [job_id for job_id in self._stamps if job_id not in stamps]
        for job_id in changed:
            await self._refresh(job_id)
        for job_id in removed:
            self._seen.pop(job_id, None)
            await self._engine.refresh_job(job_id, schedule_changed=True)
        self._stamps = stamps
        return len(changed) + len(removed)

    async def _refresh(self, job_id: str) -> None:
        job = await self._engine.jobs.get(job_id)
        before = self._seen.get(job_id)
        if job is None:
            self._seen.pop(job_id, None)
        else:
            self._seen[job_id] = (job.spec, job.active)
        changed = (
            before is None or job is None or before[0].schedule != job.spec.schedule or (job.active and not before[1])
        )
        await self._engine.refresh_job(job_id, schedule_changed=changed)
