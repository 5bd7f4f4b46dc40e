"""How a job's work is carried out: one executor per job kind, chosen by ``Executors``."""

from __future__ import annotations

from typing import Protocol

from core.executors.progress import Progress
from core.jobs.spec import JobSpec
from core.runs import ErrorClass, ExecutionResult, RunStatus


class Executor(Protocol):
    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        """Carry out one attempt of ``spec`` within ``spec.timeout``; ``progress`` is the run's reporter,
        for the kinds whose job can report progress (python), ignored by the others.

        Never raises for a failure of the job itself: a failed, timed-out or crashed job is an
        ExecutionResult with the matching status and error class. On cancellation it stops the work
        (killing a subprocess group, for example) before re-raising CancelledError.
        """
        ...


class Executors:
    """The executor for each job kind; the bot registers the one for ``digest``."""

    def __init__(self, executors: dict[str, Executor] | None = None) -> None:
        self._by_kind: dict[str, Executor] = dict(executors or {})

    def register(self, kind: str, executor: Executor) -> None:
        self._by_kind[kind] = executor

    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        executor = self._by_kind.get(spec.kind)
        if executor is None:
            return ExecutionResult(
                status=RunStatus.SKIPPED,
                error_class=ErrorClass.PERMANENT,
                error_message=f"no executor for {spec.kind} jobs in this process"
                + (" (digests are posted by the Slack bot; configure Slack)" if spec.kind == "digest" else ""),
            )
        return await executor.execute(spec, progress=progress)
