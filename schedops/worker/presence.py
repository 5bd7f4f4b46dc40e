"""A `schedops worker` in the workers registry (core.storage.workers_store): registered when Celery says the
worker is ready, a heartbeat every WORKER_BEAT_EVERY, and marked stopped on a clean shutdown.

Every beat also says whether the worker holds its broker connection. A worker cut off from its broker lives
on (Celery reconnects by itself) but takes no runs, so the registry must not count it as serving its queues:
a step in Celery's consumer (BrokerLink) tells the presence when the connection is lost and when it is back,
and the presence writes either at once instead of at the next beat.

The heartbeat comes from a thread of the worker's main process with an event loop and a database engine of
its own: Celery's own heartbeat is an event, sent only with events enabled (broker traffic schedops does not
otherwise need), and a beat on the consumer's loop would hold up message handling for a database round trip.
What the beat proves is that the main process lives; runs in its pool prove themselves with the runs'
own heartbeats (core.execution.claimed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any

from celery import Celery, bootsteps, signals

from core.clock import Clock, utc_now
from core.execution.workers import WORKER_BEAT_EVERY
from core.storage.database import Database
from core.storage.workers_store import WorkerInfo, WorkerStore

log = logging.getLogger(__name__)


class Presence:
    def __init__(
        self,
        database_url: str,
        *,
        queues: Sequence[str],
        concurrency: int,
        clock: Clock = utc_now,
        every: float = WORKER_BEAT_EVERY.total_seconds(),
    ) -> None:
        self._url = database_url
        self._queues = tuple(queues)
        self._concurrency = concurrency
        self._clock = clock
        self._every = every
        self._stop = threading.Event()
        self._wake = threading.Event()  # a beat now: stopping, or the broker connection changed
        self._thread: threading.Thread | None = None
        self._started_at: datetime | None = None
        # Since when the broker connection has been down; None while connected. Written by Celery's consumer
        # thread, read by the presence thread: one attribute, replaced whole.
        self._broker_lost_at: datetime | None = None

    def connect(self, app: Celery) -> None:
        """Follow the worker's life through Celery's signals (sent in the main process), and its broker
        connection through a step of ``app``'s consumer."""
        signals.worker_ready.connect(self._ready, weak=False)
        signals.worker_shutdown.connect(self._shutdown, weak=False)
        app.steps["consumer"].add(_broker_link(self))

    def start(self, name: str) -> None:
        self._thread = threading.Thread(target=self._live, args=(name,), name="schedops-presence", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Mark the worker stopped and end the thread (waits up to ``timeout`` seconds for the write)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def broker_lost(self) -> None:
        if self._broker_lost_at is None:
            self._broker_lost_at = self._clock()
            log.warning("cut off from the broker: this worker counts as offline until it reconnects")
            self._wake.set()

    def broker_back(self) -> None:
        if self._broker_lost_at is not None:
            self._broker_lost_at = None
            log.info("connected to the broker again: this worker counts as online")
            self._wake.set()

    def _ready(self, sender: Any = None, **_: Any) -> None:
        self.start(str(getattr(sender, "hostname", None) or f"celery@{socket.gethostname()}"))

    def _shutdown(self, **_: Any) -> None:
        self.stop()

    def _live(self, name: str) -> None:
        loop = asyncio.new_event_loop()
        db = Database(self._url)
        store = WorkerStore(db)
        try:
            registered = self._do(loop, self._register(store, name), "register this worker")
            while True:
                self._wake.wait(self._every)
                self._wake.clear()
                if self._stop.is_set():
                    break
                if registered:
                    beat = store.beat(name, now=self._clock(), broker_lost_at=self._broker_lost_at)
                    registered = bool(self._do(loop, beat, "record a heartbeat"))
                if not registered:  # never registered, or the row was forgotten while the database was away
                    registered = self._do(loop, self._register(store, name), "register this worker")
            self._do(loop, store.stopped(name, now=self._clock()), "mark this worker stopped")
        finally:
            loop.run_until_complete(db.close())
            loop.close()

    async def _register(self, store: WorkerStore, name: str) -> bool:
        now = self._clock()
        self._started_at = self._started_at or now  # registering again after a forgotten row keeps it
        info = WorkerInfo(
            name,
            socket.gethostname(),
            os.getpid(),
            self._queues,
            self._concurrency,
            self._started_at,
            now,
            broker_lost_at=self._broker_lost_at,
        )
        await store.register(info)
        log.info("worker %s registered (queues %s)", name, ", ".join(self._queues))
        return True

    @staticmethod
    def _do(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, Any], what: str) -> Any:
        try:
            return loop.run_until_complete(work)
        except Exception as error:  # the database away: the worker goes on, the next beat tries again
            log.warning("could not %s (%s); will try again", what, type(error).__name__)
            return False


def _broker_link(presence: Presence) -> type[bootsteps.StartStopStep]:
    """A step of Celery's consumer that tells ``presence`` about the broker connection.

    The consumer starts its steps, in order, each time it has connected (this one after its Tasks step, so the
    queues are being consumed). On a lost connection it stops every step and starts them again once it has
    reconnected. It drops its connection first (``Consumer.on_connection_error_after_connected``): that is how
    a lost connection is told from the worker's own shutdown, which stops the steps with the connection still
    open for the last acks."""

    class BrokerLink(bootsteps.StartStopStep):  # type: ignore[misc]  # Celery has no type hints
        requires = ("celery.worker.consumer.tasks:Tasks",)

        def start(self, parent: Any) -> None:
            presence.broker_back()

        def stop(self, parent: Any) -> None:
            if parent.connection is None:
                presence.broker_lost()

    return BrokerLink
