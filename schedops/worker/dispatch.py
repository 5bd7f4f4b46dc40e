"""The leader's side: send a recorded run to its job's queue, then follow its row until a worker ends it; or,
after a restart or a failover, adopt a run a previous leader dispatched and follow it the same way."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from celery import Celery

from core.clock import Clock, utc_now
from core.durations import format_duration
from core.execution.base import RUN_TASK_NAME, task_id_for
from core.execution.cancel import cancelled_result
from core.execution.claimed import removed_job_result
from core.execution.following import LEADER_CLAIM, FollowStep, needs_sending, next_step, silence_counted_from
from core.execution.queue_watch import QueueWatch
from core.jobs.spec import JobSpec
from core.runs import ErrorClass, ExecutionResult, RunRecord
from core.storage.database import database_error_name, database_unavailable
from core.storage.installation_store import installation_id
from core.storage.runs_store import DispatchState, RunStore

# How often the leader reads a dispatched run's row: the delay between a worker's end and the announcement.
POLL_SECONDS = 0.25
# A worker beats about every second for each run it executes (core.execution.cancel.CANCEL_POLL_SECONDS);
# this many seconds of silence and its run is marked interrupted, then retried per the job's policy.
LOST_AFTER = timedelta(seconds=15)
LEADER_STOPPED = "the leader stopped while ending this run before any worker took it"


log = logging.getLogger(__name__)


class CeleryDispatch:
    """Implements core.execution.base.RunDispatch over a Celery broker."""

    def __init__(
        self,
        app: Celery,
        runs: RunStore,
        *,
        poll_seconds: float = POLL_SECONDS,
        lost_after: timedelta = LOST_AFTER,
        clock: Clock = utc_now,
        queues: QueueWatch | None = None,
    ) -> None:
        self._app = app
        self._queues = queues
        self._lost_after = lost_after
        self._clock = clock
        self._runs = runs
        self._poll = poll_seconds
        self._installation: str | None = None  # read from the database at the first send

    async def carry_out(self, spec: JobSpec, run: RunRecord) -> RunRecord:
        unsent = await self._send(run.id, spec.queue)
        return unsent or await self._follow(run.id)

    async def adopt(self, run: RunRecord, *, queue: str | None) -> RunRecord:
        ended: RunRecord | None = None
        state, _ = await self._read_state(run.id)
        if needs_sending(state):
            if queue is None:
                ended = await self._end_unclaimed(run.id, removed_job_result(run.job_id))
            else:
                log.info(
                    "run %s of %s not claimed yet: sent again (one delivery only can claim it)", run.id, run.job_id
                )
                ended = await self._send(run.id, queue)
        # Silence before the take-over does not count (core.execution.following).
        return ended or await self._follow(run.id, counted_from=self._clock())

    async def _follow(self, run_id: int, *, counted_from: datetime | None = None) -> RunRecord:
        """Read the run's row until it ends, ending it here when no worker will (see core.execution.following).

        While the database cannot be used, polls only wait: the run goes on on its worker, and a leader that
        stopped following it would announce nothing (no alert, no retry) until the next leader starts, nor
        notice its worker die. Any other error is raised, as before.
        """
        while True:
            state, blind_since = await self._read_state(run_id)
            if blind_since is not None:
                now, lost_after = self._clock(), self._lost_after
                grace = silence_counted_from(
                    state.heartbeat_at, blind_since=blind_since, now=now, lost_after=lost_after
                )
                counted_from = grace or counted_from
            try:
                ended = await self._take_step(run_id, state, counted_from)
            except Exception as error:  # a write of the step: the next poll reads the row and tries again
                if not database_unavailable(error):
                    raise
                log.warning("run %s: could not act on its row (%s); trying again", run_id, database_error_name(error))
            else:
                if ended is not None:
                    return ended
            await asyncio.sleep(self._poll)

    async def _read_state(self, run_id: int) -> tuple[DispatchState, datetime | None]:
        """The run's row, read again every poll while the database cannot be used (a take-over often comes
        right after an outage); with when the reads began failing (None when the first one succeeded)."""
        blind_since: datetime | None = None
        while True:
            try:
                state = await self._runs.dispatch_state(run_id)
            except Exception as error:
                if not database_unavailable(error):
                    raise
                if blind_since is None:
                    blind_since = self._clock()
                    name = database_error_name(error)
                    log.warning("run %s: cannot read its row (%s); reading it when the database answers", run_id, name)
                await asyncio.sleep(self._poll)
                continue
            if blind_since is not None:
                log.info("run %s: its row read again after %s", run_id, format_duration(self._clock() - blind_since))
            return state, blind_since

    async def _take_step(self, run_id: int, state: DispatchState, counted_from: datetime | None) -> RunRecord | None:
        """What the run's row calls for; its final row once it has ended, else None."""
        step = next_step(state, now=self._clock(), lost_after=self._lost_after, counted_from=counted_from)
        if step is FollowStep.ENDED:
            return await self._runs.get(run_id)
        if step is FollowStep.CANCEL_UNCLAIMED:
            await self._cancel_unclaimed(run_id, state.cancel_requested_by or "?")
        elif step is FollowStep.INTERRUPT_LOST:
            await self._interrupt_lost(run_id, state.claimed_by or "?")
        elif step is FollowStep.FINISH_LEADER_ENDING:
            await self._finish_leader_ending(run_id, state.cancel_requested_by)
        return None

    async def supervise(self) -> None:
        """The stalled-queue check (core.execution.queue_watch explains why it runs here and not per run)."""
        if self._queues is not None:
            await self._queues.run()

    async def _send(self, run_id: int, queue: str) -> RunRecord | None:
        """Publish the run's message: None once sent, or the run's final row when the broker refused it."""
        try:
            await self.send(run_id, queue)
        except Exception as error:  # kombu's errors vary by transport; none may leave the row running
            log.warning("run %s could not be sent to the broker: %s", run_id, type(error).__name__)
            message = f"could not send the run to the broker (SCHEDOPS_BROKER_URL): {type(error).__name__}"
            # None when a worker took it after all (the message got through): then it is followed like any other.
            return await self._end_unclaimed(run_id, ExecutionResult.failure(message, ErrorClass.TRANSIENT))
        return None

    async def _end_unclaimed(self, run_id: int, outcome: ExecutionResult) -> RunRecord | None:
        """End a run no worker took: the leader claims it like a worker would (so no delivery of its message
        can start it afterwards), then writes ``outcome``. None when a worker took it first."""
        if not await self._runs.claim(run_id, worker=LEADER_CLAIM):
            return None
        return await self._runs.finish(run_id, outcome, now=self._clock(), claimed_by=LEADER_CLAIM)

    async def _cancel_unclaimed(self, run_id: int, actor: str) -> None:
        """A run cancelled before any worker took it is ended here, and its message revoked."""
        if await self._end_unclaimed(run_id, cancelled_result(actor)) is None:
            return  # a worker took it meanwhile and stops it itself
        await asyncio.to_thread(self._app.control.revoke, await self._task_id(run_id))

    async def _finish_leader_ending(self, run_id: int, cancelled_by: str | None) -> None:
        """A previous leader claimed the run to end it (cancelled, or refused by the broker) and stopped before
        writing the end: write it now (a cancelled run is never retried, a refused one is, per policy)."""
        outcome = (
            cancelled_result(cancelled_by)
            if cancelled_by is not None
            else ExecutionResult.failure(LEADER_STOPPED, ErrorClass.TRANSIENT)
        )
        await self._runs.finish(run_id, outcome, now=self._clock(), claimed_by=LEADER_CLAIM)

    async def _interrupt_lost(self, run_id: int, worker: str) -> None:
        now = self._clock()
        seconds = int(self._lost_after.total_seconds())
        message = f"worker {worker} stopped sending heartbeats for {seconds}s (lost: killed, or its host is gone)"
        if await self._runs.interrupt_if_silent(run_id, since=now - self._lost_after, now=now, message=message):
            log.warning("run %s: %s; marked interrupted", run_id, message)

    async def send(self, run_id: int, queue: str) -> None:
        """Publish the run's message (kombu is blocking: in a thread)."""
        task_id = await self._task_id(run_id)
        await asyncio.to_thread(self._app.send_task, RUN_TASK_NAME, args=(run_id,), task_id=task_id, queue=queue)

    async def _task_id(self, run_id: int) -> str:
        if self._installation is None:
            self._installation = await installation_id(self._runs.db)
        return task_id_for(self._installation, run_id)
