"""Runs executed locally beside runs executed on `schedops worker` processes through Celery (Redis): runs per
second and dispatch latency, in one run.

    .venv/bin/python bench/execution.py              # 200 runs per setup
    .venv/bin/python bench/execution.py --runs 50    # a smoke run
    .venv/bin/python bench/execution.py --broker amqp://guest:guest@127.0.0.1:5672//

Each setup fires --runs runs ("burst") of one shell job (`date +%s.%N`, max_instances high enough for all)
at once and waits for every run's row to end, then fires --sequential runs one after another ("alone").
Dispatch latency is from the run's start as recorded by the scheduler (the row's started_at, written when the
run is recorded, before it is sent) to the job's process start on whoever executes it (the time the job
prints). Setups: local (the scheduler's process), one worker, two workers; each worker runs --concurrency
runs at once. The database is a fresh SQLite file per setup; the broker queue is fresh per setup too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.engine import Engine  # noqa: E402
from core.executors.defaults import default_executors  # noqa: E402
from core.jobs.spec import parse_job  # noqa: E402
from core.runs import RunRecord  # noqa: E402
from core.storage.database import Database  # noqa: E402
from core.storage.runs_store import RunStore  # noqa: E402
from schedops.worker.celery_app import make_celery_app  # noqa: E402
from schedops.worker.dispatch import CeleryDispatch  # noqa: E402


@contextmanager
def worker(url: str, broker: str, queue: str, concurrency: int, log: Path) -> Iterator[None]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "SCHEDOPS_BROKER_URL": broker,
        "SCHEDOPS_JOBS_FILE": "",
        "SCHEDOPS_LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "schedops", "worker", "--queue", queue, "--concurrency", str(concurrency)]
    argv += ["--hostname", f"bench-{uuid.uuid4().hex[:6]}@%h"]
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


async def measure(name: str, workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    url = f"sqlite+aiosqlite:///{tmp}/{name}.db"
    db = Database(url)
    await db.migrate()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    dispatch = None
    if workers:
        dispatch = CeleryDispatch(make_celery_app(args.broker), RunStore(db), poll_seconds=0.1)
    executors = default_executors()
    engine = Engine(db, executors=executors, dispatch=dispatch)
    await engine.start()
    spec = parse_job(
        {
            "id": "stamp",
            "kind": "shell",
            "command": ["date", "+%s.%N"],
            "schedule": {"interval": "1h"},
            "max_instances": 100,
            "queue": queue,
        }
    )
    await engine.add_job(spec, actor=None)
    with ExitStack() as stack:
        for n in range(workers):
            stack.enter_context(worker(url, args.broker, queue, args.concurrency, tmp / f"{name}-{n}.log"))
        if workers:
            await _warm_up(engine)
        finished = await _fire(engine, args.runs)
        finished |= await _one_at_a_time(engine, args.sequential)
    await engine.shutdown()
    await executors.aclose()
    await db.close()
    return finished


async def _warm_up(engine: Engine) -> None:
    # The workers' start-up (a second or two) is not dispatch: one run first, waited for.
    handle = await engine.run_now("stamp", actor=None)
    await asyncio.wait_for(handle.wait(), 120)


def _latencies(runs: list[RunRecord]) -> list[float]:
    return [
        float((run.output_tail or "nan").strip()) - run.started_at.timestamp()
        for run in runs
        if run.started_at is not None
    ]


async def _one_at_a_time(engine: Engine, count: int) -> dict[str, float]:
    """Dispatch latency with nothing queued ahead: each run fired after the previous one ended."""
    runs = []
    for _ in range(count):
        handle = await engine.run_now("stamp", actor=None)
        runs.append(await asyncio.wait_for(handle.wait(), 120))
    latencies = _latencies(runs)
    return {"alone p50 ms": statistics.median(latencies) * 1000, "alone max ms": max(latencies) * 1000}


async def _fire(engine: Engine, count: int) -> dict[str, float]:
    started = time.perf_counter()
    finished: list[RunRecord] = []
    for batch in range(0, count, 50):  # max_instances 100: fire in batches the job allows
        handles = [await engine.run_now("stamp", actor=None) for _ in range(min(50, count - batch))]
        finished += await asyncio.gather(*(asyncio.wait_for(handle.wait(), 300) for handle in handles))
    elapsed = time.perf_counter() - started
    latencies = _latencies(finished)
    failed = sum(1 for run in finished if run.status.value != "succeeded")
    return {
        "runs/s": len(finished) / elapsed,
        "p50 ms": statistics.median(latencies) * 1000,
        "p95 ms": statistics.quantiles(latencies, n=20)[18] * 1000,
        "max ms": max(latencies) * 1000,
        "failed": failed,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sequential", type=int, default=30, help="runs fired one at a time (default 30)")
    parser.add_argument("--concurrency", type=int, default=2, help="runs at once per worker (default 2)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    print(f"{args.runs} runs of `date +%s.%N` per setup; workers run {args.concurrency} at once; {args.broker}")
    print("burst: all runs fired at once (latency includes waiting for a free slot); alone: one at a time")
    header = ("runs/s", "p50 ms", "p95 ms", "max ms", "failed", "alone p50 ms", "alone max ms")
    print(f"{'setup':<12}" + "".join(f" {title:>13}" for title in header))
    with tempfile.TemporaryDirectory() as directory:
        for name, workers in (("local", 0), ("1 worker", 1), ("2 workers", 2)):
            row = await measure(name.replace(" ", "-"), workers, args, Path(directory))
            print(f"{name:<12}" + "".join(f" {row[title]:>13.1f}" for title in header), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
