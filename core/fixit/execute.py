"""Executing a stored plan exactly once: claim it, retry its items with the mode's concurrency and the
item's attempts, report each item as it finishes, and store the result."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from core.abc import Clock, JobControl
from core.fixit.errors import FixitExecutionError
from core.fixit.model import FixitItem, FixitPlan, FixitResult, ItemOutcome, ItemResult, PlanStatus
from core.fixit.rules import failure_detail
from core.fixit.store import PlanStore
from core.runs import RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError, JobStore

log = logging.getLogger(__name__)

ProgressCallback = Callable[[ItemResult], Awaitable[None]]


async def execute_plan(
    db: Database,
    plan_id: str,
    control: JobControl,
    *,
    clock: Clock,
    on_progress: ProgressCallback | None = None,
    backoff: timedelta = timedelta(seconds=30),
    actor: str | None = None,
) -> FixitResult:
    """Execute the stored plan ``plan_id``, at most once across all callers and processes.

    Raises PlanLookupError for an unknown id and PlanAlreadyExecutedError when another caller claimed it
    first. Retry items run as ``fixit`` runs through ``control.run_now``, at most ``plan.concurrency`` at a
    time, each up to its planned attempts with ``backoff * 2**n`` between them; a job paused, disabled or
    removed since planning is skipped. ``on_progress`` hears about each retry item as it finishes (its
    errors are logged, never raised). The result is stored with status ``executed``; if execution crashes,
    the partial result is stored with status ``failed`` and FixitExecutionError is raised.
    """
    store = PlanStore(db)
    plan = await store.claim_plan(plan_id, clock())
    execution = _Execution(plan, control, JobStore(db), on_progress=on_progress, backoff=backoff, actor=actor)
    started_at = clock()

    async def finish(status: PlanStatus, error: str | None = None) -> FixitResult:
        result = execution.result(started_at, clock(), error=error)
        await store.finish_plan(plan.id, status=status, result=result, now=clock())
        return result

    try:
        await execution.run()
    except asyncio.CancelledError:
        await finish(PlanStatus.FAILED, "cancelled")
        raise
    except Exception as error:
        await finish(PlanStatus.FAILED, _error_text(error))
        raise FixitExecutionError(plan.id, _error_text(error)) from error
    return await finish(PlanStatus.EXECUTED)


def _error_text(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(_error_text(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}"


class _Execution:
    def __init__(
        self,
        plan: FixitPlan,
        control: JobControl,
        jobs: JobStore,
        *,
        on_progress: ProgressCallback | None,
        backoff: timedelta,
        actor: str | None,
    ) -> None:
        self._plan = plan
        self._control = control
        self._jobs = jobs
        self._on_progress = on_progress
        self._backoff = backoff
        self._actor = actor
        self._slots = asyncio.Semaphore(plan.concurrency)
        self._done: list[ItemResult] = [
            ItemResult(job_id=item.job_id, outcome=ItemOutcome.SKIPPED, reason=item.reason) for item in plan.skips
        ]

    async def run(self) -> None:
        # A TaskGroup: if one item crashes, the others are cancelled rather than left running unobserved.
        async with asyncio.TaskGroup() as group:
            for item in self._plan.retries:
                group.create_task(self._run_item(item), name=f"fixit {self._plan.id} {item.job_id}")

    def result(self, started_at: datetime, finished_at: datetime, *, error: str | None = None) -> FixitResult:
        def having(outcome: ItemOutcome) -> tuple[ItemResult, ...]:
            return tuple(sorted((done for done in self._done if done.outcome is outcome), key=lambda d: d.job_id))

        return FixitResult(
            plan_id=self._plan.id,
            recovered=having(ItemOutcome.RECOVERED),
            still_failing=having(ItemOutcome.STILL_FAILING),
            skipped=having(ItemOutcome.SKIPPED),
            started_at=started_at,
            finished_at=finished_at,
            error=error,
        )

    async def _run_item(self, item: FixitItem) -> None:
        async with self._slots:
            done = await self._attempts(item)
        self._done.append(done)
        if self._on_progress is not None:
            try:
                await self._on_progress(done)
            except Exception:
                log.exception("fix-it progress callback failed for %s in plan %s", item.job_id, self._plan.id)

    async def _attempts(self, item: FixitItem) -> ItemResult:
        runs: list[RunRecord] = []
        for attempt in range(item.attempts):
            if attempt:
                await asyncio.sleep((self._backoff * 2 ** (attempt - 1)).total_seconds())
            stop = await self._reason_to_stop(item.job_id)
            run = None if stop else await self._run(item.job_id)
            if run is None:
                return _stopped(item, runs, stop or "removed since the plan was made")
            runs.append(run)
            if run.status is RunStatus.SUCCEEDED:
                return _result(item, runs, ItemOutcome.RECOVERED, f"succeeded on attempt {len(runs)}")
            if run.status is RunStatus.SKIPPED:
                return _stopped(item, runs, f"not run: {run.error_message or 'skipped'}")
        return _result(item, runs, ItemOutcome.STILL_FAILING, _still_failing(runs))

    async def _reason_to_stop(self, job_id: str) -> str | None:
        """Checked just before each attempt: the plan was approved for the jobs as they were then."""
        job = await self._jobs.get(job_id)
        if job is None:
            return "removed since the plan was made"
        if not job.enabled:
            return "disabled since the plan was made"
        if job.paused:
            return f"paused by {job.paused_by} since the plan was made" if job.paused_by else "paused meanwhile"
        return None

    async def _run(self, job_id: str) -> RunRecord | None:
        try:
            handle = await self._control.run_now(
                job_id, actor=self._actor, trigger=RunTrigger.FIXIT, fixit_plan_id=self._plan.id
            )
        except JobLookupError:
            return None
        return await handle.wait()


def _result(item: FixitItem, runs: list[RunRecord], outcome: ItemOutcome, reason: str) -> ItemResult:
    return ItemResult(
        job_id=item.job_id,
        outcome=outcome,
        reason=reason,
        attempts=sum(run.status is not RunStatus.SKIPPED for run in runs),
        run_ids=tuple(run.id for run in runs),
        last_status=runs[-1].status if runs else None,
    )


def _stopped(item: FixitItem, runs: list[RunRecord], reason: str) -> ItemResult:
    """Stopped before the attempts ran out: skipped if nothing ran, still failing if something did."""
    ran = [run for run in runs if run.status is not RunStatus.SKIPPED]
    if not ran:
        return _result(item, runs, ItemOutcome.SKIPPED, reason)
    return _result(item, runs, ItemOutcome.STILL_FAILING, f"{_still_failing(ran)}; then {reason}")


def _still_failing(runs: list[RunRecord]) -> str:
    plural = "s" if len(runs) != 1 else ""
    return f"still failing after {len(runs)} attempt{plural}: {failure_detail(runs[-1])}"
