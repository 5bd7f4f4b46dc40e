"""``schedops check [FILE]``: the configuration, the database (really connected, never created) and a jobs
file, validated without starting anything; warnings for what would only fail when a job runs."""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.clock import utc_now
from core.config import Settings
from core.jobs.preflight import preflight_warnings
from core.storage.database_url import DatabaseUnavailable, describe_location
from schedops.cli import EXIT_PROBLEM, CommandError
from schedops.cli.database import announce, database_status
from schedops.cli.jobsfile import read_jobs_file


def execute(args: argparse.Namespace, settings: Settings) -> int:
    path = args.file if args.file is not None else settings.jobs_file
    specs = read_jobs_file(path, settings) if path is not None else None
    url = settings.database_url.get_secret_value()
    announce(settings)
    try:
        status = asyncio.run(database_status(settings))
    except DatabaseUnavailable as error:
        raise CommandError([str(error)], EXIT_PROBLEM) from None
    print(f"configuration ok; database: {describe_location(url)} ({status})")
    if specs is None:
        print("no jobs file (set SCHEDOPS_JOBS_FILE or create jobs.yml)")
        return 0
    print(f"{path}: {len(specs)} job(s) valid")
    for warning in preflight_warnings(specs, now=utc_now(), celery_broker=settings.celery_broker_url is not None):
        print(f"warning: {path}: {warning}", file=sys.stderr)
    return 0
