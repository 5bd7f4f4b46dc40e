"""What a worker process does with one ``schedops.run`` message: claim, execute, record, against the database
named by the worker's own DATABASE_URL.

Each pool process keeps one event loop, one database engine and one set of executors for every run it carries
out, made at its first run: after the fork, so that no connection is ever shared with the parent or a sibling.
A fresh loop and engine per run had cost each run a new database connection and SQLAlchemy's statement
compilation again (bench/execution.py; docs/benchmarks.md, "Execution"). A pool process ends with
``os._exit`` (billiard), so the kept connections and their threads never hold up its exit.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from core.clock import utc_now
from core.config import settings_from_process
from core.execution.claimed import carry_out_claimed
from core.executors.defaults import DefaultExecutors, executors_for
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore


@dataclass(frozen=True, slots=True)
class _Kept:
    """What one pool process reuses from run to run."""

    pid: int
    loop: asyncio.AbstractEventLoop
    db: Database
    executors: DefaultExecutors


_kept: _Kept | None = None


def execute_run(run_id: int, *, worker: str) -> str:
    kept = _for_this_process()
    try:
        return kept.loop.run_until_complete(_execute(kept, run_id, worker))
    finally:
        _cancel_leftovers(kept.loop)


def _for_this_process() -> _Kept:
    global _kept
    if _kept is None or _kept.pid != os.getpid():  # made here, or inherited through a fork: make our own
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        settings = settings_from_process()
        # Kept connections can die between runs (a PostgreSQL restart or failover): each is tested when taken
        # from the pool and replaced if dead, so that the next run's claim does not fail on it.
        db = Database(settings.database_url.get_secret_value(), pool_pre_ping=True)
        _kept = _Kept(os.getpid(), loop, db, executors_for(settings))
    return _kept


async def _execute(kept: _Kept, run_id: int, worker: str) -> str:
    outcome = await carry_out_claimed(
        run_id, runs=RunStore(kept.db), jobs=JobStore(kept.db), executors=kept.executors, worker=worker, clock=utc_now
    )
    return outcome.value


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Tasks a run left behind are cancelled and awaited, as ``asyncio.run`` did at the end of each run, so
    that none of them goes on running inside the next run."""
    leftovers = asyncio.all_tasks(loop)
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
