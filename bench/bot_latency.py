"""Slack bot latency: how fast schedops acks /sitrep and /jobs, and how soon its reply is visible, on a history
of 1,000 jobs and 1,000,000 runs, side by side with a minimal Bolt app that only acks.

    .venv/bin/python bench/bot_latency.py                      # SQLite file in a temporary directory
    .venv/bin/python bench/bot_latency.py --keep /tmp/big.db   # build once, reuse (same file as bench/sitrep.py)
    .venv/bin/python bench/bot_latency.py --quick              # 10,000 runs and 30 commands: a smoke run
    .venv/bin/python bench/bot_latency.py --in-process         # apps in FakeSlack's event loop (see below)

FakeSlack and the measuring loop run in this process; each app runs in a child process, as Slack and a bot
run on different machines, and they talk Socket Mode and HTTP over loopback. Both timestamps of a figure are
FakeSlack's (one perf_counter clock). Ack: from the envelope being sent to the ack arriving. Reply visible:
from the envelope being sent to the reply's response_url POST arriving. Commands go one at a time.

With --in-process the apps share FakeSlack's event loop: the bot's reply work, started right after its ack,
then holds the loop before FakeSlack reads the ack, so its acks look slower than they leave the bot.

The real bot is built as in production (Services, SlackSession, every listener, Bolt's Socket Mode handler)
with two differences. Its clock reads the moment the bench history was written for, as bench/sitrep.py
passes ``now``. Its scheduler is not started: the 1,000 bench jobs are shell commands it would run for real,
and its catch-up would rewrite the history; the sitrep then says "scheduler not running", which changes one
line of the reply, not the queries behind it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from application.services import Services
from bench.sitrep import NOW, fill_sqlite, make_jobs, migrated
from bot.slack.session import SlackSession
from core.config import load_settings
from sandbox.fake_slack import ALICE, BOB, CAROL, OPS_CHANNEL, FakeSlack

COMMANDS = (("/sitrep", ""), ("/jobs", ""))
WARMUP = 5
ACK_TARGET_MS, REPLY_TARGET_MS = 2.0, 100.0
SCHEDOPS, BOLT_DEFAULT, BOLT_BEFORE_RESPONSE = "schedops", "Bolt default", "Bolt process_before_response"


@dataclass(frozen=True)
class SlackAddress:
    """Where an app finds FakeSlack (picklable, for a child process)."""

    api_url: str
    bot_token: str
    app_token: str

    @classmethod
    def of(cls, slack: FakeSlack) -> SlackAddress:
        return cls(slack.api_url, slack.bot_token, slack.app_token)


@dataclass
class Timings:
    """Milliseconds per command: ack latency, and time until the reply is visible (empty: the ack is it)."""

    acks: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)


Sender = Callable[[str, str], Awaitable[tuple[float, float | None]]]


class ErrorCount(logging.Handler):
    """Counts records at ERROR or above: a reply that failed (the bot logs it and says sorry) is an error of
    the bench, not a sample."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    @classmethod
    def installed(cls) -> ErrorCount:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        counter = cls()
        logging.getLogger().addHandler(counter)
        return counter

    def check(self, name: str) -> None:
        if self.count:
            raise SystemExit(f"{name}: {self.count} error(s) logged")


# -- the history -------------------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace) -> tuple[Path, bool]:
    """The SQLite file to measure on, built with bench/sitrep.py's builders unless --keep names one that
    exists; returns (path, whether it is temporary)."""
    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "bot-latency.db"
    if path.exists():
        with sqlite3.connect(path) as connection:
            (jobs,) = connection.execute("SELECT count(*) FROM jobs").fetchone()
            (runs,) = connection.execute("SELECT count(*) FROM runs").fetchone()
        print(f"reusing {path} ({jobs:,} jobs, {runs:,} runs)")
        return path, False
    started = time.perf_counter()
    asyncio.run(migrated(f"sqlite+aiosqlite:///{path}"))
    fill_sqlite(path, make_jobs(args.jobs, random.Random(args.seed)), args.runs, args.seed)
    print(f"built {path} ({args.jobs:,} jobs, {args.runs:,} runs) in {time.perf_counter() - started:.0f}s")
    return path, not args.keep


# -- the apps ----------------------------------------------------------------------------------------------


@asynccontextmanager
async def schedops_bot(slack: SlackAddress, database: Path) -> AsyncIterator[None]:
    """The real bot (as tests/e2e/harness.py starts it, without the scheduler), connecting to ``slack``."""
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_URL": slack.api_url,
            "SCHEDOPS_ADMINS": ALICE,
            "SCHEDOPS_APPROVERS": f"{BOB},{CAROL}",
            "SCHEDOPS_ALERT_CHANNEL": OPS_CHANNEL,
            "PORT": "0",
        },
        env_file=None,
    )
    services = Services.build(settings)
    services.engine.clock = lambda: NOW  # before attach: the listeners' context takes the engine's clock
    await services.db.migrate()
    session = await SlackSession.attach(services)
    session.start()
    try:
        yield
    finally:
        await session.close()
        await services.close()


