"""The scheduling engine: keeps APScheduler in step with the jobs in the database and runs what is due.

Lifecycle: ``await engine.start()`` (recover runs left running, catch up on missed fire times, schedule every
active job, resume owed retries), then job operations (the JobControl interface), then
``await engine.shutdown()``. Everything that decides on "now" uses the clock passed in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from core.abc import RunHandle
from core.clock import Clock, utc_now
from core.engine.catchup import plan_catchup
from core.engine.runner import LeadershipLostError, Runner, RunRequest
from core.engine.scheduling import Timetable
from core.events import EventBus, JobChanged, RunFailed, RunsMissed
from core.execution.base import RunDispatch
from core.executors.base import Executors
from core.jobs.spec import JobSpec
from core.jobs.triggers import build_trigger, fire_times, first_fire_time
from core.runs import ErrorClass, RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError, JobStore, StoredJob
from core.storage.runs_store import FireTakenError, RunStore

log = logging.getLogger(__name__)

INTERRUPTED_BY_CRASH = "schedops stopped while this run was in progress"
# A live fire is never exactly on time; below this it is on time whatever the job's grace (even 0s).
STALL_TOLERANCE = timedelta(seconds=1)
_CATCHUP_CONCURRENCY = 4


async def _always() -> bool:
    return True


@dataclass(frozen=True, slots=True)
class _Fire:
    """A fire handed over by APScheduler, waiting to be recorded with the others of its instant."""

    job_id: str
    scheduled_at: datetime
    lateness: timedelta
    coalesced: tuple[datetime, ...] = ()


def _request_of(run: RunRecord, spec: JobSpec) -> RunRequest:
    """What an adopted run was started for, as far as its end needs it (its job's retry policy, its queue)."""
    return RunRequest(
        spec,
        run.trigger,
        scheduled_at=run.scheduled_at,
        attempt=run.attempt,
        retry_of=run.retry_of,
        requested_by=run.requested_by,
        fixit_plan_id=run.fixit_plan_id,
    )


class JobExistsError(ValueError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"a job with id {job_id!r} already exists")
        self.job_id = job_id


class Engine:
    """Implements core.abc.JobControl over a Database, with APScheduler deciding when jobs are due."""

    def __init__(
        self,
        db: Database,
        *,
        executors: Executors,
        events: EventBus | None = None,
        clock: Clock = utc_now,
        default_timezone: str = "UTC",
        misfire_grace: timedelta = timedelta(minutes=5),
        run_retention: timedelta = timedelta(days=30),
        housekeeping_every: timedelta = timedelta(hours=1),
        dispatch: RunDispatch | None = None,
    ) -> None:
        self.db = db
        self.jobs = JobStore(db)
        self.runs = RunStore(db)
        self.events = events or EventBus()
        self.clock = clock
        self.default_timezone = default_timezone
        self.misfire_grace = misfire_grace
        self.run_retention = run_retention
        self._housekeeping_every = housekeeping_every
        self._timetable = Timetable(self._on_fire)
        self._runner = Runner(self.runs, executors, self.events, clock)
        self._runner.on_failure = self._maybe_retry
        self._runner.fence = lambda: self.fence()
        self._runner.dispatch = dispatch
        self._background: set[asyncio.Task[object]] = set()
        self._housekeeper: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._retry_timers: dict[int, asyncio.TimerHandle] = {}
        self._stopping = False
        self._fires: list[_Fire] = []
        self._flushing = False
        # What the timetable was last given for each job, so that reconcile() can tell which jobs another
        # process changed, and a burst's fires reuse the definitions whose rows did not change.
        self._placed: dict[str, StoredJob] = {}
        # Replicas (core.engine.replica) set these: whether this process may fire now (it leads), and where
        # a run asked for while it does not lead goes (to the leader).
        self.fence: Callable[[], Awaitable[bool]] = _always
        self.forward: Callable[[RunRequest], Awaitable[RunHandle]] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._timetable.running and not self._stopping

    async def start(self) -> None:
        self._stopping = False
        now = self.clock()
        await self._recover_runs(now)
        # A few jobs at a time: a take-over with many jobs should not keep the schedule waiting one by one.
        gate = asyncio.Semaphore(_CATCHUP_CONCURRENCY)

        async def catch_up(job: StoredJob) -> None:
            async with gate:
                await self._schedule_after_downtime(job, now)

        await asyncio.gather(*(catch_up(job) for job in await self.jobs.list() if job.active))
        for failed in await self.runs.owed_retries():
            self._arm_retry(failed, failed.retry_at or now)
        self._timetable.start()
        self._housekeeper = asyncio.get_running_loop().create_task(self._housekeeping())
        if self._runner.dispatch is not None:
            self._supervisor = asyncio.get_running_loop().create_task(self._supervise(self._runner.dispatch))
        log.info("scheduler started with %d scheduled job(s)", len(self._timetable.scheduled_ids()))

    async def _recover_runs(self, now: datetime) -> None:
        """Runs a previous leader (a crashed process, or the old leader of a failover) left running. Executed in
        that process (local mode), they died with it: marked interrupted. Dispatched to workers (celery mode),
        their workers own them: each is adopted, followed until it ends and announced as if this process had
        started it (a run whose worker fell silent is interrupted by the lost-worker rule, then retried)."""
        if self._runner.dispatch is None:
            for run in await self.runs.interrupt_running(now=now, message=INTERRUPTED_BY_CRASH):
                log.warning("run %s of %s was interrupted by a previous shutdown or crash", run.id, run.job_id)
                self.events.publish(RunFailed(run, final=True))
            return
        orphans = [run for run in await self.runs.running() if not self._runner.follows(run.id)]
        jobs = await self.jobs.get_many(sorted({run.job_id for run in orphans}))
        for run in orphans:
            job = jobs.get(run.job_id)
            self._runner.adopt(run, None if job is None else _request_of(run, job.spec))
        if orphans:
            log.info("following %d run(s) on workers that a previous leader dispatched", len(orphans))
        ended = await self.runs.unannounced()
        jobs = await self.jobs.get_many(sorted({run.job_id for run in ended}))
        for run in ended:
            job = jobs.get(run.job_id)
            log.info("run %s of %s ended on its worker while no leader followed it: announcing it", run.id, run.job_id)
            await self._runner.announce_unfollowed(run, None if job is None else _request_of(run, job.spec))

    async def shutdown(self, grace: timedelta = timedelta(seconds=30)) -> None:
        """Stop firing, let running jobs finish for up to ``grace``, then interrupt and record the rest. Runs on
        workers (celery mode) are not waited for nor interrupted: their workers carry on, and the next leader
        follows and announces them."""
        self._stopping = True
        self._timetable.stop()
        for handle in self._retry_timers.values():
            handle.cancel()  # owed retries stay recorded (retry_at) and resume at the next start
        self._retry_timers.clear()
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            await asyncio.gather(self._housekeeper, return_exceptions=True)
        await self._stop_supervising()
        # Fires and retries in flight are short (a few queries, then a run starts): let them land, so no
        # claimed retry is lost and no run row is left without the task that runs it.
        if self._background:
            await asyncio.wait(list(self._background), timeout=5)
        if self._runner.dispatch is None:
            await self._runner.wait_all(grace.total_seconds())
            leftover = self._runner.active_run_ids
            if leftover:
                log.warning("interrupting %d run(s) still going after %s", len(leftover), grace)
        elif self._runner.active_run_ids:
            count = len(self._runner.active_run_ids)
            log.info("%d run(s) on workers carry on there; the next leader follows them", count)
        await self._runner.interrupt_all()
        with suppress(TimeoutError):
            await asyncio.wait_for(self.events.drain(), timeout=5)
        log.info("scheduler stopped")

    async def stand_down(self) -> None:
        """Stop firing at once (leadership lost): no timer, no retry, no housekeeping, and runs in progress
        interrupted (the new leader retries them per policy), or, on workers, no longer followed (the new
        leader adopts them). Job control and queries go on working."""
        self._timetable.stop()
        self._timetable = Timetable(self._on_fire)
        for handle in self._retry_timers.values():
            handle.cancel()
        self._retry_timers.clear()
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            await asyncio.gather(self._housekeeper, return_exceptions=True)
            self._housekeeper = None
        await self._stop_supervising()
        await self._runner.interrupt_all()

    async def refresh_job(self, job_id: str, *, schedule_changed: bool) -> None:
        """Bring the timetable in line with a job another process changed (its row is the truth)."""
        job = await self.jobs.get(job_id)
        if job is None:
            self._timetable.remove(job_id)
        elif self.running and (schedule_changed or (job.active and job.next_run_time is None)):
            await self._reschedule(job)  # only the leader writes next fire times
        else:
            self._place(job, job.next_run_time if job.active else None)

    async def wait_idle(self, seconds: float = 30) -> None:
        """Wait (up to ``seconds``) until no run is in progress."""
        await self._runner.wait_all(seconds)

    # -- JobControl --------------------------------------------------------------------------------------

    async def add_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob:
        if await self.jobs.get(spec.id) is not None:
            raise JobExistsError(spec.id)
        try:
            job = await self.jobs.save(spec, now=self.clock(), actor=actor, source="api", create_only=True)
        except IntegrityError:  # added by someone else between the check and the insert
            raise JobExistsError(spec.id) from None
        await self._reschedule(job)
        self._changed(spec.id, "added", actor)
        return job

    async def update_job(self, spec: JobSpec, *, actor: str | None) -> StoredJob:
        before = await self.jobs.require(spec.id)
        job = await self.jobs.save(
            spec, now=self.clock(), actor=actor, source=before.source, file_hash=before.file_hash
        )
        keep = before.spec.schedule == spec.schedule and before.active
        await self._reschedule(job, keep_next_fire=keep)
        self._changed(spec.id, "updated", actor)
        return job

    async def remove_job(self, job_id: str, *, actor: str | None) -> None:
        if not await self.jobs.delete(job_id, actor=actor, now=self.clock()):
            raise JobLookupError(job_id)
        self._timetable.remove(job_id)
        self._placed.pop(job_id, None)
        self._changed(job_id, "removed", actor)

    async def pause_job(self, job_id: str, *, actor: str | None) -> StoredJob:
        job = await self.jobs.set_paused(job_id, True, actor=actor, now=self.clock())
        await self._reschedule(job)
        self._changed(job_id, "paused", actor)
        return job

    async def resume_job(self, job_id: str, *, actor: str | None) -> StoredJob:
        job = await self.jobs.set_paused(job_id, False, actor=actor, now=self.clock())
        await self._reschedule(job)
        self._changed(job_id, "resumed", actor)
        return job

    async def run_now(
        self,
        job_id: str,
        *,
        actor: str | None,
        trigger: RunTrigger = RunTrigger.MANUAL,
        fixit_plan_id: str | None = None,
    ) -> RunHandle:
        job = await self.jobs.require(job_id)
        request = RunRequest(
            job.spec, trigger, scheduled_at=self.clock(), requested_by=actor, fixit_plan_id=fixit_plan_id
        )
        if self.forward is not None and not self.running:
            return await self.forward(request)
        return await self._runner.start(request)

    # -- queries -----------------------------------------------------------------------------------------

    def next_fire(self, job_id: str) -> datetime | None:
        return self._timetable.next_fire(job_id)

    async def upcoming(self, job_id: str, count: int = 5) -> list[datetime]:
        """The job's next ``count`` fire times (jitter left out); empty when it is not scheduled."""
        first = self._timetable.next_fire(job_id)
        if first is None:
            return []
        job = await self.jobs.require(job_id)
        return [first, *fire_times(job.spec, self.default_timezone, after=first, limit=count - 1)]

    # -- scheduling --------------------------------------------------------------------------------------

    async def _schedule_after_downtime(self, job: StoredJob, now: datetime) -> None:
        due = job.next_run_time
        if due is None or due > now:
            await self._reschedule(job, keep_next_fire=due is not None)
            return
        grace = job.spec.grace(self.misfire_grace)
        catchup = plan_catchup(job.spec, self.default_timezone, due=due, now=now, grace=grace)
        if catchup.missed:
            await self.runs.add_missed(job.id, catchup.missed, now=now)
        if catchup.missed_total:
            log.warning("%s missed %d scheduled run(s) while schedops was down", job.id, catchup.missed_total)
            self.events.publish(RunsMissed(job.id, catchup.missed_total))
        self._place(job, catchup.next_fire)
        if catchup.run_at is None:
            await self.jobs.set_next_run_time(job.id, catchup.next_fire)
            return
        log.info("%s catches up on the run due at %s", job.id, catchup.run_at.isoformat())
        if catchup.coalesced:
            message = f"missed: coalesced into the catch-up run of {catchup.run_at.isoformat()}"
            await self.runs.add_missed(job.id, catchup.coalesced, now=now, message=message)
        # The run's row and the job's next fire time in one transaction, as for a live fire (_fire_batch).
        request = RunRequest(job.spec, RunTrigger.SCHEDULE, scheduled_at=catchup.run_at)
        await self._start_fires([request], advancing={job.id: catchup.next_fire})

    async def _reschedule(self, job: StoredJob, *, keep_next_fire: bool = False) -> None:
        """Bring the timetable and the persisted next run time in line with ``job``."""
        next_fire: datetime | None = None
        if job.active:
            next_fire = job.next_run_time if keep_next_fire else None
            next_fire = next_fire or first_fire_time(job.spec, self.default_timezone, self.clock())
        self._place(job, next_fire)
        await self.jobs.set_next_run_time(job.id, next_fire)

    def _place(self, job: StoredJob, next_fire: datetime | None) -> None:
        trigger = build_trigger(job.spec, self.default_timezone, anchor=next_fire)
        self._timetable.place(job.id, trigger, next_fire)
        self._placed[job.id] = job

    async def reconcile(self) -> list[str]:
        """Bring the timetable in line with the database after jobs were changed behind this engine's back
        (by the CLI or another process): returns the ids of the jobs it rescheduled or dropped."""
        stored = {job.id: job for job in await self.jobs.list()}
        changed = []
        for job_id in sorted(self._placed.keys() - stored.keys()):
            self._timetable.remove(job_id)
            del self._placed[job_id]
            changed.append(job_id)
            self._changed(job_id, "removed (elsewhere)", None)
        for job in stored.values():
            placed = self._placed.get(job.id)
            if placed is not None and (placed.spec, placed.active) == (job.spec, job.active):
                continue
            keep = placed is not None and placed.spec.schedule == job.spec.schedule and job.active
            await self._reschedule(job, keep_next_fire=keep)
            changed.append(job.id)
            self._changed(job.id, "reloaded (changed elsewhere)", job.updated_by)
        return changed

    def _on_fire(self, job_id: str, scheduled_at: datetime, coalesced: tuple[datetime, ...] = ()) -> None:
        # Lateness is taken now, before any query: what counts is how late APScheduler handed it over.
        self._fires.append(_Fire(job_id, scheduled_at, self.clock() - scheduled_at, coalesced))
        if not self._flushing:
            self._flushing = True
            self._spawn(self._flush_fires())

    async def _flush_fires(self) -> None:
        """Group commit: APScheduler hands over every fire of an instant in one go; they are recorded
        together, and fires arriving while a batch is being written form the next batch."""
        try:
            while self._fires:
                batch, self._fires = self._fires, []
                try:
                    await self._fire_batch(batch)
                except Exception:
                    log.exception("%d fire(s) could not be recorded; those runs did not start", len(batch))
        finally:
            self._flushing = False  # no await since the list was last seen empty: no fire is left behind

    async def _fire_batch(self, batch: list[_Fire]) -> None:
        if not await self.fence():
            for fire in batch:
                log.warning(
                    "fire of %s at %s not run: this replica no longer leads", fire.job_id, fire.scheduled_at.isoformat()
                )
            return
        for fire in batch:
            if fire.coalesced:  # the loop was held up past several fire times: one run stands for them all
                message = f"missed: schedops was stalled; coalesced into the run of {fire.scheduled_at.isoformat()}"
                await self.runs.add_missed(fire.job_id, fire.coalesced, now=self.clock(), message=message)
        # APScheduler has already moved the jobs on: where they are going is persisted in the transaction that
        # records the fires' rows, so no stop between the two can leave a fire moved past without a row. The
        # jobs' rows are the truth (another replica may have paused or removed one): one query for all.
        advancing = {fire.job_id: self._timetable.next_fire(fire.job_id) for fire in batch}
        jobs = await self.jobs.get_many(sorted(advancing), known=self._placed)
        requests: list[RunRequest] = []
        for fire in batch:
            job = jobs.get(fire.job_id)
            # A fire handed over before a stop is still recorded and run (the stop lets fires in flight land and
            # gives their runs the grace): its next fire time is persisted past it, so skipping it lost it.
            if job is None or not job.active:
                continue
            if fire.lateness > max(job.spec.grace(self.misfire_grace), STALL_TOLERANCE):
                # The process was stalled (suspended machine, blocked loop): record it like downtime.
                message = f"missed: schedops was stalled and reached it {fire.lateness.total_seconds():.0f}s late"
                await self.runs.add_missed(fire.job_id, [fire.scheduled_at], now=self.clock(), message=message)
                self.events.publish(RunsMissed(fire.job_id, 1))
                continue
            requests.append(RunRequest(job.spec, RunTrigger.SCHEDULE, scheduled_at=fire.scheduled_at))
        await self._start_fires(requests, advancing=advancing)

    async def _start_fires(
        self, requests: list[RunRequest], *, advancing: Mapping[str, datetime | None] | None = None
    ) -> None:
        if not requests and not advancing:
            return
        for outcome in await self._runner.start_batch(requests, advancing=advancing):
            if isinstance(outcome, FireTakenError):
                # The fence held: another process that believed it led recorded this fire first; nothing is run.
                log.warning("%s; this replica records nothing and does not run it", outcome)
            elif isinstance(outcome, LeadershipLostError):
                log.warning("%s", outcome)

    # -- retries -----------------------------------------------------------------------------------------

    async def _maybe_retry(self, request: RunRequest, failed: RunRecord) -> bool:
        """Schedule an automatic retry when the job's policy owes one. Only scheduled runs (and their
        retries) are retried automatically: a person or fix-it asking for a run decides about retrying."""
        policy = request.spec.retries
        if request.trigger not in {RunTrigger.SCHEDULE, RunTrigger.RETRY}:
            return False
        if failed.error_class is ErrorClass.PERMANENT:
            if policy.max:
                log.warning("%s: run %s failed permanently, so it is not retried", failed.job_id, failed.id)
            return False
        if request.attempt > policy.max:
            if policy.max:
                log.warning(
                    "%s: run %s failed and all %d retries are used up; the failure stands",
                    failed.job_id,
                    failed.id,
                    policy.max,
                )
            return False
        retry_at = self.clock() + policy.delay_before(request.attempt)
        await self.runs.set_retry_at(failed.id, retry_at)
        if not self._stopping:  # while stopping it stays owed, and the next start-up performs it
            self._arm_retry(failed, retry_at)
        log.info("%s will retry run %s at %s", failed.job_id, failed.id, retry_at.isoformat())
        return True

    def _arm_retry(self, failed: RunRecord, retry_at: datetime) -> None:
        delay = max(0.0, (retry_at - self.clock()).total_seconds())
        loop = asyncio.get_running_loop()
        previous = self._retry_timers.pop(failed.id, None)
        if previous is not None:  # armed already (a start-up announcing a run, then arming what is owed): once
            previous.cancel()
        self._retry_timers[failed.id] = loop.call_later(delay, lambda: self._spawn(self._retry(failed)))

    async def _retry(self, failed: RunRecord) -> None:
        self._retry_timers.pop(failed.id, None)
        if not await self.fence():
            return  # it stays owed (retry_at): the leader performs it
        # Claim the owed retry first: if this process dies right after, the retry is lost, never doubled.
        if not await self.runs.claim_retry(failed.id):
            return
        job = await self.jobs.get(failed.job_id)
        if job is None or not job.active:
            log.info("retry of run %s dropped: %s is paused, disabled or removed", failed.id, failed.job_id)
            self.events.publish(RunFailed(failed, final=True))  # no retry follows: the failure stands
            return
        request = RunRequest(
            job.spec,
            RunTrigger.RETRY,
            scheduled_at=self.clock(),
            attempt=failed.attempt + 1,
            retry_of=failed.id,
        )
        try:
            started = await self._runner.start(request)
        except LeadershipLostError as lost:
            log.warning("%s (the retry is not performed)", lost)
            return
        if started.run.status is RunStatus.SKIPPED:
            self.events.publish(RunFailed(failed, final=True))

    # -- plumbing ----------------------------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        while True:
            try:
                removed = await self.runs.purge(older_than=self.clock() - self.run_retention)
                if removed:
                    log.info("housekeeping deleted %d run(s) older than %s", removed, self.run_retention)
            except Exception:
                log.exception("housekeeping failed; will try again")
            await asyncio.sleep(self._housekeeping_every.total_seconds())

    async def _supervise(self, dispatch: RunDispatch) -> None:
        try:
            await dispatch.supervise()
        except Exception:
            log.exception("watching the workers failed; the queue check stops until the next start")

    async def _stop_supervising(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
            self._supervisor = None

    def _changed(self, job_id: str, change: str, actor: str | None) -> None:
        log.info("job %s %s by %s", job_id, change, actor or "system")
        self.events.publish(JobChanged(job_id, change, actor))

    def _spawn(self, coroutine: object) -> None:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._background.add(task)
        task.add_done_callback(self._finished_background)

    def _finished_background(self, task: asyncio.Task[object]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())
