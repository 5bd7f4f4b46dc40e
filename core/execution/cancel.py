"""Cancelling a running run, the same way in both modes: the request is a column of the run's row, and
whoever executes the run (this process, or the worker that claimed it) watches it and stops the work the way
a timeout does (the shell executor kills the process group)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from core.execution.local import execute_masked
from core.executors.base import Executors
from core.executors.progress import Progress
from core.jobs.spec import JobSpec
from core.runs import ErrorClass, ExecutionResult, RunStatus

log = logging.getLogger(__name__)

Work = asyncio.Task[ExecutionResult]

# How often an executing process reads whether its run was cancelled: the bound on a cancel's delay.
CANCEL_POLL_SECONDS = 1.0


def cancelled_result(actor: str) -> ExecutionResult:
    # Permanent: a run someone stopped on purpose is never retried automatically.
    return ExecutionResult.failure(f"cancelled by {actor}", ErrorClass.PERMANENT, status=RunStatus.INTERRUPTED)


async def execute_cancellable(
    executors: Executors,
    spec: JobSpec,
    *,
    cancel_requested: Callable[[], Awaitable[str | None]],
    poll_seconds: float = CANCEL_POLL_SECONDS,
    progress: Progress | None = None,
) -> ExecutionResult:
    """Execute ``spec``, asking ``cancel_requested`` every ``poll_seconds`` (the caller's poll also saves
    what ``progress`` holds: one poll, one round trip). ``progress`` is what a python job reports to."""
    work = start_work(executors, spec, progress=progress)
    return await watch_cancellable(work, spec.id, cancel_requested=cancel_requested, poll_seconds=poll_seconds)


def start_work(executors: Executors, spec: JobSpec, *, progress: Progress | None = None) -> Work:
    """One attempt of ``spec`` as a task of its own, started now: the job's first step comes before whatever
    is queued on the loop after it (a burst starts every job before any run's bookkeeping)."""
    return asyncio.get_running_loop().create_task(execute_masked(executors, spec, progress=progress))


async def watch_cancellable(
    work: Work,
    job_id: str,
    *,
    cancel_requested: Callable[[], Awaitable[str | None]],
    poll_seconds: float = CANCEL_POLL_SECONDS,
) -> ExecutionResult:
    """Wait for ``work`` (from start_work), asking ``cancel_requested`` every ``poll_seconds``; a cancel
    stops the work and answers an interrupted result. The work never outlives this wait."""
    try:
        while True:
            done, _ = await asyncio.wait({work}, timeout=poll_seconds)
            if done:
                return work.result()
            actor = await _asked(cancel_requested, job_id)
            if actor is not None:
                work.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await work
                log.info("a run of %s was cancelled by %s", job_id, actor)
                return cancelled_result(actor)
    finally:
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work


async def _asked(cancel_requested: Callable[[], Awaitable[str | None]], job_id: str) -> str | None:
    try:
        return await cancel_requested()
    except Exception:  # a database hiccup must not end the run; the next poll asks again
        log.warning("could not poll the row of a run of %s (cancel request, progress)", job_id)
        return None
