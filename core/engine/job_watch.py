"""Noticing job changes made by another process (``schedops jobs import``, ``schedops jobs pause`` in a second
terminal): the jobs table's fingerprint (count, newest change) is polled every couple of seconds, and the
engine reconciles its timetable when it moves. Cheap on SQLite, where nothing can push a notification; a
PostgreSQL LISTEN/NOTIFY can call ``changed()`` to act at once."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime

from core.engine.engine import Engine

log = logging.getLogger(__name__)

POLL_EVERY = 2.0
FULL_CHECK_EVERY = 30  # polls: a full reconcile now and then catches what the fingerprint could miss


class JobChangeWatcher:
    """Keeps ``engine`` in step with jobs changed outside it, within ``every`` seconds."""

    def __init__(self, engine: Engine, *, every: float = POLL_EVERY) -> None:
        self._engine = engine
        self._every = every
        self._seen: tuple[int, datetime | None] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="job-change-watcher")

    def changed(self) -> None:
        """Look now (a notification arrived) rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def check(self, *, full: bool = False) -> list[str]:
        """Reconcile when the fingerprint moved (or ``full``); returns the jobs that were rescheduled."""
        fingerprint = await self._engine.jobs.fingerprint()
        if fingerprint == self._seen and not full:
            return []
        first = self._seen is None
        self._seen = fingerprint
        if first and not full:
            return []  # the engine has just scheduled every job itself
        changed = await self._engine.reconcile()
        if changed:
            log.info("jobs changed outside this process, rescheduled: %s", ", ".join(changed))
        return changed

    async def _watch(self) -> None:
        polls = 0
        while True:
            try:
                await self.check(full=polls % FULL_CHECK_EVERY == FULL_CHECK_EVERY - 1)
            except Exception as error:  # a database hiccup must not end the watching
                log.warning("checking for job changes failed (%s); will try again", type(error).__name__)
            polls += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._every)
            self._wake.clear()
