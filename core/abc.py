"""The interfaces between core's parts and its callers (the bot, the CLI): small, and all in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from core.clock import Clock
from core.jobs.spec import JobSpec
from core.runs import RunRecord, RunTrigger
from core.storage.jobs_store import StoredJob

__all__ = ["Clock", "JobControl", "Progress", "RunHandle"]

# Where long work reports how it goes, one line of text at a time (fix-it shows it on the approval message).
# Passed explicitly to whoever does the work, so progress can never silently stop reaching its reader.
Progress = Callable[[str], Awaitable[None]]


class RunHandle(Protocol):
    """A run that has been recorded (``run``: status running, or skipped when it could not start)."""

    @property
    def run(self) -> RunRecord: ...

    async def wait(self) -> RunRecord:
        """The run's final row, once it has finished (at once for a skipped run)."""
        ...


class JobControl(Protocol):
    """What may be done to jobs; implemented by core.engine.Engine. ``actor`` is who asked (a Slack user
    id, or None for the system). Raises core.storage.jobs_store.JobLookupError for an unknown id."""

    async def add_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob: ...

    async def update_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob: ...

    async def remove_job(self, job_id: str, *, actor: str | None) -> None: ...

    async def pause_job(self, job_id: str, *, actor: str | None) -> StoredJob: ...

    async def resume_job(self, job_id: str, *, actor: str | None) -> StoredJob: ...

    async def run_now(
        self,
        job_id: str,
        *,
        actor: str | None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        fixit_plan_id: str | None = None,
    ) -> RunHandle: ...
