"""Fix-it's typed errors, so the bot and the CLI can say precisely what went wrong."""

from __future__ import annotations

from collections.abc import Sequence

from core.fixit.model import PlanStatus
from core.storage.jobs_store import JobLookupError


class FixitJobLookupError(JobLookupError):
    """Some of the job ids a plan was restricted to do not exist; ``job_ids`` names them all."""

    def __init__(self, job_ids: Sequence[str]) -> None:
        super().__init__(job_ids[0])
        self.job_ids = tuple(job_ids)
        names = ", ".join(repr(job_id) for job_id in self.job_ids)
        self.args = (f"no job with id {names}" if len(self.job_ids) == 1 else f"no jobs with ids {names}",)


class PlanLookupError(LookupError):
    """No fix-it plan has that id."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(f"no fix-it plan with id {plan_id!r}")
        self.plan_id = plan_id


class PlanAlreadyExecutedError(RuntimeError):
    """The plan was claimed before: it is executing or has been executed (``status`` says which)."""

    def __init__(self, plan_id: str, status: PlanStatus) -> None:
        super().__init__(f"fix-it plan {plan_id!r} is already {status.value}; a plan runs at most once")
        self.plan_id = plan_id
        self.status = status


class FixitExecutionError(RuntimeError):
    """Executing a plan crashed part-way; the plan is stored as failed, with what was done until then."""

    def __init__(self, plan_id: str, message: str) -> None:
        super().__init__(f"fix-it plan {plan_id!r} failed: {message}")
        self.plan_id = plan_id
