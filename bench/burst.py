"""A thousand jobs due at the same instant: how late each starts, whether any run is lost or doubled, and how
fast /sitrep is acked while the burst is being recorded; side by side with a bare APScheduler scheduler.

    .venv/bin/python bench/burst.py                 # bare APScheduler, schedops on SQLite, on PostgreSQL
    .venv/bin/python bench/burst.py --no-postgres   # without PostgreSQL
    .venv/bin/python bench/burst.py --jobs 500 --bursts 1
    .venv/bin/python bench/burst.py --only bare --only postgres

Every job is a python job ``bench.burst:job_started`` (an async no-op that notes the wall clock when it is
called) on ``* * * * *``, so all of them are due at each minute boundary. Start lateness: the moment the job's
function is called minus the minute boundary it was due at. Each scheduler runs in a child process of its
own, one after the other (they would otherwise share the two cores): a bare APScheduler 3 AsyncIOScheduler
with the same jobs (its CronTrigger, the job function called directly), then the real schedops process
(``schedops.runtime.serve``, what ``schedops run`` runs: the jobs synced as from a jobs file, the replica, the
Slack session connected to FakeSlack in this process, the HTTP server; stopped by SIGTERM) on a SQLite file
and on a fresh PostgreSQL database. While schedops bursts, this process sends /sitrep one command at a time
and records each ack's latency (FakeSlack's clock); the acks sent from the burst instant to two seconds after
it are reported. Lost: a job with no run row (or no call) for a burst instant; doubled: more than one.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import math
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger as ApsCronTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sandbox.fake_slack import ALICE, FakeSlack

STARTS: list[tuple[str, float]] = []
BARE, SQLITE, POSTGRES = "bare APScheduler", "schedops SQLite", "schedops PostgreSQL"
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
LEAD = 4.0  # seconds a burst instant must be ahead once the child is ready
SITREP_WINDOW = 2.0


async def job_started(job: str) -> None:
    """The bench job: notes when it was called (wall clock, comparable across processes)."""
    STARTS.append((job, time.time()))


def job_ids(count: int) -> list[str]:
    return [f"burst-{number:04d}" for number in range(count)]


# -- the child processes -------------------------------------------------------------------------------------


async def run_bare(count: int, stop: Any) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    function = importlib.import_module("bench.burst").job_started  # not __mp_main__'s copy: its STARTS is dumped
    for job_id in job_ids(count):
        scheduler.add_job(
            function, ApsCronTrigger.from_crontab("* * * * *", timezone=UTC), id=job_id, kwargs={"job": job_id}
        )
    scheduler.start()
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    scheduler.shutdown(wait=False)


async def run_schedops(count: int, database_url: str, slack: dict[str, str]) -> None:
    """``schedops run`` itself (schedops.runtime.serve: jobs file synced, replica, Slack session, HTTP server),
    stopped by SIGTERM as a service manager stops it."""
    from core.config import load_settings
    from core.jobs.spec import parse_job
    from schedops.runtime import serve

    settings = load_settings(
        {"DATABASE_URL": database_url, **slack, "SCHEDOPS_ADMINS": ALICE, "PORT": "0"}, env_file=None
    )
    specs = [
        parse_job(
            {
                "id": job_id,
                "kind": "python",
                "target": "bench.burst:job_started",
                "kwargs": {"job": job_id},
                "schedule": {"cron": "* * * * *"},
            }
        )
        for job_id in job_ids(count)
    ]
    await serve(settings, specs)


def child_main(
    name: str, count: int, stop: Any, ready: Any, out: str, database_url: str, slack: dict[str, str]
) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    module = importlib.import_module("bench.burst")  # the module the python executor imports the job from

    async def main() -> None:
        ready.set()
        if name == BARE:
            await run_bare(count, stop)
        else:
            await run_schedops(count, database_url, slack)

    asyncio.run(main())
    Path(out).write_text(json.dumps(module.STARTS))


@asynccontextmanager
async def child(
    name: str, count: int, database_url: str = "", slack: dict[str, str] | None = None
) -> AsyncIterator[Path]:
    context = multiprocessing.get_context("spawn")
    stop, ready = context.Event(), context.Event()
    out = Path(tempfile.mkdtemp()) / "starts.json"
    process = context.Process(
        target=child_main, args=(name, count, stop, ready, str(out), database_url, slack or {}), name=name
    )
    process.start()
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, ready.wait, 60)
        yield out
    finally:
        stop.set()  # the bare scheduler's stop
        if name != BARE:
            process.terminate()  # SIGTERM: schedops stops as under a service manager
        await loop.run_in_executor(None, process.join, 60)
        if process.exitcode != 0:
            process.kill()
            raise RuntimeError(f"{name}: the child process ended with {process.exitcode}")


# -- measuring -------------------------------------------------------------------------------------------------


def next_instant(after: float) -> float:
    return math.ceil((after + LEAD) / 60) * 60


async def wait_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def sitrep_acks(slack: FakeSlack, until: float) -> list[tuple[float, float]]:
    """(sent at, ack ms) for /sitrep sent one at a time until ``until`` (wall clock)."""
    acks: list[tuple[float, float]] = []
    while time.time() < until:
        sent = time.time()
        envelope = await slack.deliver(slack.slash_command("/sitrep", ""))
        ack = await envelope.ack(timeout=10)
        acks.append((sent, ack.latency * 1000))
        await asyncio.sleep(0.05)
    return acks


async def bursts_of(name: str, args: argparse.Namespace, database_url: str = "") -> dict[str, Any]:
    instants: list[float] = []
    acks: list[tuple[float, float]] = []
    if name == BARE:
        async with child(name, args.jobs) as out:
            for _ in range(args.bursts):
                instants.append(next_instant(time.time()))
                await wait_until(instants[-1] + 3)
    else:
        async with FakeSlack() as slack:
            address = {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token}
            address["SLACK_API_URL"] = slack.api_url
            async with child(name, args.jobs, database_url, address) as out:
                await slack.wait_connected(timeout=60)
                for _ in range(args.bursts):
                    instants.append(next_instant(time.time()))
                    await wait_until(instants[-1] - 1)
                    acks += await sitrep_acks(slack, instants[-1] + 3)
            problems = [*slack.violations, *slack.unexpected_acks]
            if problems:
                raise RuntimeError(f"{name}: Slack would have refused {problems}")
    starts = [(job, at) for job, at in json.loads(out.read_text())]
    shutil.rmtree(out.parent)
    result = judge(args.jobs, instants, starts)
    result["acks"] = [latency for sent, latency in acks if any(t <= sent <= t + SITREP_WINDOW for t in instants)]
    if database_url:
        result["rows"] = await run_rows(database_url, args.jobs, instants)
    return result


def judge(count: int, instants: list[float], starts: list[tuple[str, float]]) -> dict[str, Any]:
    lateness: list[float] = []
    by_burst: dict[float, list[float]] = {t: [] for t in instants}
    calls: Counter[tuple[str, float]] = Counter()
    for job, at in starts:
        instant = max((t for t in instants if t <= at), default=None)
        if instant is not None and at < instant + 60:
            lateness.append((at - instant) * 1000)
            by_burst[instant].append(lateness[-1])
            calls[(job, instant)] += 1
    expected = {(job, t) for job in job_ids(count) for t in instants}
    return {
        "lateness": lateness,
        "p99_by_burst": [percentile(late, 0.99) for late in by_burst.values()],
        "lost": len(expected - set(calls)),
        "doubled": sum(n - 1 for n in calls.values() if n > 1),
    }


async def run_rows(database_url: str, count: int, instants: list[float]) -> dict[str, int]:
    """Lost and doubled as the run history shows them (one row per job and fire time expected)."""
    engine = create_async_engine(database_url)
    found: Counter[tuple[str, float]] = Counter()
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT job_id, scheduled_at FROM runs WHERE trigger = 'schedule'"))
        for job_id, scheduled_at in rows:
            when = scheduled_at if isinstance(scheduled_at, datetime) else datetime.fromisoformat(scheduled_at)
            found[(job_id, when.replace(tzinfo=UTC).timestamp() if when.tzinfo is None else when.timestamp())] += 1
    await engine.dispose()
    expected = {(job, t) for job in job_ids(count) for t in instants}
    return {"lost": len(expected - set(found)), "doubled": sum(n - 1 for key, n in found.items() if n > 1)}


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    name = f"schedops_burst_{os.getpid()}"
    admin = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


# -- the report ------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def line(name: str, result: dict[str, Any]) -> str:
    late, acks = result["lateness"], result.get("acks", [])
    rows = result.get("rows")
    cells = [
        f"{name:<22}",
        f"{statistics.median(late) if late else float('nan'):9.1f}",
        f"{percentile(late, 0.99):9.1f}",
        f"{max(late, default=float('nan')):9.1f}",
        f"{result['lost']:>6}{result['doubled']:>8}",
        f"{'-' if rows is None else rows['lost']:>6}{'-' if rows is None else rows['doubled']:>8}",
    ]
    cells.append(
        f"{statistics.median(acks):9.1f}{percentile(acks, 0.99):9.1f}{max(acks):9.1f}  n={len(acks):<4}"
        if acks
        else f"{'-':>9}{'-':>9}{'-':>9}{'':<8}"
    )
    cells.append("  " + " / ".join(f"{p99:.1f}" for p99 in result["p99_by_burst"]))
    return "".join(cells)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--bursts", type=int, default=2, help="minute boundaries measured per scheduler")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--only", choices=["bare", "sqlite", "postgres"], action="append", help="repeatable")
    args = parser.parse_args()
    only = set(args.only or ["bare", "sqlite", "postgres"]) - ({"postgres"} if args.no_postgres else set())
    results = {BARE: await bursts_of(BARE, args)} if "bare" in only else {}
    if "sqlite" in only:
        directory = Path(tempfile.mkdtemp())
        try:
            results[SQLITE] = await bursts_of(SQLITE, args, f"sqlite+aiosqlite:///{directory / 'burst.db'}")
        finally:
            shutil.rmtree(directory)
    if "postgres" in only:
        async with fresh_postgres() as url:
            results[POSTGRES] = await bursts_of(POSTGRES, args, url)
    print(f"\n{args.jobs} jobs due at once, {args.bursts} burst(s) each; start lateness and /sitrep ack in ms")
    print(
        f"{'':<22}{'late p50':>9}{'p99':>9}{'max':>9}{'lost':>6}{'doubled':>8}{'rows:lost':>10}{'doubled':>8}"
        f"{'ack p50':>9}{'p99':>9}{'max':>9}{'':<8}  late p99 by burst"
    )
    for name, result in results.items():
        print(line(name, result))


if __name__ == "__main__":
    asyncio.run(main())
