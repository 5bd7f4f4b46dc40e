"""A `schedops worker` in the workers registry (core.storage.workers_store): registered when Celery says the
worker is ready, a heartbeat every WORKER_BEAT_EVERY, and marked stopped on a clean shutdown.

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

from celery import signals

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
        self._thread: threading.Thread | None = None
        self._started_at: datetime | None = None

    def connect(self) -> None:
        """Follow the worker's life through Celery's signals (sent in the main process)."""
        signals.worker_ready.connect(self._ready, weak=False)
        signals.worker_shutdown.connect(self._shutdown, weak=False)

    def start(self, name: str) -> None:
        self._thread = threading.Thread(target=self._live, args=(name,), name="schedops-presence", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Mark the worker stopped and end the thread (waits up to ``timeout`` seconds for the write)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

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
            while not self._stop.wait(self._every):
                if registered:
                    registered = bool(self._do(loop, store.beat(name, now=self._clock()), "record a heartbeat"))
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
            name, socket.gethostname(), os.getpid(), self._queues, self._concurrency, self._started_at, now
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
