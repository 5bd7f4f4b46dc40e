"""Runs asked for on a standby are carried out by the leader: the standby records a run request (and
notifies), the leader claims it within a second and answers with the run it started, and the standby hands
its caller a handle on that run, read from the database."""

from __future__ import annotations

import asyncio
import logging

from core.abc import JobControl
from core.clock import Clock
from core.engine.runner import RunRequest
from core.runs import RunRecord
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError
from core.storage.notify import notify
from core.storage.run_requests_store import RunRequestStore
from core.storage.runs_store import RunStore

log = logging.getLogger(__name__)

UNKNOWN_JOB = "unknown_job"
NOT_STARTED = "not_started"


class NoLeaderError(RuntimeError):
    """No replica took the run request in time (none leads right now); nothing was started."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no schedops replica is leading right now (none took the run within {seconds:g}s); try again")


class ForwardedRunError(RuntimeError):
    """The leader could not start the run asked for."""


class RemoteRun:
    """A run carried out by another replica (implements core.abc.RunHandle): its final row is polled."""

    def __init__(self, run: RunRecord, runs: RunStore, poll_every: float = 0.5) -> None:
        self._run = run
        self._runs = runs
        self._poll_every = poll_every

    @property
    def run(self) -> RunRecord:
        return self._run

    async def wait(self) -> RunRecord:
        while True:
            current = await self._runs.get(self._run.id)
            if current.status.is_finished:
                return current
            await asyncio.sleep(self._poll_every)


class Forwarder:
    """The engine's ``forward``: hand a run to the leader and return a handle on the run it started."""

    def __init__(self, db: Database, clock: Clock, *, claim_timeout: float = 10.0) -> None:
        self._db = db
        self._requests = RunRequestStore(db)
        self._runs = RunStore(db)
        self._clock = clock
        self._claim_timeout = claim_timeout

    async def __call__(self, request: RunRequest) -> RemoteRun:
        request_id = await self._requests.add(
            request.spec.id,
            trigger=request.trigger,
            requested_by=request.requested_by,
            fixit_plan_id=request.fixit_plan_id,
            now=self._clock(),
        )
        await notify(self._db, f"run:{request_id}")
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + self._claim_timeout, 0.02
        while True:
            answer = await self._requests.get(request_id)
            if answer is not None and answer.run_id is not None:
                return RemoteRun(await self._runs.get(answer.run_id), self._runs)
            if answer is not None and answer.error == UNKNOWN_JOB:
                raise JobLookupError(request.spec.id)
            if answer is not None and answer.error is not None:
                raise ForwardedRunError("the leading replica could not start the run; see its log")
            if loop.time() > deadline and await self._requests.withdraw(request_id, now=self._clock(), why="no leader"):
                raise NoLeaderError(self._claim_timeout)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)


async def serve_run_requests(requests: RunRequestStore, control: JobControl, clock: Clock) -> int:
    """On the leader: claim waiting run requests and start each; returns how many were claimed."""
    claimed = await requests.claim(now=clock())
    for asked in claimed:
        try:
            handle = await control.run_now(
                asked.job_id, actor=asked.requested_by, trigger=asked.trigger, fixit_plan_id=asked.fixit_plan_id
            )
        except JobLookupError:
            await requests.answer(asked.id, run_id=None, error=UNKNOWN_JOB)
            continue
        except Exception:
            log.exception("could not start the run of %s asked for on another replica", asked.job_id)
            await requests.answer(asked.id, run_id=None, error=NOT_STARTED)
            continue
        log.info("run %s of %s started for a request from another replica", handle.run.id, asked.job_id)
        await requests.answer(asked.id, run_id=handle.run.id)
    return len(claimed)