@asynccontextmanager
async def minimal_bolt_app(slack: SlackAddress, *, process_before_response: bool) -> AsyncIterator[None]:
    """A Bolt app with one listener for both commands that only acks; Bolt's defaults otherwise."""
    app = AsyncApp(
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
        process_before_response=process_before_response,
    )

    async def acknowledge(ack: Any) -> None:
        await ack("ok")

    for command, _text in COMMANDS:
        app.command(command)(acknowledge)
    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


def app_named(name: str, slack: SlackAddress, database: Path) -> AbstractAsyncContextManager[None]:
    if name == SCHEDOPS:
        return schedops_bot(slack, database)
    return minimal_bolt_app(slack, process_before_response=name == BOLT_BEFORE_RESPONSE)


def serve_in_child(name: str, slack: SlackAddress, database: Path, stop: Any) -> None:
    """A child process's main: run the app until ``stop`` (a multiprocessing Event) is set."""
    errors = ErrorCount.installed()

    async def serve() -> None:
        async with app_named(name, slack, database):
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)

    asyncio.run(serve())
    errors.check(name)


@asynccontextmanager
async def in_child_process(name: str, slack: SlackAddress, database: Path) -> AsyncIterator[None]:
    context = multiprocessing.get_context("spawn")  # a clean interpreter: this process runs an event loop
    stop = context.Event()
    child = context.Process(target=serve_in_child, args=(name, slack, database, stop), name=name)
    child.start()
    try:
        yield
    finally:
        stop.set()
        await asyncio.get_running_loop().run_in_executor(None, child.join, 30)
        if child.exitcode != 0:
            child.kill()
            raise RuntimeError(f"{name}: the app's process ended with {child.exitcode}")


# -- measuring ---------------------------------------------------------------------------------------------


def sender(slack: FakeSlack, *, replies: bool) -> Sender:
    """Sends one command and returns (ack ms, reply-visible ms or None) once the reply has arrived."""

    async def send(command: str, text: str) -> tuple[float, float | None]:
        envelope = await slack.deliver(slack.slash_command(command, text))
        ack = await envelope.ack()
        if not replies:
            return ack.latency * 1000, None
        url_id = str(envelope.payload["response_url"]).rsplit("/", 1)[-1]
        [post] = await slack.wait_for(lambda: [post for post in slack.responses() if post.url_id == url_id])
        if post.status != 200:
            raise RuntimeError(f"{command}: FakeSlack refused the reply ({post.status}): {slack.violations}")
        return ack.latency * 1000, (post.received_at - envelope.sent_at) * 1000

    return send


async def measure(send: Sender, count: int) -> dict[str, Timings]:
    """Each command ``count`` times after a warm-up, one at a time, alternating commands."""
    for _ in range(WARMUP):
        for command, text in COMMANDS:
            await send(command, text)
    timings = {command: Timings() for command, _text in COMMANDS}
    for _ in range(count):
        for command, text in COMMANDS:
            ack, reply = await send(command, text)
            timings[command].acks.append(ack)
            if reply is not None:
                timings[command].replies.append(reply)
    return timings


async def measure_app(name: str, database: Path, count: int, *, in_process: bool) -> dict[str, Timings]:
    async with FakeSlack() as slack:
        address = SlackAddress.of(slack)
        running = app_named(name, address, database) if in_process else in_child_process(name, address, database)
        async with running:
            await slack.wait_connected(timeout=30)
            timings = await measure(sender(slack, replies=name == SCHEDOPS), count)
        problems = [*slack.violations, *slack.unexpected_acks]
        if problems:
            raise RuntimeError(f"{name}: Slack would have refused {problems}")
    return timings


# -- the report --------------------------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return "".join(f"{value:9.2f}" for value in (statistics.median(ordered), percentile(ordered, 0.99), ordered[-1]))


def report(results: dict[str, dict[str, Timings]], count: int) -> None:
    heading = f"ms, n={count} of each"
    print(f"\n{heading:<38}{'ack p50':>9}{'p99':>9}{'max':>9}  {'reply p50':>9}{'p99':>9}{'max':>9}")
    for name, timings in results.items():
        for command, timing in timings.items():
            reply = summary(timing.replies) if timing.replies else "   (the ack is the reply)"
            print(f"{name:<29} {command:<8}{summary(timing.acks)}  {reply}")
    print(f"targets: ack p50 under {ACK_TARGET_MS:g} ms, reply visible p99 under {REPLY_TARGET_MS:g} ms (not asserted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs in the history")
    parser.add_argument("--count", type=int, default=200, help="timed commands of each kind, per app")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="PATH", help="SQLite file to build once and reuse")
    parser.add_argument("--quick", action="store_true", help="10,000 runs and 30 commands: a smoke run")
    parser.add_argument("--in-process", action="store_true", help="run the apps in FakeSlack's event loop")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.count = 10_000, 30
    database, temporary = prepare_database(args)
    errors = ErrorCount.installed()
    try:
        results = {
            name: asyncio.run(measure_app(name, database, args.count, in_process=args.in_process))
            for name in (SCHEDOPS, BOLT_DEFAULT, BOLT_BEFORE_RESPONSE)
        }
    finally:
        if temporary:
            shutil.rmtree(database.parent)
    errors.check("bench")
    report(results, args.count)


if __name__ == "__main__":
    main()
