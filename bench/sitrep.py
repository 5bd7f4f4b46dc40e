"""Sitrep latency on a large history: 1,000 jobs and 1,000,000 runs over 30 days.

    .venv/bin/python bench/sitrep.py                     # SQLite file in a temporary directory
    .venv/bin/python bench/sitrep.py --keep /tmp/big.db  # build once, reuse the file on later runs
    .venv/bin/python bench/sitrep.py --postgres          # PostgreSQL too (TEST_POSTGRES_URL)

Rows go in with the sync sqlite3 module (executemany in chunks) into a file Alembic migrated, so schema and
indexes are exactly the application's; PostgreSQL gets the same rows through asyncpg's COPY. The history is
a realistic mix: jobs every 5 minutes, hourly and daily; mostly successes with failures, time-outs,
interruptions, overlap skips, late starts and runs missed while schedops was down; a few jobs failing in a
row, runs in progress (one stuck past its timeout), paused jobs and pending approvals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.sitrep import build_job_report, build_sitrep, render_sitrep
from core.sitrep.workers import Workers
from core.storage.database import Database
from core.storage.runs_store import lateness_ms
from core.storage.workers_store import WorkerInfo

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DAYS = 30
CHUNK = 20_000
# (period in minutes, share of jobs): about 1,024 runs per job; the oldest surplus is dropped to hit --runs.
PERIODS = ((5, 0.085), (60, 0.38), (1440, 0.535))
STATUSES = ("succeeded", "failed", "timed_out", "interrupted", "skipped")
WEIGHTS = (0.935, 0.03, 0.01, 0.005, 0.01)
RUN_COLUMNS = (
    "id, job_id, trigger, attempt, status, created_at, scheduled_at, started_at, finished_at, duration_ms, "
    "exit_code, error_class, error_message, output_tail, lateness_ms"
)
RUN_NAMES = [name.strip() for name in RUN_COLUMNS.split(",")]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class BenchJob:
    id: str
    period: int
    phase: int  # minute of the period (minute of the day for daily jobs) it fires on
    spec: dict[str, Any]

    @property
    def next_run(self) -> datetime:
        now_minute = int((NOW - midnight(NOW)).total_seconds() // 60)
        return NOW + timedelta(minutes=(self.phase - now_minute) % self.period)


def midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def make_jobs(count: int, rng: random.Random) -> list[BenchJob]:
    periods = [period for period, share in PERIODS for _ in range(round(count * share))][:count]
    periods += [PERIODS[-1][0]] * (count - len(periods))
    jobs = []
    for index, period in enumerate(periods):
        phase = rng.randrange(period)
        cron = {5: f"{phase}-59/5 * * * *", 60: f"{phase} * * * *"}.get(period, f"{phase % 60} {phase // 60} * * *")
        spec: dict[str, Any] = {"id": f"job-{index:04d}", "kind": "shell", "command": f"run-task {index}"}
        spec |= {"schedule": {"cron": cron}, "timeout": rng.choice(["10m", "30m", "1h", "2h"])}
        if index % 10 == 0:
            spec["misfire_grace"] = "10m"
        jobs.append(BenchJob(spec["id"], period, phase, spec))
    return jobs


def make_runs(jobs: list[BenchJob], total: int, rng: random.Random) -> Iterator[Row]:
    """Runs in time order (ids grow with created_at, as in production), the newest ``total`` of them."""
    start = midnight(NOW - timedelta(days=DAYS)) + timedelta(hours=NOW.hour)
    minutes = int((NOW - start).total_seconds() // 60)
    offset = NOW.hour * 60
    by_slot: dict[tuple[int, int], list[str]] = {}
    for job in jobs:
        by_slot.setdefault((job.period, job.phase), []).append(job.id)
    available = sum(minutes // job.period for job in jobs)
    if available < total:
        raise SystemExit(f"{len(jobs)} jobs make only {available} runs in {DAYS} days; ask for fewer")
    skip, run_id = available - total, 0
    for minute in range(minutes):
        due = start + timedelta(minutes=minute)
        for period, _share in PERIODS:
            for job_id in by_slot.get((period, (minute + offset) % period), ()):
                if skip:
                    skip -= 1
                    continue
                run_id += 1
                yield make_run(run_id, job_id, due, rng)


def run_row(**fields: Any) -> Row:
    """A runs row in RUN_COLUMNS order; columns not given are NULL, lateness_ms as RunStore writes it."""
    fields["lateness_ms"] = lateness_ms(fields["trigger"], fields.get("scheduled_at"), fields.get("started_at"))
    return tuple(fields.get(name) for name in RUN_NAMES)


def make_run(run_id: int, job_id: str, due: datetime, rng: random.Random) -> Row:
    row = {"id": run_id, "job_id": job_id, "attempt": 1, "scheduled_at": due}
    if rng.random() < 0.005:  # schedops was down: the fire time is recorded later as missed
        created = min(NOW, due + timedelta(minutes=rng.randint(6, 90)))
        message = "missed while schedops was not running"
        return run_row(
            **row, trigger="schedule", status="missed", created_at=created, finished_at=created, error_message=message
        )
    status = rng.choices(STATUSES, WEIGHTS)[0]
    late = rng.expovariate(1 / 2) if rng.random() < 0.99 else rng.uniform(360, 1200)
    created = due + timedelta(seconds=late)
    row |= {"trigger": "schedule" if rng.random() < 0.97 else "manual", "status": status, "created_at": created}
    if status == "skipped":
        return run_row(**row, finished_at=created, error_message="the previous run is still going")
    duration_ms = max(1, int(rng.lognormvariate(math.log(4000), 1.2)))
    row |= {"started_at": created, "finished_at": created + timedelta(milliseconds=duration_ms)}
    row |= {"duration_ms": duration_ms, "output_tail": f"processed {rng.randint(1, 10_000)} rows\n"}
    if status == "succeeded":
        return run_row(**row, exit_code=0)
    error_class = rng.choice(["transient", "permanent"])
    return run_row(**row, exit_code=1, error_class=error_class, error_message="exit code 1: connection reset by peer")


def final_touches(jobs: list[BenchJob], first_id: int, rng: random.Random) -> tuple[list[Row], list[Row]]:
    """Runs and approvals that make every section of the sitrep non-empty; returns (runs, approvals)."""
    runs: list[Row] = []
    for index, job in enumerate(jobs[1:9], start=1):  # failing: four in a row, or only the latest
        for back in range(4 if index <= 4 else 1):
            due = NOW - timedelta(seconds=40 - 5 * back)
            failure = {"error_class": "permanent", "error_message": "exit code 2: disk full", "exit_code": 2}
            runs.append(
                run_row(
                    id=first_id + len(runs),
                    job_id=job.id,
                    trigger="retry",
                    attempt=2,
                    status="failed",
                    created_at=due,
                    scheduled_at=due,
                    started_at=due,
                    finished_at=due + timedelta(seconds=3),
                    duration_ms=3000,
                    output_tail="No space left on device\n",
                    **failure,
                )
            )
    for job in jobs[10:14]:  # in progress; the first is stuck past its timeout
        started = NOW - (timedelta(hours=3) if job is jobs[10] else timedelta(seconds=rng.randint(5, 300)))
        runs.append(
            run_row(
                id=first_id + len(runs),
                job_id=job.id,
                trigger="manual",
                attempt=1,
                status="running",
                created_at=started,
                started_at=started,
            )
        )
    approvals = []
    for number, age in ((1, 5), (2, 45)):  # the second is pending past half its hour
        created = NOW - timedelta(minutes=age)
        params = json.dumps({"job_id": jobs[number].id})
        approvals.append((f"approval-{number}", "pause", params, "U_ALICE", created, created + timedelta(hours=1)))
    return runs, [(*approval, "pending") for approval in approvals]


def job_rows(jobs: list[BenchJob]) -> list[Row]:
    created = NOW - timedelta(days=DAYS + 1)
    rows = []
    for index, job in enumerate(jobs):
        paused = index % 50 == 49
        pause = ("U_BOB", created) if paused else (None, None)
        rows.append(
            (
                job.id,
                "shell",
                json.dumps(job.spec),
                True,
                paused,
                *pause,
                "file",
                None,
                job.next_run,
                created,
                created,
                None,
                None,  # owner
            )
        )
    return rows


def stamp(value: Any) -> Any:
    """Datetimes as the text SQLAlchemy's SQLite DateTime stores (naive UTC, always with microseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def chunks(rows: Iterator[Row], size: int = CHUNK) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fill_sqlite(path: Path, jobs: list[BenchJob], total: int, seed: int) -> None:
    connection = sqlite3.connect(path)
    rng = random.Random(seed)
    with connection:
        connection.executemany(f"INSERT INTO jobs VALUES ({', '.join('?' * 14)})", map(sqlite_row, job_rows(jobs)))
        insert_runs = f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join('?' * len(RUN_NAMES))})"
        for chunk in chunks(make_runs(jobs, total, rng)):
            connection.executemany(insert_runs, [sqlite_row(row) for row in chunk])
        extra_runs, approvals = final_touches(jobs, total + 1, rng)
        connection.executemany(insert_runs, map(sqlite_row, extra_runs))
        columns = "id, action, params, requested_by, created_at, expires_at, status"
        connection.executemany(
            f"INSERT INTO approvals ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)", map(sqlite_row, approvals)
        )
    connection.close()


