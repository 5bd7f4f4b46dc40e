"""Helpers of the worker tests: jobs on a queue, runs waited for, who claimed a run, a process's parent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.engine import Engine
from core.jobs.spec import parse_job
from core.runs import RunRecord
from core.storage.database import Database
from core.storage.tables import RunRow

WAIT = 60.0


def job(job_id: str, queue: str, **fields: Any) -> Any:
    return parse_job({"id": job_id, "schedule": {"interval": "1h"}, "queue": queue, **fields})


async def run_to_end(engine: Engine, job_id: str) -> RunRecord:
    handle = await engine.run_now(job_id, actor=None)
    return await asyncio.wait_for(handle.wait(), WAIT)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


async def claimed_by(db: Database, run_id: int) -> str | None:
    async with db.session() as session:
        return await session.scalar(select(RunRow.claimed_by).where(RunRow.id == run_id))
