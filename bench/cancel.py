"""Cancel from Slack: how fast a click on Cancel is acked, how soon the clicker sees "Cancelling…", and how
soon they are told the run was cancelled, for a shell run carried out locally and one on a `schedops worker`.

    .venv/bin/python bench/cancel.py                   # 20 cancels locally, then 20 on a worker over Redis
    .venv/bin/python bench/cancel.py --cancels 5       # a smoke run
    .venv/bin/python bench/cancel.py --broker amqp://guest:guest@127.0.0.1:5672//
    .venv/bin/python bench/cancel.py --local-only

The real bot (Services, SlackSession, every listener, Bolt over Socket Mode) and FakeSlack share this
process's event loop, as in tests/e2e, so an ack also waits for whatever the loop runs first. Each round:
`/jobs run slow` as the admin (a shell job, `sleep 300`), wait until the job's process has started, click
the Cancel button of the "run started" reply, then wait for the clicker's second private line. A first,
uncounted round lets a worker start. All times are FakeSlack's, one perf_counter clock: from sending the click
to the ack, to the first response_url POST ("Cancelling…") and to the second (the outcome). Whoever executes
the run reads the cancel request once a second from the run's start (CANCEL_POLL_SECONDS in
core.execution.cancel): a click right after the start, as here, waits for the first read, about a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from application.services import Services  # noqa: E402
from bench.execution import worker  # noqa: E402
from bot import ids  # noqa: E402
from bot.slack.session import SlackSession  # noqa: E402
from core.config import load_settings  # noqa: E402
from core.jobs.spec import parse_job  # noqa: E402
from core.storage.database import Database  # noqa: E402
from sandbox.fake_slack import ALICE, OPS_CHANNEL, FakeSlack  # noqa: E402
from sandbox.fake_slack.state import ResponsePost  # noqa: E402

TIMEOUT = 60.0
WARM_UP_TIMEOUT = 300.0


async def measure(slack: FakeSlack, name: str, args: argparse.Namespace, tmp: Path) -> dict[str, list[float]]:
    url = f"sqlite+aiosqlite:///{tmp}/{name}.db"
    db = Database(url)
    await db.migrate()
    await db.close()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    environ = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
        "SCHEDOPS_ADMINS": ALICE,
        "SCHEDOPS_ALERT_CHANNEL": OPS_CHANNEL,
        "SCHEDOPS_JOBS_FILE": "",
        "PORT": "0",
    }
    if name == "worker":
        environ |= {"SCHEDOPS_EXECUTION": "celery", "SCHEDOPS_BROKER_URL": args.broker}
    services = Services.build(load_settings(environ, env_file=None))
    marker = tmp / f"{name}.started"
    command = f"touch {marker}; sleep 300"
    spec = {"id": "slow", "kind": "shell", "command": command, "schedule": {"interval": "1h"}, "queue": queue}
    await services.engine.add_job(parse_job(spec), actor=None)
    session = await SlackSession.attach(services)
    await services.engine.start()
    session.start()
    await slack.wait_connected()
    figures: dict[str, list[float]] = {}
    try:
        with _worker_if(name == "worker", url, args.broker, queue, tmp):
            # A first, uncounted round: a worker's start (slow on a busy machine) is not a cancel's cost.
            await _one_cancel(slack, marker, {}, within=WARM_UP_TIMEOUT)
            for _round in range(args.cancels):
                # Under Celery the leader frees the job's slot when its dispatch next reads the row (every
                # 0.25 s), which may be after the clicker was told: the next Run now waits for that.
                await services.engine.wait_idle()
                await _one_cancel(slack, marker, figures)
    except TimeoutError:
        log = tmp / "worker.log"
        print(log.read_text(errors="replace")[-3000:] if log.exists() else "(no worker log)", file=sys.stderr)
        raise
    finally:
        await session.close()
        await services.engine.shutdown()
        await services.close()
    return figures


@contextlib.contextmanager
def _worker_if(wanted: bool, url: str, broker: str, queue: str, tmp: Path) -> Iterator[None]:
    if not wanted:
        yield
        return
    with worker(url, broker, queue, 1, tmp / "worker.log"):
        yield


async def _one_cancel(
    slack: FakeSlack, marker: Path, figures: dict[str, list[float]], *, within: float = TIMEOUT
) -> None:
    await asyncio.to_thread(marker.unlink, missing_ok=True)
    seen = len(slack.messages(OPS_CHANNEL))
    await (await slack.deliver(slack.slash_command("/jobs", "run slow", user_id=ALICE))).ack()
    ts, action_id, value = await slack.wait_for(lambda: _started_reply(slack, seen), within)
    await _until(marker.exists, within)
    answered = len(slack.responses())
    sent = time.perf_counter()
    ack = await (await slack.deliver(slack.block_action(action_id, value, user_id=ALICE, message_ts=ts))).ack()

    def two_replies() -> list[ResponsePost] | None:
        new = slack.responses()[answered:]
        return new[:2] if len(new) >= 2 else None

    replies = await slack.wait_for(two_replies, TIMEOUT)
    if "was cancelled" not in replies[1].body.get("text", ""):
        raise RuntimeError(f"unexpected answer: {replies[1].body.get('text')!r}")
    for what, milliseconds in (
        ("ack", ack.latency * 1000),
        ("cancelling", (replies[0].received_at - sent) * 1000),
        ("cancelled", (replies[1].received_at - sent) * 1000),
    ):
        figures.setdefault(what, []).append(milliseconds)


def _started_reply(slack: FakeSlack, seen: int) -> tuple[str, str, str] | None:
    """The "run started" reply's ts and its Cancel button (action_id, value), once it is posted."""
    for message in slack.messages(OPS_CHANNEL)[seen:]:
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if ids.base(element.get("action_id", "")) == ids.CANCEL_RUN:
                    return message.ts, element["action_id"], element["value"]
    return None


async def _until(probe: Callable[[], bool], within: float) -> None:
    # The job's process starting is a file appearing: nothing to wait on but the file itself.
    deadline = time.monotonic() + within
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError("the job's process never started")
        await asyncio.sleep(0.01)


def _summary(name: str, figures: dict[str, list[float]]) -> str:
    lines = [f"{name}: {len(figures.get('ack', []))} cancels"]
    for what, values in figures.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        lines.append(
            f"  {what:<11} p50 {statistics.median(values):8.1f} ms   p95 {p95:8.1f} ms   max {max(values):8.1f} ms"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cancels", type=int, default=20)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--local-only", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack:
            for name in ("local",) if args.local_only else ("local", "worker"):
                print(_summary(name, await measure(slack, name, args, Path(directory))), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
