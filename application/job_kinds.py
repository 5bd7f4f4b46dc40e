"""Which job kinds each front door may define: code-running kinds (shell, python, celery) only from the server
itself (jobs file, CLI) unless SCHEDOPS_ALLOW_SHELL_FROM_SLACK lets the chat and API doors define them too.

A celery job runs nothing on the schedops host, but it calls any task of the team's app with any arguments
(as a python job calls any function), and its broker URL points schedops' connections at any host: in a
member's hands that is remote code execution on the team's workers, so it is a code-running kind."""

from __future__ import annotations

from core.abc import RunHandle
from core.config import Settings
from core.engine import Engine
from core.jobs.spec import JobSpec
from core.runs import RunTrigger
from core.storage.jobs_store import StoredJob

CODE_KINDS = frozenset({"shell", "python", "celery"})

CODE_OFF = (
    "{kind} jobs run code on the schedops host, so they can't be added or changed from Slack "
    "(SCHEDOPS_ALLOW_SHELL_FROM_SLACK is off)"
)
CELERY_OFF = (
    "Celery jobs run any task of your Celery app with any arguments, so they can't be added or changed from "
    "Slack (SCHEDOPS_ALLOW_SHELL_FROM_SLACK is off)"
)


def code_kinds_allowed(settings: Settings) -> bool:
    return settings.allow_shell_from_slack


def refused_kind(kind: str, settings: Settings) -> str | None:
    """Why a job of ``kind`` may not be defined from a remote door (Slack, the API), or None when it may."""
    if kind in CODE_KINDS and not code_kinds_allowed(settings):
        return CELERY_OFF if kind == "celery" else CODE_OFF.format(kind=kind.capitalize())
    return None


class KindRefused(PermissionError):
    """A remote door asked for a job kind it may not define."""


class RemoteJobControl:
    """The engine as a remote door (Slack, the API) may drive it (implements core.abc.JobControl).

    Kinds that run code are refused again when an action is carried out, not only when it is asked for: a
    request made while SCHEDOPS_ALLOW_SHELL_FROM_SLACK was on, and approved after it was turned off, must
    not slip through."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    async def add_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob:
        self._check(spec)
        return await self._engine.add_job(spec, actor=actor)

    async def update_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob:
        self._check(spec)
        return await self._engine.update_job(spec, actor=actor)

    async def remove_job(self, job_id: str, *, actor: str | None) -> None:
        await self._engine.remove_job(job_id, actor=actor)

    async def pause_job(self, job_id: str, *, actor: str | None) -> StoredJob:
        return await self._engine.pause_job(job_id, actor=actor)

    async def resume_job(self, job_id: str, *, actor: str | None) -> StoredJob:
        return await self._engine.resume_job(job_id, actor=actor)

    async def run_now(
        self,
        job_id: str,
        *,
        actor: str | None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        fixit_plan_id: str | None = None,
    ) -> RunHandle:
        return await self._engine.run_now(job_id, actor=actor, trigger=trigger, fixit_plan_id=fixit_plan_id)

    def _check(self, spec: JobSpec) -> None:
        refusal = refused_kind(spec.kind, self._settings)
        if refusal is not None:
            raise KindRefused(refusal)
