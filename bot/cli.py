"""The ``schedops`` command line: run the service, check configuration, and look at jobs and runs."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot import text
from bot.health import HealthServerError
from bot.health.probe import scheduler_answers
from core.audit import query_audit, render_audit
from core.clock import utc_now
from core.config import ConfigError, Settings, load_settings
from core.durations import parse_duration
from core.jobs.export import export_jobs_yaml, import_jobs
from core.jobs.jobsfile import JobsFileError, load_jobs_file
from core.jobs.next_fires import NextFiresError, next_fire_times, parse_after
from core.logs import configure_logging
from core.sitrep.health import HealthRules
from core.sitrep.job_report import build_job_report
from core.sitrep.report import build_sitrep
from core.sitrep.text import render_job_report, render_sitrep
from core.storage.database import Database
from core.storage.instance_lock import InstanceLockedError
from core.storage.jobs_store import JobStore
from core.storage.runs_store import RunStore

EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schedops", description="Scheduled jobs you can run from Slack.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the scheduler (and the Slack bot when configured)")
    commands.add_parser("check", help="validate the configuration and the jobs file")
    jobs = commands.add_parser("jobs", help="list, export or import jobs").add_subparsers(
        dest="jobs_command", required=True, metavar="ACTION"
    )
    jobs.add_parser("list", help="list jobs with their state and next run")
    jobs.add_parser("export", help="print every job as a jobs file (YAML) on stdout")
    importer = jobs.add_parser("import", help="create or update the jobs in FILE")
    importer.add_argument("file", type=Path)
    sitrep = commands.add_parser("sitrep", help="the situation report (or one job's report)")
    sitrep.add_argument("job_id", nargs="?")
    sitrep.add_argument("--window", default="24h", help="how far back to look (default 24h)")
    audit = commands.add_parser("audit", help="the audit log, newest first")
    audit.add_argument("--actor")
    audit.add_argument("--action")
    audit.add_argument("-n", "--limit", type=int, default=50)
    runs = commands.add_parser("runs", help="recent runs of a job")
    runs.add_argument("job_id")
    runs.add_argument("-n", "--limit", type=int, default=20)
    upcoming = commands.add_parser("next", help="the next fire times of a cron expression")
    upcoming.add_argument("cron")
    upcoming.add_argument("--timezone", help="the schedule's time zone (default SCHEDOPS_TIMEZONE)")
    upcoming.add_argument("--after", help="ISO 8601 time to count from (default now)")
    upcoming.add_argument("--count", type=int, default=5)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(os.environ)
    except ConfigError as error:
        for line in error.lines:
            print(f"schedops: configuration: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    configure_logging(
        json_lines=settings.log_format == "json", level=settings.log_level, secrets=_secret_values(settings)
    )
    try:
        return _dispatch(args, settings)
    except JobsFileError as error:
        for line in error.lines:
            print(f"schedops: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except LookupError as error:
        print(f"schedops: {error.args[0] if error.args else error}", file=sys.stderr)
        return EXIT_PROBLEM
    except (HealthServerError, InstanceLockedError) as error:
        print(f"schedops: {error}", file=sys.stderr)
        return EXIT_PROBLEM


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "next":
        return _next(args, settings)
    if args.command == "run":
        from bot.runtime import read_jobs_file, serve  # imports Slack: only the commands that need it

        specs = read_jobs_file(settings)
        asyncio.run(serve(settings, specs))
        return 0
    if args.command == "check":
        return _check(settings)
    handlers: dict[str, Callable[[Database], Awaitable[int]]] = {
        "list": _jobs_list,
        "export": _jobs_export,
        "import": lambda db: _jobs_import(db, args.file),
    }
    if args.command == "jobs":
        return _with_database(settings, handlers[args.jobs_command])
    if args.command == "sitrep":
        return _with_database(settings, lambda db: _sitrep(db, settings, args.job_id, args.window))
    if args.command == "audit":
        return _with_database(settings, lambda db: _audit(db, args.actor, args.action, args.limit))
    return _with_database(settings, lambda db: _runs(db, args.job_id, args.limit))


def _next(args: argparse.Namespace, settings: Settings) -> int:
    try:
        after = None if args.after is None else parse_after(args.after)
        answer = next_fire_times(
            args.cron, timezone=args.timezone or settings.timezone, now=utc_now(), after=after, count=args.count
        )
    except NextFiresError as error:
        print(f"schedops: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("\n".join(moment.isoformat() for moment in answer.times))
    return 0


def _check(settings: Settings) -> int:
    from bot.runtime import read_jobs_file

    specs = read_jobs_file(settings)
    source = f"{settings.jobs_file}: {len(specs)} job(s) valid" if specs is not None else "no jobs file"
    print(f"configuration ok; {source}")
    return 0


def _with_database(settings: Settings, action: Callable[[Database], Awaitable[int]]) -> int:
    async def run() -> int:
        db = Database(settings.database_url.get_secret_value())
        try:
            await db.migrate()
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())


async def _jobs_list(db: Database) -> int:
    print(text.jobs_table(await JobStore(db).list()))
    return 0


async def _jobs_export(db: Database) -> int:
    sys.stdout.write(export_jobs_yaml([job.spec for job in await JobStore(db).list()]))
    return 0


async def _jobs_import(db: Database, path: Path) -> int:
    report = await import_jobs(JobStore(db), load_jobs_file(path), now=utc_now(), actor="cli")
    print(report.summary())
    return 0


async def _runs(db: Database, job_id: str, limit: int) -> int:
    await JobStore(db).require(job_id)
    print(text.runs_table(await RunStore(db).recent(job_id, limit)))
    return 0


async def _sitrep(db: Database, settings: Settings, job_id: str | None, window: str) -> int:
    now = utc_now()
    if job_id is not None:
        report = await build_job_report(
            db, job_id, now=now, default_timezone=settings.timezone, misfire_grace=settings.misfire_grace
        )
        print(render_job_report(report))
        return 0
    running = await scheduler_answers(settings.port)
    sitrep = await build_sitrep(
        db,
        now=now,
        window=parse_duration(window),
        scheduler_running=running,
        default_timezone=settings.timezone,
        rules=HealthRules.from_settings(settings),
        misfire_grace=settings.misfire_grace,
    )
    print(render_sitrep(sitrep))
    if not running:
        print(f"(no schedops answered on 127.0.0.1:{settings.port}/readyz, so the scheduler counts as not running)")
    return 0


async def _audit(db: Database, actor: str | None, action: str | None, limit: int) -> int:
    print(render_audit(await query_audit(db, actor=actor, action=action, limit=limit)))
    return 0


def _secret_values(settings: Settings) -> list[str]:
    values = [settings.database_url.get_secret_value()]
    for secret in (settings.slack_bot_token, settings.slack_app_token, settings.signing_secret):
        if secret is not None:
            values.append(secret.get_secret_value())
    return values
