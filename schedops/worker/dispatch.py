"""The leader's side: send a recorded run to its job's queue, then follow its row until a worker ends it."""

from __future__ import annotations

import asyncio

from celery import Celery

from core.clock import Clock, utc_now
from core.execution.base import RUN_TASK_NAME, task_id_for
from core.execution.cancel import cancelled_result
from core.jobs.spec import JobSpec
from core.runs import RunRecord
from core.storage.runs_store import RunStore

# How often the leader reads a dispatched run's row: the delay between a worker's end and the announcement.
POLL_SECONDS = 0.25
LEADER_CLAIM = "leader (cancelled before a worker took it)"


class CeleryDispatch:
    """Implements core.execution.base.RunDispatch over a Celery broker."""

    def __init__(
        self, app: Celery, runs: RunStore, *, poll_seconds: float = POLL_SECONDS, clock: Clock = utc_now
    ) -> None:
        self._app = app
        self._clock = clock
        self._runs = runs
        self._poll = poll_seconds

    async def carry_out(self, spec: JobSpec, run: RunRecord) -> RunRecord:
        await asyncio.to_thread(self.send, run.id, spec.queue)
        while True:
            current = await self._runs.get(run.id)
            if current.status.is_finished:
                return current
            await self._cancel_if_unclaimed(run.id)
            await asyncio.sleep(self._poll)

    async def _cancel_if_unclaimed(self, run_id: int) -> None:
        """A run cancelled before any worker took it is ended here: the leader claims it like a worker would
        (so no worker can start it afterwards) and its message is revoked."""
        actor = await self._runs.cancel_requested(run_id)
        if actor is None or not await self._runs.claim(run_id, worker=LEADER_CLAIM):
            return  # not cancelled, or a worker has it and stops it itself
        await self._runs.finish(run_id, cancelled_result(actor), now=self._clock())
        await asyncio.to_thread(self._app.control.revoke, task_id_for(run_id))

    def send(self, run_id: int, queue: str) -> None:
        """Publish the run's message (kombu is blocking: the caller runs this in a thread)."""
        self._app.send_task(RUN_TASK_NAME, args=(run_id,), task_id=task_id_for(run_id), queue=queue)
