"""The HTTP API beside Slack: requests per second and latency of the sitrep and the job list on 1,000 jobs and
1,000,000 runs (bench/sitrep.py's history), over /api/v1 and through Slack (/sitrep, /jobs).

    .venv/bin/python bench/api.py                     # builds the history in a temporary SQLite file
    .venv/bin/python bench/api.py --keep /tmp/big.db  # build once, reuse the file on later runs
    .venv/bin/python bench/api.py --quick             # 10,000 runs, fewer requests: a smoke run

The API runs in a child process (schedops' HTTP server with the API mounted, as `schedops run` serves it),
measured from this process over loopback with aiohttp: one request at a time (latency), then --concurrency
clients at once (throughput). The Slack side is bench/bot_latency.py's measurement of the real bot against
FakeSlack: from the slash command being sent to the reply being visible, one at a time. The engine's clock
is fixed at the history's end and the scheduler is not started, as in bench/bot_latency.py.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.bot_latency import SCHEDOPS, measure_app, percentile, prepare_database
from bench.sitrep import NOW

PATHS = {"sitrep": "/api/v1/sitrep", "jobs": "/api/v1/jobs?page=1&size=50"}
WARMUP = 5


def serve_api(database: str, port: Any, token: Any, stop: Any) -> None:
    """The child process: schedops' HTTP server with the API, on a free port (sent back through ``port``)."""

    async def serve() -> None:
        from application.operations import Operations
        from application.services import Services
        from core.api_tokens import ApiTokenStore, TokenRole
        from core.config import load_settings
        from schedops.http.api import create_api
        from schedops.http.server import HealthServer

        settings = load_settings({"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PORT": "0"}, env_file=None)
        services = Services.build(settings)
        services.engine.clock = lambda: NOW
        await services.db.migrate()
        ops = await Operations.create(services)
        name = f"bench-{int(time.time() * 1000)}"
        _, secret = await ApiTokenStore(services.db).create(name, TokenRole.VIEWER, acting_as=None, now=NOW)
        server = HealthServer(
            0, "127.0.0.1", db=services.db, engine=services.engine, metrics=services.metrics, api=create_api(ops)
        )
        await server.start()
        token.value = secret.encode()
        port.value = server.port
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        await server.stop()
        await services.close()

    asyncio.run(serve())


async def one_at_a_time(session: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def throughput(session: aiohttp.ClientSession, url: str, count: int, concurrency: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(one_at_a_time(session, url, count // concurrency) for _ in range(concurrency)))
    return (count // concurrency * concurrency) / (time.perf_counter() - started)


async def measure_api(base: str, token: str, count: int, concurrency: int) -> dict[str, tuple[list[float], float]]:
    headers = {"Authorization": f"Bearer {token}"}
    results = {}
    async with aiohttp.ClientSession(headers=headers, connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        for name, path in PATHS.items():
            await one_at_a_time(session, base + path, WARMUP)
            latencies = await one_at_a_time(session, base + path, count)
            results[name] = (latencies, await throughput(session, base + path, count, concurrency))
    return results


def run_api(database: Path, count: int, concurrency: int) -> dict[str, tuple[list[float], float]]:
    context = multiprocessing.get_context("spawn")
    port, token, stop = context.Value("i", 0), context.Array("c", 128), context.Event()
    child = context.Process(target=serve_api, args=(str(database), port, token, stop), name="api")
    child.start()
    try:
        deadline = time.monotonic() + 60
        while port.value == 0:
            if time.monotonic() > deadline or not child.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port.value}"
        return asyncio.run(measure_api(base, token.value.decode(), count, concurrency))
    finally:
        stop.set()
        child.join(30)


def row(label: str, values: list[float], per_second: str) -> str:
    ordered = sorted(values)
    return (
        f"{label:<30}{statistics.median(ordered):9.2f}{percentile(ordered, 0.99):9.2f}{ordered[-1]:9.2f}  {per_second}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--count", type=int, default=200, help="timed requests of each kind, per door")
    parser.add_argument("--concurrency", type=int, default=8, help="API clients at once for the throughput run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="PATH", help="SQLite file to build once and reuse")
    parser.add_argument("--quick", action="store_true", help="10,000 runs and 30 requests: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.count = 10_000, 32
    database, temporary = prepare_database(args)
    try:
        api = run_api(database, args.count, args.concurrency)
        slack = asyncio.run(measure_app(SCHEDOPS, database, args.count, in_process=False))
    finally:
        if temporary:
            shutil.rmtree(database.parent)
    print(f"\nms, n={args.count} of each, one at a time   p50      p99      max   requests/s")
    for name in PATHS:
        latencies, per_second = api[name]
        sequential = 1000 / statistics.mean(latencies)
        print(
            row(f"API {name}", latencies, f"{sequential:7.0f} one at a time, {per_second:.0f} with {args.concurrency}")
        )
    for command, timing in slack.items():
        print(
            row(
                f"Slack {command} (reply visible)",
                timing.replies,
                f"{1000 / statistics.mean(timing.replies):7.0f} one at a time",
            )
        )


if __name__ == "__main__":
    main()
