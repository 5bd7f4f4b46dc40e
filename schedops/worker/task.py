"""What a worker process does with one ``schedops.run`` message: claim, execute, record, in a fresh event loop
against the database named by the worker's own DATABASE_URL."""

from __future__ import annotations

import asyncio

from core.clock import utc_now
from core.config import settings_from_process
from core.execution.claimed import carry_out_claimed
from core.executors.defaults import executors_for
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore


def execute_run(run_id: int, *, worker: str) -> str:
    return asyncio.run(_execute(run_id, worker))


async def _execute(run_id: int, worker: str) -> str:
    settings = settings_from_process()
    db = Database(settings.database_url.get_secret_value())
    executors = executors_for(settings)
    try:
        outcome = await carry_out_claimed(
            run_id, runs=RunStore(db), jobs=JobStore(db), executors=executors, worker=worker, clock=utc_now
        )
    finally:
        await executors.aclose()
        await db.close()
    return outcome.value
