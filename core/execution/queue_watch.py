"""The leader's check for stalled queues (core.execution.workers): runs wait on a queue no online worker
consumes. Each episode is announced once (QueueStalled) and its end once (QueueRecovered), on the event bus,
for the alerts workflow.

Why here, on the leader, once every few seconds, and not in the dispatch loop of each run: the question is
about a queue, not a run. Asked per run it would cost a read of the workers per waiting run and per poll,
growing with exactly the pile-up it is meant to report, and a run's loop ends with its run, so it could never
see the queue recover once its own run was taken. The leader is where runs are sent and followed
(schedops.worker.dispatch), so one process asks: one grouped read of the running runs (a partial index) and,
only when some wait, one read of the workers registry. The episodes themselves are rows
(core.storage.queue_alerts_store), so a new leader neither repeats an alert nor leaves one unresolved.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from core.clock import Clock
from core.events import EventBus, QueueRecovered, QueueStalled
from core.execution.workers import WAIT_BOUND, QueueWait, stalled_queues
from core.storage.database import Database
from core.storage.queue_alerts_store import QueueAlertStore
from core.storage.runs_store import RunStore
from core.storage.workers_store import WorkerStore

log = logging.getLogger(__name__)

QUEUE_CHECK_EVERY = timedelta(seconds=5)


class QueueWatch:
    def __init__(
        self,
        db: Database,
        events: EventBus,
        *,
        clock: Clock,
        wait_bound: timedelta = WAIT_BOUND,
        every: timedelta = QUEUE_CHECK_EVERY,
    ) -> None:
        self._runs = RunStore(db)
        self._workers = WorkerStore(db)
        self._alerts = QueueAlertStore(db)
        self._events = events
        self._clock = clock
        self._wait_bound = wait_bound
        self._every = every

    async def run(self) -> None:
        """Check every ``every`` until cancelled (when this process stops leading)."""
        while True:
            try:
                await self.check()
            except Exception as error:  # the database briefly away: the next check catches up
                log.warning("could not check the queues for waiting runs (%s); will try again", type(error).__name__)
            await asyncio.sleep(self._every.total_seconds())

    async def check(self) -> list[QueueWait]:
        """Open an episode for each queue newly stalled, close those no longer stalled; returns the stalled."""
        now = self._clock()
        waits = await self._runs.waiting_by_queue(older_than=now - self._wait_bound)
        stalled = stalled_queues(waits, await self._workers.served_queues(now=now) if waits else ())
        for wait in stalled:
            if await self._alerts.open(wait, now=now):
                log.warning("queue %s: %d run(s) waiting and no online worker consumes it", wait.queue, wait.runs)
                self._events.publish(QueueStalled(wait.queue, wait.runs, wait.since))
        for queue in sorted(await self._alerts.open_queues() - {wait.queue for wait in stalled}):
            if await self._alerts.serve(queue, now=now):
                log.info("queue %s: no run waits for a worker any more", queue)
                self._events.publish(QueueRecovered(queue))
        return stalled
