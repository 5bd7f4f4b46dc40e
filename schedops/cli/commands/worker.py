"""``schedops worker``: a Celery worker that carries out schedops runs on this host, against the database."""

from __future__ import annotations

import argparse
import gc
import re

from core.config import Settings
from core.jobs.spec import QUEUE_PATTERN
from schedops.cli import EXIT_BAD_INPUT, CommandError

_EXAMPLE = "redis://127.0.0.1:6379/0"


def execute(args: argparse.Namespace, settings: Settings) -> int:
    if settings.broker_url is None:
        raise CommandError(
            ["SCHEDOPS_BROKER_URL: required to start a worker (e.g. redis://127.0.0.1:6379/0)"], EXIT_BAD_INPUT
        )
    queues = args.queues or ["schedops"]
    bad = [queue for queue in queues if not re.fullmatch(QUEUE_PATTERN, queue)]
    if bad:
        raise CommandError([f"argument --queue: not a queue name: {queue!r}" for queue in bad], EXIT_BAD_INPUT)
    from celery.platforms import maybe_drop_privileges

    from schedops.worker.celery_app import make_celery_app
    from schedops.worker.presence import Presence

    app = make_celery_app(settings.broker_url.get_secret_value())
    # In the workers registry from ready to shutdown: the sitrep lists it, the leader knows its queues.
    Presence(settings.database_url.get_secret_value(), queues=queues, concurrency=args.concurrency).connect(app)
    # Celery's worker itself, as `celery worker` builds it, without its click command line: that parser (click,
    # click-repl, prompt-toolkit) was about a sixth of a worker's start-up imports and parsed nothing schedops needs.
    maybe_drop_privileges(uid=None, gid=None)  # `celery worker`'s refusal to run pickle as root, kept
    # What is loaded by now lives as long as the worker. Frozen, the collector no longer walks it: Celery collects
    # before forking each pool process (celery#2927), and pool processes share those pages instead of copying
    # them when their own collections would touch them (the gc module's advice for servers that fork).
    gc.freeze()
    worker = app.Worker(
        hostname=args.hostname,
        queues=queues,
        concurrency=args.concurrency,
        loglevel=settings.log_level,
        without_gossip=True,
        without_mingle=True,
    )
    worker.start()
    return int(worker.exitcode or 0)
