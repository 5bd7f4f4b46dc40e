"""One run's life: recorded before it starts, executed, completed, announced, and retried when owed."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from core.clock import Clock
from core.events import EventBus, RunFailed, RunRecovered, RunSkipped, RunStarted, RunSucceeded
from core.execution.base import RunDispatch
from core.execution.cancel import Work, start_work, watch_cancellable
from core.execution.ending import record_end
from core.execution.local import masked_progress
from core.executors.base import Executors
from core.executors.progress import Progress
from core.jobs.spec import JobSpec
from core.runs import ErrorClass, ExecutionResult, RunRecord, RunStatus, RunTrigger
from core.storage.runs_store import FireTakenError, NewRun, RunStore

log = logging.getLogger(__name__)

INTERRUPTED_BY_SHUTDOWN = "schedops shut down before this run finished"
LOST_LEADERSHIP = "missed: the replica that recorded this fire lost leadership before starting it"
_FENCED = frozenset({RunTrigger.SCHEDULE, RunTrigger.RETRY})


class LeadershipLostError(RuntimeError):
    """A scheduled run was recorded, then not started: this process no longer leads (it was frozen or cut
    off while recording). Its row says so; the new leader owns the schedule."""


class _LocalWork(NamedTuple):
    """A run's job executing in this process, and the reporter it gives its progress to."""

    task: Work
    progress: Progress


class StartedRun:
    """A recorded run and a way to wait for its final row (implements core.abc.RunHandle)."""

    def __init__(self, run: RunRecord, finished: asyncio.Future[RunRecord]) -> None:
        self._run = run
        self._finished = finished

    @property
    def run(self) -> RunRecord:
        return self._run

    async def wait(self) -> RunRecord:
        return await asyncio.shield(self._finished)


@dataclass(frozen=True, slots=True)
class RunRequest:
    spec: JobSpec
    trigger: RunTrigger
    scheduled_at: datetime | None = None
    attempt: int = 1
    retry_of: int | None = None
    requested_by: str | None = None
    fixit_plan_id: str | None = None


