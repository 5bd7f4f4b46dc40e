"""``schedops next CRON``: when a cron expression fires, as Debian's cron would fire it."""

from __future__ import annotations

import argparse

from core.clock import utc_now
from core.config import Settings
from core.jobs.next_fires import NextFiresError, next_fire_times, parse_after
from schedops.cli import EXIT_BAD_INPUT, CommandError


def execute(args: argparse.Namespace, settings: Settings) -> int:
    try:
        after = None if args.after is None else parse_after(args.after)
        answer = next_fire_times(
            args.cron, timezone=args.timezone or settings.timezone, now=utc_now(), after=after, count=args.count
        )
    except NextFiresError as error:
        raise CommandError([str(error)], EXIT_BAD_INPUT) from None
    print("\n".join(moment.isoformat() for moment in answer.times))
    return 0
