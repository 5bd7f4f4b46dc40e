"""Writing a run's end, whoever executed it (this process, or the worker that claimed it).

Retried while the database is briefly unavailable (a lock, a failover): a run whose end is never written is
later ended as interrupted, and its job's retry policy would then do the work a second time. The delays add
up to 7.5 s, inside the 15 s after which a leader counts a silent worker's run as lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from core.clock import Clock
from core.runs import ExecutionResult, RunRecord
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
    delays: Sequence[float] = FINISH_RETRY_DELAYS,
) -> RunRecord:
    """``runs.finish``, tried again after each of ``delays``; the last failure is raised. ``claimed_by``: the
    worker whose claim the run must still be under (RunStore.finish)."""
    for delay in delays:
        try:
            return await runs.finish(run_id, outcome, now=clock(), claimed_by=claimed_by)
        except Exception as error:  # only the type: a driver's error can quote the output being written
            log.warning("recording the end of run %s failed (%s); retrying in %ss", run_id, type(error).__name__, delay)
            await asyncio.sleep(delay)
    return await runs.finish(run_id, outcome, now=clock(), claimed_by=claimed_by)
