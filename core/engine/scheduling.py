"""The bridge to APScheduler 3: it decides *when*; schedops records and runs. No job definitions are kept in
APScheduler's job store (the database is the single source of truth); it holds only triggers and times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

# (job id, the fire time to run, earlier fire times coalesced into it)
FireCallback = Callable[[str, datetime, tuple[datetime, ...]], None]


def _never_called() -> None:  # pragma: no cover - APScheduler wants a callable; Dispatch runs the work
    raise RuntimeError("schedops jobs are dispatched by the engine, not called by APScheduler")


class _Dispatch(BaseExecutor):  # type: ignore[misc]
    """Hands each due fire time to the engine instead of calling a function.

    APScheduler only knows the scheduled time inside its executor, and the engine needs it (to record
    ``scheduled_at`` and judge lateness), so this is the extension point used rather than a job function.
    """

    def __init__(self, on_fire: FireCallback) -> None:
        super().__init__()
        self._on_fire = on_fire

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # Coalesce here: run the latest due time; the earlier ones (a stalled loop) are passed on to be recorded.
        self._on_fire(job.id, run_times[-1], tuple(run_times[-101:-1]))
        self._run_job_success(job.id, [])


class Timetable:
    """Which job fires when. Wraps an AsyncIOScheduler running in UTC."""

    def __init__(self, on_fire: FireCallback) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            executors={"default": _Dispatch(on_fire)},
            # Overlap, misfires and coalescing are the engine's business; APScheduler must never drop a fire.
            # APScheduler's own coalescing would drop the earlier due times unseen: _Dispatch coalesces instead.
            job_defaults={"coalesce": False, "max_instances": 1_000_000, "misfire_grace_time": None},
        )

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def place(self, job_id: str, trigger: BaseTrigger, next_fire: datetime | None) -> None:
        """Schedule ``job_id`` on ``trigger`` with its next fire at ``next_fire`` (None: unschedule it)."""
        self.remove(job_id)
        if next_fire is None:
            return
        self._scheduler.add_job(_never_called, trigger=trigger, id=job_id, next_run_time=next_fire)

    def remove(self, job_id: str) -> None:
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def next_fire(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        when: datetime | None = None if job is None else job.next_run_time
        return None if when is None else when.astimezone(UTC)

    def scheduled_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
