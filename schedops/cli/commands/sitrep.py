"""``schedops sitrep [JOB]``: the situation report, judged by the same health rules as in Slack."""

from __future__ import annotations

import argparse

from application import reads
from core.clock import utc_now
from core.config import Settings
from core.durations import MAX_WINDOW, DurationError, parse_duration
from core.sitrep.text import render_job_report, render_sitrep
from core.storage.database import Database
from schedops.cli import EXIT_BAD_INPUT, CommandError
from schedops.cli.database import with_database
from schedops.http.probe import scheduler_answers


def execute(args: argparse.Namespace, settings: Settings) -> int:
    try:
        window = parse_duration(args.window, maximum=MAX_WINDOW)
    except DurationError as error:
        raise CommandError([f"argument --window: {error}"], EXIT_BAD_INPUT) from None

    async def sitrep(db: Database) -> int:
        now = utc_now()
        if args.job_id is not None:
            print(render_job_report(await reads.job_report(db, settings, args.job_id, now=now)))
            return 0
        running = await scheduler_answers(settings.port)
        print(render_sitrep(await reads.sitrep(db, settings, now=now, scheduler_running=running, window=window)))
        if not running:
            print(f"(no schedops answered on 127.0.0.1:{settings.port}/readyz, so the scheduler counts as not running)")
        return 0

    return with_database(settings, sitrep, read_only=True)
