"""The leader's side: send a recorded run to its job's queue, then follow its row until a worker ends it."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from celery import Celery

from core.clock import Clock, utc_now
from core.execution.base import RUN_TASK_NAME, task_id_for
from core.execution.cancel import cancelled_result
from core.execution.queue_watch import QueueWatch
from core.jobs.spec import JobSpec
from core.runs import ErrorClass, ExecutionResult, RunRecord
from core.storage.runs_store import RunStore

# How often the leader reads a dispatched run's row: the delay between a worker's end and the announcement.
POLL_SECONDS = 0.25
# A worker beats about every second for each run it executes (core.execution.cancel.CANCEL_POLL_SECONDS);
# this many seconds of silence and its run is marked interrupted, then retried per the job's policy.
LOST_AFTER = timedelta(seconds=15)
LEADER_CLAIM = "leader (ended before a worker took it)"


log = logging.getLogger(__name__)


def _silent(heartbeat_at: datetime | None, since: datetime) -> bool:
    if heartbeat_at is None:
        return True
    return (heartbeat_at if heartbeat_at.tzinfo else heartbeat_at.replace(tzinfo=since.tzinfo)) < since


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

    async def carry_out(self, spec: JobSpec, run: RunRecord) -> RunRecord:
        try:
            await asyncio.to_thread(self.send, run.id, spec.queue)
        except Exception as error:  # kombu's errors vary by transport; none may leave the row running
            return await self._unsent(run.id, error)
        while True:
            state = await self._runs.dispatch_state(run.id)
            if state.status.is_finished:
                return await self._runs.get(run.id)
            if state.claimed_by is None and state.cancel_requested_by is not None:
                await self._cancel_unclaimed(run.id, state.cancel_requested_by)
            elif state.claimed_by is not None and _silent(state.heartbeat_at, self._clock() - self._lost_after):
                await self._interrupt_lost(run.id, state.claimed_by)
            await asyncio.sleep(self._poll)

    async def supervise(self) -> None:
        """The stalled-queue check (core.execution.queue_watch explains why it runs here and not per run)."""
        if self._queues is not None:
            await self._queues.run()

    async def _unsent(self, run_id: int, error: Exception) -> RunRecord:
        log.warning("run %s could not be sent to the broker: %s", run_id, type(error).__name__)
        message = f"could not send the run to the broker (SCHEDOPS_BROKER_URL): {type(error).__name__}"
        if await self._runs.claim(run_id, worker=LEADER_CLAIM):
            return await self._runs.finish(
                run_id, ExecutionResult.failure(message, ErrorClass.TRANSIENT), now=self._clock()
            )
        return await self._runs.get(run_id)

    async def _cancel_unclaimed(self, run_id: int, actor: str) -> None:
        """A run cancelled before any worker took it is ended here: the leader claims it like a worker would
        (so no worker can start it afterwards) and its message is revoked."""
        if not await self._runs.claim(run_id, worker=LEADER_CLAIM):
            return  # a worker took it meanwhile and stops it itself
        await self._runs.finish(run_id, cancelled_result(actor), now=self._clock())
        await asyncio.to_thread(self._app.control.revoke, task_id_for(run_id))

    async def _interrupt_lost(self, run_id: int, worker: str) -> None:
        now = self._clock()
        seconds = int(self._lost_after.total_seconds())
        message = f"worker {worker} stopped sending heartbeats for {seconds}s (lost: killed, or its host is gone)"
        if await self._runs.interrupt_if_silent(run_id, since=now - self._lost_after, now=now, message=message):
            log.warning("run %s: %s; marked interrupted", run_id, message)

    def send(self, run_id: int, queue: str) -> None:
        """Publish the run's message (kombu is blocking: the caller runs this in a thread)."""
        self._app.send_task(RUN_TASK_NAME, args=(run_id,), task_id=task_id_for(run_id), queue=queue)
