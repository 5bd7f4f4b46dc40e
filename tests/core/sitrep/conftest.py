"""Seeding for sitrep tests: jobs through JobStore (as the app writes them), runs and approvals as rows with
exactly the times a scenario needs. Standing cast: alice asks, bob pauses, carol approves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.jobs.spec import parse_job
from core.runs import RunStatus
from core.sitrep import Sitrep, build_sitrep
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import lateness_ms
from core.storage.tables import ApprovalRow, RunRow
from tests.support.clock import ManualClock

_NOT_STARTED = {RunStatus.SKIPPED, RunStatus.MISSED}
_TICK = timedelta(microseconds=1)


@dataclass
class Seed:
    db: Database
    now: datetime
    _fires: set[tuple[str, datetime | None]] = field(default_factory=set)

    async def job(
        self,
        job_id: str,
        *,
        schedule: dict[str, Any] | None = None,
        paused_by: str | None = None,
        next_run: datetime | None = None,
        **fields: Any,
    ) -> None:
        """A shell job by default; a field given as None is left out (``command=None`` for an http job)."""
        data = {"id": job_id, "kind": "shell", "command": "true", "schedule": schedule or {"cron": "0 * * * *"}}
        store = JobStore(self.db)
        spec = parse_job({key: value for key, value in (data | fields).items() if value is not None})
        await store.save(spec, now=self.now, actor="alice", source="api")
        if paused_by is not None:
            await store.set_paused(job_id, True, actor=paused_by, now=self.now - timedelta(hours=2))
        if next_run is not None:
            await store.set_next_run_time(job_id, next_run)

    async def run(
        self,
        job_id: str,
        status: RunStatus | str,
        *,
        at: datetime | None = None,
        ago: timedelta | None = None,
        trigger: str = "schedule",
        scheduled_at: datetime | None = None,
        late: timedelta = timedelta(0),
        duration: timedelta | None = timedelta(seconds=1),
        error_class: str | None = None,
        error_message: str | None = None,
        output_tail: str | None = None,
    ) -> int:
        """A run created ``at`` (or ``ago`` before now), started ``late`` after its scheduled time."""
        status = RunStatus(status)
        created = at if at is not None else self.now - (ago or timedelta(minutes=1))
        scheduled = scheduled_at or (created - late if trigger == "schedule" else None)
        # One row per (job, fire time) of scheduled runs (the replicas' fence): a second run made at the same
        # moment is made a microsecond later.
        while trigger == "schedule" and (job_id, scheduled) in self._fires:
            created, scheduled = created + _TICK, scheduled + _TICK  # type: ignore[operator]
        if trigger == "schedule":
            self._fires.add((job_id, scheduled))
        started = None if status in _NOT_STARTED else created
        finished = (
            None
            if status is RunStatus.RUNNING
            else (created if started is None else created + (duration or timedelta(0)))
        )
        row = RunRow(
            job_id=job_id,
            trigger=trigger,
            attempt=1,
            status=status.value,
            created_at=created,
            scheduled_at=scheduled,
            started_at=started,
            lateness_ms=lateness_ms(trigger, scheduled, started),
            finished_at=finished,
            duration_ms=None if started is None or finished is None or duration is None else _ms(duration),
            error_class=error_class if status.is_failure else None,
            error_message=error_message if status.is_failure or status in _NOT_STARTED else None,
            output_tail=output_tail,
        )
        async with self.db.session.begin() as session:
            session.add(row)
        return row.id

    async def runs(self, job_id: str, statuses: str, *, every: timedelta = timedelta(minutes=1)) -> None:
        """Runs oldest first from a compact history such as ``"S F S F F"`` (S succeeded, F failed, T timed
        out, I interrupted, K skipped, M missed), the last one ``every`` before now."""
        codes = {"S": "succeeded", "F": "failed", "T": "timed_out", "I": "interrupted", "K": "skipped", "M": "missed"}
        letters = statuses.split()
        for index, letter in enumerate(letters):
            await self.run(job_id, codes[letter], ago=every * (len(letters) - index), error_message=f"run {index}")

    async def approval(self, *, created_at: datetime, expires_at: datetime, status: str = "pending") -> None:
        row = ApprovalRow(
            id=str(uuid.uuid4()),
            action="pause",
            params={"job_id": "backup"},
            requested_by="alice",
            created_at=created_at,
            expires_at=expires_at,
            status=status,
        )
        async with self.db.session.begin() as session:
            session.add(row)


def _ms(delta: timedelta) -> int:
    return round(delta.total_seconds() * 1000)


@pytest.fixture
def seed(db: Database, clock: ManualClock) -> Seed:
    return Seed(db, clock.now)


@pytest.fixture
def sitrep(db: Database, clock: ManualClock) -> Any:
    """``await sitrep(**overrides)``: build_sitrep at the clock's time, scheduler running, in UTC."""

    async def build(**overrides: Any) -> Sitrep:
        options: dict[str, Any] = {"now": clock.now, "scheduler_running": True, "default_timezone": "UTC"}
        return await build_sitrep(db, **(options | overrides))

    return build
