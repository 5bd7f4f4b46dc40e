"""Writing a run's end, whoever executed it (this process, or the worker that claimed it).

Tried again while the database is briefly unavailable (a lock, a failover): a run whose end is never written is
later ended as interrupted, and its job's retry policy would then do the work a second time. The pauses add up
to 7.5 s, meant to end before the 15 s of silence after which a leader counts a worker's run as lost; attempts
that fail slowly (SQLite waits up to 5 s on a lock, a connect can time out) take longer. A database out for
longer than that loses the end: the run is ended as interrupted by whoever reaches it first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from core.clock import Clock
from core.runs import ExecutionResult, RunRecord
from core.storage.database import database_error_name, database_unavailable
from core.storage.runs_store import RunStore

log = logging.getLogger(__name__)

FINISH_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


async def record_end(
    runs: RunStore,
    run_id: int,
    outcome: ExecutionResult,
    *,
    clock: Clock,
    claimed_by: str | None = None,
    delays: Sequence[float] | None = None,
) -> RunRecord:
    """``runs.finish``, tried again after each of ``delays`` (FINISH_RETRY_DELAYS) while the database cannot
    be used (core.storage.database.database_unavailable); the last such error, or any other, is raised.
    ``claimed_by``: the worker whose claim the run must still be under (RunStore.finish); retrying is then
    idempotent, even after an attempt that committed and lost its reply."""
    for delay in FINISH_RETRY_DELAYS if delays is None else delays:
        try:
            return await runs.finish(run_id, outcome, now=clock(), claimed_by=claimed_by)
        except Exception as error:
            if not database_unavailable(error):
                raise
            name = database_error_name(error)
            log.warning("recording the end of run %s failed (%s); retrying in %ss", run_id, name, delay)
            await asyncio.sleep(delay)
    return await runs.finish(run_id, outcome, now=clock(), claimed_by=claimed_by)
