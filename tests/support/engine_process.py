"""A schedops engine in a process of its own, for tests that kill it: ``python -m tests.support.engine_process
DATABASE_URL``. It starts a long run of job ``long`` and prints ``RUN <id>`` once the run is recorded."""

from __future__ import annotations

import asyncio
import sys

from core.engine import Engine
from core.executors.defaults import default_executors
from core.jobs.spec import parse_job
from core.storage.database import Database


async def main(url: str) -> None:
    db = Database(url)
    engine = Engine(db, executors=default_executors())
    await engine.start()
    spec = parse_job(
        {
            "id": "long",
            "kind": "python",
            "target": "tests.support.tasks:nap",
            "kwargs": {"seconds": 60},
            "schedule": {"interval": "1h"},
        }
    )
    await engine.add_job(spec, actor=None)
    handle = await engine.run_now("long", actor=None)
    print(f"RUN {handle.run.id}", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
