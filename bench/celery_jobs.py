"""`kind: celery` jobs against a plain Celery app's worker (tests/support/team_celery_app.py): how long a run
takes from send to SUCCESS read back, alone and in a burst, and how long an unreachable broker takes to fail.

    .venv/bin/python bench/celery_jobs.py               # 100 runs alone, a burst of 100, per broker
    .venv/bin/python bench/celery_jobs.py --runs 20     # a smoke run

Each broker (Redis, RabbitMQ) gets one `celery worker` of the team's app (prefork, --concurrency), results in
Redis. The runs go through CeleryExecutor directly (no engine, no database): what is measured is sending the
task, the worker running `team.tasks.add`, and schedops reading SUCCESS back (its polling starts at 50 ms and
doubles up to 1 s, so a quick task is read back at the first or second poll).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.executors.celery import CeleryExecutor  # noqa: E402
from core.jobs.spec import parse_job  # noqa: E402
from core.runs import RunStatus  # noqa: E402
from tests.support.brokers import RESULT_BACKEND, fresh_queue, team_celery_worker  # noqa: E402

BROKERS = {"redis": "redis://127.0.0.1:6379/11", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//"}


def spec(queue: str, number: int, broker: str | None = None) -> object:
    data = {"id": f"add-{number}", "kind": "celery", "task": "team.tasks.add", "args": [number, 1]}
    data |= {"task_queue": queue, "schedule": {"interval": "1h"}, "timeout": "60s"}
    if broker:
        data["broker"] = broker
    return parse_job(data)


async def timed(executor: CeleryExecutor, job: object) -> float:
    started = time.perf_counter()
    outcome = await executor.execute(job)  # type: ignore[arg-type]
    if outcome.status is not RunStatus.SUCCEEDED:
        raise SystemExit(f"run failed: {outcome.error_message}")
    return (time.perf_counter() - started) * 1000


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return f"{name}: p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"


async def measure(broker: str, queue: str, runs: int) -> list[str]:
    executor = CeleryExecutor(broker_url=broker, result_backend=RESULT_BACKEND)
    try:
        await timed(executor, spec(queue, 0))  # the client's first connection and Celery's import
        alone = [await timed(executor, spec(queue, number)) for number in range(runs)]
        started = time.perf_counter()
        burst = await asyncio.gather(*(timed(executor, spec(queue, number)) for number in range(runs)))
        seconds = time.perf_counter() - started
    finally:
        await executor.aclose()
    return [
        summary(f"alone ({runs} runs one after another)", alone),
        summary(f"burst ({runs} at once)", list(burst)) + f", all done in {seconds:.2f} s",
    ]


async def unreachable(scheme_url: str) -> float:
    executor = CeleryExecutor()
    try:
        started = time.perf_counter()
        outcome = await executor.execute(spec("q", 0, broker=scheme_url))  # type: ignore[arg-type]
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        await executor.aclose()
    assert outcome.status is RunStatus.FAILED, outcome
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    for name, broker in BROKERS.items():
        queue = fresh_queue()
        with (
            tempfile.TemporaryDirectory() as workdir,
            team_celery_worker(
                broker_url=broker,
                result_backend=RESULT_BACKEND,
                queue=queue,
                workdir=Path(workdir),
                concurrency=args.concurrency,
            ) as worker,
        ):
            deadline = time.monotonic() + 60
            while " ready." not in worker.output():
                if time.monotonic() > deadline:
                    raise SystemExit(f"the {name} worker did not start:\n{worker.output()}")
                time.sleep(0.1)
            for line in asyncio.run(measure(broker, queue, args.runs)):
                print(f"{name}: {line}")
    for url in ("redis://127.0.0.1:1/0", "amqp://guest:guest@127.0.0.1:1//"):
        print(f"unreachable {url.split(':')[0]} broker: failed in {asyncio.run(unreachable(url)):.0f} ms")


if __name__ == "__main__":
    main()
