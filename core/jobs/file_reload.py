"""Re-reading the jobs file while schedops runs, as cron rereads its crontab: an edit is applied within
``every`` seconds and logged; a broken edit is logged line by line and changes nothing (the jobs keep their
last good definitions)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from pathlib import Path

from core.clock import Clock
from core.jobs.jobsfile import JobsFileError, load_jobs_file
from core.jobs.sync import SyncReport, sync_jobs
from core.storage.jobs_store import JobStore

log = logging.getLogger(__name__)

RELOAD_EVERY = 30.0


class JobsFileReloader:
    """Applies ``path`` to ``store`` whenever its content changes; ``on_change`` then reschedules."""

    def __init__(
        self,
        path: Path,
        store: JobStore,
        *,
        clock: Clock,
        on_change: Callable[[], Awaitable[object]],
        every: float = RELOAD_EVERY,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self._path = path
        self._store = store
        self._clock = clock
        self._on_change = on_change
        self._every = every
        self._variables = dict(variables or {})
        self._digest: str | None = None
        self._task: asyncio.Task[None] | None = None

    def remember_current(self) -> None:
        """Take the file as it is now as already applied (start-up has just synced it)."""
        self._digest = self._read_digest()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="jobs-file-reloader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def check(self) -> SyncReport | None:
        """Apply the file if its content changed since the last look; None when it did not (or is broken)."""
        digest = self._read_digest()
        if digest is None or digest == self._digest:
            return None
        self._digest = digest
        try:
            specs = load_jobs_file(self._path, self._variables)
        except JobsFileError as error:
            for line in error.lines:
                log.error("jobs file changed but was not applied: %s", line)
            return None
        report = await sync_jobs(self._store, specs, now=self._clock())
        log.info("jobs file %s changed: %s", self._path, report.summary())
        if report.changed:
            await self._on_change()
        return report

    def _read_digest(self) -> str | None:
        try:
            return hashlib.sha256(self._path.read_bytes()).hexdigest()
        except OSError as error:
            log.warning("cannot read the jobs file %s: %s", self._path, error.strerror)
            return None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.check()
            except Exception as error:  # the next look tries again; the running jobs are untouched
                log.warning("re-reading the jobs file failed (%s); will try again", type(error).__name__)