def sqlite_row(row: Row) -> Row:
    return tuple(stamp(value) for value in row)


async def fill_postgres(url: str, jobs: list[BenchJob], total: int, seed: int) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password, database=parsed.database
    )
    rng = random.Random(seed)
    try:
        await connection.copy_records_to_table("jobs", records=job_rows(jobs))
        for chunk in chunks(make_runs(jobs, total, rng), 100_000):
            await connection.copy_records_to_table("runs", records=chunk, columns=RUN_NAMES)
        extra_runs, approvals = final_touches(jobs, total + 1, rng)
        await connection.copy_records_to_table("runs", records=extra_runs, columns=RUN_NAMES)
        columns = ["id", "action", "params", "requested_by", "created_at", "expires_at", "status"]
        await connection.copy_records_to_table("approvals", records=approvals, columns=columns)
        await connection.execute("SELECT setval(pg_get_serial_sequence('runs', 'id'), (SELECT max(id) FROM runs))")
        # What autovacuum would have done by now: statistics, and a visibility map for index-only scans.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def migrated(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.close()


async def measure(url: str, repeat: int, jobs: list[BenchJob]) -> dict[str, list[float]]:
    """Latencies in ms of build_sitrep, of build_sitrep with a Workers section (50 workers, as
    SCHEDOPS_EXECUTION=celery shows them), and of build_job_report (for a different job each time)."""
    database = Database(url)
    timings: dict[str, list[float]] = {"build_sitrep": [], "build_sitrep+workers": [], "build_job_report": []}
    fleet = Workers(
        [WorkerInfo(f"w{n}@host-{n}", f"host-{n}", 1000 + n, ("schedops", f"q{n}"), 4, NOW, NOW) for n in range(50)],
        frozenset({"schedops"}),
    )
    try:
        for _ in range(2):  # warm the connection pool and the page cache
            await build_sitrep(database, now=NOW, scheduler_running=True, default_timezone="UTC")
        for index in range(repeat):
            started = time.perf_counter()
            await build_sitrep(database, now=NOW, scheduler_running=True, default_timezone="UTC")
            timings["build_sitrep"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await build_sitrep(database, now=NOW, scheduler_running=True, default_timezone="UTC", workers=fleet)
            timings["build_sitrep+workers"].append((time.perf_counter() - started) * 1000)
            job = jobs[(index * 37) % len(jobs)]
            started = time.perf_counter()
            await build_job_report(database, job.id, now=NOW, default_timezone="UTC")
            timings["build_job_report"].append((time.perf_counter() - started) * 1000)
        sitrep = await build_sitrep(database, now=NOW, scheduler_running=True, default_timezone="UTC")
        print("\n".join(render_sitrep(sitrep).splitlines()[:14]))
    finally:
        await database.close()
    return timings


def report(backend: str, timings: dict[str, list[float]]) -> None:
    for name, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
        print(
            f"{backend:<10} {name:<20} p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   n={len(values)}"
        )


def bench_sqlite(args: argparse.Namespace, jobs: list[BenchJob]) -> dict[str, list[float]]:
    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "sitrep-bench.db"
    url = f"sqlite+aiosqlite:///{path}"
    if not path.exists():
        started = time.perf_counter()
        asyncio.run(migrated(url))
        fill_sqlite(path, jobs, args.runs, args.seed)
        print(f"built {path} ({args.jobs:,} jobs, {args.runs:,} runs) in {time.perf_counter() - started:.0f}s")
    try:
        return asyncio.run(measure(url, args.repeat, jobs))
    finally:
        if not args.keep:
            shutil.rmtree(path.parent)


def bench_postgres(args: argparse.Namespace, jobs: list[BenchJob]) -> dict[str, list[float]]:
    from tests.support.databases import create_test_database, drop_test_database, postgres_reachable

    if not postgres_reachable():
        raise SystemExit("PostgreSQL is not reachable (TEST_POSTGRES_URL)")
    url = create_test_database()
    try:
        started = time.perf_counter()
        asyncio.run(migrated(url))
        asyncio.run(fill_postgres(url, jobs, args.runs, args.seed))
        elapsed = time.perf_counter() - started
        print(f"built a PostgreSQL database ({args.jobs:,} jobs, {args.runs:,} runs) in {elapsed:.0f}s")
        return asyncio.run(measure(url, args.repeat, jobs))
    finally:
        drop_test_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed builds of each report")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="PATH", help="SQLite file to build once and reuse")
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    args = parser.parse_args()
    jobs = make_jobs(args.jobs, random.Random(args.seed))
    results = {"sqlite": bench_sqlite(args, jobs)}
    if args.postgres:
        results["postgresql"] = bench_postgres(args, jobs)
    print()
    for backend, timings in results.items():
        report(backend, timings)


if __name__ == "__main__":
    main()