class Runner:
    """Starts runs, keeps at most ``max_instances`` of a job at once, and reports how each ended.

    ``on_failure(request, failed_run)`` is awaited after a failure and answers whether an automatic retry
    was scheduled (the engine owns the timers).
    """

    def __init__(self, runs: RunStore, executors: Executors, events: EventBus, clock: Clock) -> None:
        self._runs = runs
        self._executors = executors
        self._events = events
        self._clock = clock
        self._slots: Counter[str] = Counter()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # Runs whose end is recorded and being announced (alerts, a retry per policy): no longer in _tasks (not
        # followed, never cancelled), but waited for by interrupt_all, so a stop never leaves their writes behind.
        self._announcing: set[asyncio.Task[Any]] = set()
        self.on_failure: Callable[[RunRequest, RunRecord], Awaitable[bool]] | None = None
        # Asked once more after a scheduled run is recorded, just before it starts (see engine.fence).
        self.fence: Callable[[], Awaitable[bool]] | None = None
        # Set when runs execute on workers (SCHEDOPS_EXECUTION=celery): recorded here, carried out there.
        self.dispatch: RunDispatch | None = None

    @property
    def active_run_ids(self) -> list[int]:
        return list(self._tasks)

    def active_count(self, job_id: str) -> int:
        return self._slots[job_id]

    async def start(self, request: RunRequest) -> StartedRun:
        """Record the run, then start it in the background; an overlapping run is recorded as skipped.
        Raises FireTakenError (another replica recorded this fire) or LeadershipLostError."""
        (outcome,) = await self.start_batch([request])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def start_batch(
        self, requests: Sequence[RunRequest], *, advancing: Mapping[str, datetime | None] | None = None
    ) -> list[StartedRun | FireTakenError | LeadershipLostError]:
        """``start`` for many runs at once (the fires of one instant), answering in their order: their rows
        are written in one transaction, the fence is asked once after it, and each job starts only then. A
        fire another replica already recorded answers FireTakenError (nothing recorded, nothing started);
        a scheduled run recorded when this process had lost leadership answers LeadershipLostError (its row
        is withdrawn). Other errors (the database down) raise, with nothing started and nothing advanced.

        ``advancing`` (job id -> next fire time) is persisted in the rows' transaction (RunStore.add_many)."""
        if not requests:
            await self._runs.add_many([], now=self._clock(), advancing=advancing)
            return []
        # max_instances counts runs in the database (any replica's), and this process's slots taken but not
        # yet recorded. Check and take every slot with no await in between: two fires at once cannot both
        # pass, even two of one job in the same batch.
        in_database = await self._runs.running_counts(request.spec.id for request in requests)
        taken: Counter[str] = Counter()
        new: list[NewRun] = []
        for request in requests:
            spec = request.spec
            busy = max(self._slots[spec.id], in_database.get(spec.id, 0) + taken[spec.id])
            if busy >= spec.max_instances:
                new.append(self._new_run(request, RunStatus.SKIPPED, self._overlap_message(spec, busy)))
            else:
                self._slots[spec.id] += 1
                taken[spec.id] += 1
                # Sent to a worker: the row names its queue, so a run waiting there for nobody can be seen.
                queue = spec.queue if self.dispatch is not None else None
                new.append(self._new_run(request, RunStatus.RUNNING, None, queue=queue))
        try:
            recorded = await self._runs.add_many(new, now=self._clock(), advancing=advancing)
        except BaseException:
            self._slots.subtract(taken)
            raise
        # A fire another replica recorded first gives its slot back: nothing of it runs here.
        self._slots.subtract(
            Counter(
                plan.job_id
                for plan, run in zip(new, recorded, strict=True)
                if run is None and plan.status is RunStatus.RUNNING
            )
        )
        fenced = [
            run
            for request, run in zip(requests, recorded, strict=True)
            if run is not None and run.status is RunStatus.RUNNING and request.trigger in _FENCED
        ]
        if fenced and self.fence is not None and not await self.fence():
            lost = {run.id for run in fenced}
            self._slots.subtract(Counter(run.job_id for run in fenced))
            await self._runs.withdraw_many(sorted(lost), now=self._clock(), message=LOST_LEADERSHIP)
        else:
            lost = set()
        # Every job executed here starts before any run's bookkeeping is queued (its follower task, its
        # RunStarted handlers): in a burst the last job starts a thousand bookkeeping steps earlier.
        works = {
            run.id: self._start_work(request.spec)
            for request, run in zip(requests, recorded, strict=True)
            if run is not None and run.id not in lost and run.status is RunStatus.RUNNING and self.dispatch is None
        }
        outcomes: list[StartedRun | FireTakenError | LeadershipLostError] = []
        for request, run in zip(requests, recorded, strict=True):
            if run is None:
                outcomes.append(FireTakenError(request.spec.id, request.scheduled_at))
            elif run.id in lost:
                outcomes.append(
                    LeadershipLostError(f"run {run.id} of {run.job_id} not started: this replica no longer leads")
                )
            else:
                outcomes.append(self._launch(request, run, works.get(run.id)))
        return outcomes

    def _start_work(self, spec: JobSpec) -> _LocalWork:
        progress = masked_progress(spec)
        return _LocalWork(start_work(self._executors, spec, progress=progress), progress)

    def _launch(self, request: RunRequest, run: RunRecord, work: _LocalWork | None) -> StartedRun:
        """Follow ``run`` until it ends: ``work`` is its job executing here, None when it is dispatched."""
        finished: asyncio.Future[RunRecord] = asyncio.get_running_loop().create_future()
        if run.status is RunStatus.SKIPPED:
            finished.set_result(run)
            self._events.publish(RunSkipped(run))
            log.info("run %s of %s skipped: still running", run.id, run.job_id)
            return StartedRun(run, finished)
        task = asyncio.get_running_loop().create_task(
            self._carry_out(request, run, finished, work=work), name=f"run-{run.id}"
        )
        if work is not None:
            # A follower cancelled before its first step never reaches its own clean-up: stop the work here.
            task.add_done_callback(lambda _: work.task.cancel())
        self._tasks[run.id] = task
        self._events.publish(RunStarted(run))
        log.info("run %s of %s started (%s, attempt %s)", run.id, run.job_id, request.trigger, request.attempt)
        return StartedRun(run, finished)

    def adopt(self, run: RunRecord, request: RunRequest | None) -> StartedRun:
        """Follow ``run``, which a previous leader dispatched to workers, until it ends, then announce its end
        as this process announces the runs it starts (alerts, retries per policy). ``request`` is what the run
        was started for, None when its job was removed since (no retry follows). The run holds one of its
        job's slots meanwhile, like any run in progress (max_instances)."""
        if self.dispatch is None:
            raise RuntimeError("only runs dispatched to workers outlive the process that started them")
        self._slots[run.job_id] += 1
        finished: asyncio.Future[RunRecord] = asyncio.get_running_loop().create_future()
        log.info("run %s of %s adopted from a previous leader: following it", run.id, run.job_id)
        task = asyncio.get_running_loop().create_task(
            self._carry_out(request, run, finished, adopted=True), name=f"run-{run.id}"
        )
        self._tasks[run.id] = task
        return StartedRun(run, finished)

    def follows(self, run_id: int) -> bool:
        return run_id in self._tasks

    async def wait_all(self, seconds: float) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks.values()), timeout=seconds)

    async def interrupt_all(self) -> None:
        """Stop every run in progress here: a run executing in this process is marked interrupted as it
        stops; a run on a worker is only no longer followed (its worker owns it; the next leader adopts it)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Runs that ended meanwhile finish announcing (a few queries): their writes must land before the caller
        # closes the database, or a pooled connection is left checked out past Database.close().
        while self._announcing:
            await asyncio.gather(*list(self._announcing), return_exceptions=True)

    @staticmethod
    def _new_run(request: RunRequest, status: RunStatus, message: str | None, *, queue: str | None = None) -> NewRun:
        return NewRun(
            request.spec.id,
            request.trigger,
            status,
            scheduled_at=request.scheduled_at,
            attempt=request.attempt,
            requested_by=request.requested_by,
            retry_of=request.retry_of,
            fixit_plan_id=request.fixit_plan_id,
            error_message=message,
            queue=queue,
        )

    def _overlap_message(self, spec: JobSpec, running: int) -> str:
        return f"skipped: {running} run(s) of this job still running (max_instances {spec.max_instances})"

    async def _carry_out(
        self,
        request: RunRequest | None,
        run: RunRecord,
        finished: asyncio.Future[RunRecord],
        *,
        adopted: bool = False,
        work: _LocalWork | None = None,
    ) -> None:
        final, prior_failures = run, 0
        lingering: asyncio.Future[Any] | None = None
        try:
            if self.dispatch is not None:
                prior_failures = await self._failures_before(run.job_id)  # this run is still running
                final = await self._dispatched(request, run, self.dispatch, adopted=adopted)
            else:
                assert work is not None  # a run executed here is launched with its work started
                outcome = await self._watch(run, work)
                # Let the other runs due now start before this one's end is recorded: a quick job must not
                # hold back the rest of a burst behind its bookkeeping.
                await asyncio.sleep(0)
                lingering = outcome.still_running
                prior_failures = await self._prior_failures(run.job_id, outcome)
                final = await self._record_outcome(run, outcome)
        except Exception:
            log.exception(
                "the end of run %s of %s could not be recorded; the next start-up takes it up", run.id, run.job_id
            )
        except asyncio.CancelledError:
            if self.dispatch is not None:
                # The worker owns the run: stopping here only stops following it (the next leader adopts it).
                log.info("run %s of %s is no longer followed here; its worker carries on", run.id, run.job_id)
                raise
            final = await self._interrupt(run)
            if final.status is RunStatus.INTERRUPTED:
                self._events.publish(RunFailed(final, final=True))
            raise
        finally:
            self._release_slot(run.job_id, lingering)
            self._tasks.pop(run.id, None)
            if not finished.done():  # whatever happened, nobody waits on this run forever
                finished.set_result(final)
        if final.status is RunStatus.RUNNING:
            return
        task = asyncio.current_task()
        assert task is not None
        self._announcing.add(task)
        try:
            await self._announce_once(request, final, prior_failures)
        finally:
            self._announcing.discard(task)

    async def announce_unfollowed(self, run: RunRecord, request: RunRequest | None) -> None:
        """Announce the end of ``run``, which ended on a worker while no leader followed it (alerts, a retry
        per policy when ``request`` is given), unless another replica claimed the announcement first. Its
        streak before it is not known any more: a success announced this way reports no recovery."""
        await self._announce_once(request, run, 0)

    async def _announce_once(self, request: RunRequest | None, final: RunRecord, prior_failures: int) -> None:
        try:
            # A dispatched run's end is announced by whoever claims it: the leader following it, or the next
            # leader when none was (a run that ended between two leaders), never both.
            if self.dispatch is not None and not await self._runs.claim_announcement(final.id):
                log.info("the end of run %s of %s was announced elsewhere", final.id, final.job_id)
                return
            await self._announce(request, final, prior_failures)
        except Exception:
            log.exception("announcing the end of run %s failed", final.id)

    @staticmethod
    async def _dispatched(
        request: RunRequest | None, run: RunRecord, dispatch: RunDispatch, *, adopted: bool
    ) -> RunRecord:
        if adopted:
            return await dispatch.adopt(run, queue=request.spec.queue if request else None)
        assert request is not None  # a run this process starts always has its request
        return await dispatch.carry_out(request.spec, run)

    def _release_slot(self, job_id: str, lingering: asyncio.Future[Any] | None) -> None:
        if lingering is None or lingering.done():
            self._slots[job_id] -= 1
            return
        log.warning("%s timed out but its thread runs on; the job stays busy until it returns", job_id)
        lingering.add_done_callback(lambda _: self._slots.__setitem__(job_id, self._slots[job_id] - 1))

    async def _prior_failures(self, job_id: str, outcome: ExecutionResult) -> int:
        if outcome.status is not RunStatus.SUCCEEDED:
            return 0
        return await self._failures_before(job_id)

    async def _failures_before(self, job_id: str) -> int:
        """The job's failure streak, for a success to announce a recovery; 0 when it cannot be counted. Never
        raises: a dispatched run whose streak could not be read must still be followed to its end."""
        try:
            return await self._runs.consecutive_failures(job_id)
        except Exception:
            log.exception("could not count the failures before run of %s", job_id)
            return 0

    async def _record_outcome(self, run: RunRecord, outcome: ExecutionResult) -> RunRecord:
        """Write the run's end (core.execution.ending); if the database stays unavailable, the row is left for
        the next start-up to mark interrupted."""
        return await record_end(self._runs, run.id, outcome, clock=self._clock)

    async def _interrupt(self, run: RunRecord) -> RunRecord:
        try:
            interrupted = await self._runs.interrupt_running(
                now=self._clock(), message=INTERRUPTED_BY_SHUTDOWN, ids=[run.id]
            )
        except Exception:
            log.exception("could not mark run %s interrupted; the next start-up will", run.id)
            return run
        return interrupted[0] if interrupted else run

    async def _watch(self, run: RunRecord, work: _LocalWork) -> ExecutionResult:
        return await watch_cancellable(
            work.task, run.job_id, cancel_requested=lambda: self._poll(run.id, work.progress)
        )

    async def _poll(self, run_id: int, progress: Progress) -> str | None:
        """Once a second while a local run executes: save its job's newest progress (only when it changed),
        and ask whether someone cancelled it."""
        report = progress.pending()
        if report is not None:
            await self._runs.save_progress(run_id, report)
            progress.saved()
        return await self._runs.cancel_requested(run_id)

    async def _announce(self, request: RunRequest | None, run: RunRecord, prior_failures: int) -> None:
        duration = f"{run.duration.total_seconds():.2f}s" if run.duration else "-"
        if run.status.is_failure:
            log.warning("run %s of %s %s in %s: %s", run.id, run.job_id, run.status, duration, failure_reason(run))
        else:
            log.info("run %s of %s %s in %s", run.id, run.job_id, run.status, duration)
        if run.status is RunStatus.SUCCEEDED:
            self._events.publish(RunSucceeded(run))
            if prior_failures:
                self._events.publish(RunRecovered(run, prior_failures))
        elif run.status is RunStatus.SKIPPED:
            self._events.publish(RunSkipped(run))
        else:
            # A cancelled run (interrupted on request) is never retried: someone stopped it on purpose.
            cancelled_by = await self._runs.cancelled_by(run.id) if run.status is RunStatus.INTERRUPTED else None
            retrying = (
                await self.on_failure(request, run) if self.on_failure and request and not cancelled_by else False
            )
            self._events.publish(RunFailed(run, final=not retrying, cancelled_by=cancelled_by))


def failure_reason(run: RunRecord) -> str:
    """Why a run failed, on one line: its error class and the first line of its message."""
    message = (run.error_message or "no error message").strip().splitlines() or ["no error message"]
    return f"{run.error_class or ErrorClass.UNKNOWN} error: {message[0][:300]}"
