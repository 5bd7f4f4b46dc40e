"""What a python job's progress costs: a call in a tight loop, and the database writes of a job that calls it
a million times while schedops runs it (locally, on SQLite).

    .venv/bin/python bench/progress.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.engine import Engine
from core.executors.defaults import default_executors
from core.executors.progress import Progress
from core.jobs.spec import parse_job
from core.storage.database import Database
from tests.support.databases import migrated_sqlite

CALLS = 1_000_000


def busy(calls: int, progress: Any = None) -> dict[str, float]:
    """The job: ``calls`` progress reports as fast as it can."""
    started = time.perf_counter()
    for step in range(calls):
        progress(step / calls, f"step {step} of {calls}")
    return {"seconds": time.perf_counter() - started}


def per_call() -> float:
    progress = Progress("bench", mask=lambda text: text)
    started = time.perf_counter()
    busy(CALLS, progress.report)
    return (time.perf_counter() - started) / CALLS * 1e9


async def writes_of_a_busy_job(workdir: Path) -> tuple[int, float]:
    db = Database(migrated_sqlite(workdir / "bench.db"))
    writes: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE RUNS") and "progress" in statement:
            writes.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    executors = default_executors()
    engine = Engine(db, executors=executors)
    spec = {"id": "busy", "kind": "python", "target": "bench.progress:busy", "kwargs": {"calls": CALLS}}
    await engine.add_job(parse_job({**spec, "schedule": {"interval": "1h"}}), actor=None)
    await engine.start()
    try:
        run = await (await engine.run_now("busy", actor=None)).wait()
    finally:
        await engine.shutdown()
        await executors.aclose()
        await db.close()
    return len(writes), float(run.result["seconds"])


def main() -> None:
    print(f"progress(fraction, text) in a tight loop: {per_call():.0f} ns a call ({CALLS:,} calls, one thread)")
    with tempfile.TemporaryDirectory() as workdir:
        count, seconds = asyncio.run(writes_of_a_busy_job(Path(workdir)))
    print(f"a job calling it {CALLS:,} times over {seconds:.1f}s: {count} database write(s) of its progress")


if __name__ == "__main__":
    main()
