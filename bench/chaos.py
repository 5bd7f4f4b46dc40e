"""Chaos on replicas: does any fire run twice or get lost, how long does a takeover take, and does Slack get
answered throughout?

    .venv/bin/python bench/chaos.py              # 3 replicas, 100 jobs every 5 s, about 2.5 minutes
    .venv/bin/python bench/chaos.py --quick      # 3 replicas, 20 jobs, 2 kills, a 10 s freeze

Replicas are real ``python -m bot run`` processes on the local PostgreSQL (a fresh database), connected to
FakeSlack (in this process) over Socket Mode. The leader is killed with SIGKILL about every ``--kill-every``
seconds and restarted a second later; once, the leader is frozen with SIGSTOP for ``--freeze`` seconds, then
resumed with SIGCONT. ``/jobs`` is sent every second through FakeSlack; a command counts as answered when
its reply reaches the response_url within 5 s.

Takeover: from the kill to the first moment another replica's /readyz says "leader" (polled every 50 ms),
and, as the issue defines it, from the old leader's last fire (the last run row created before the kill) to
the new leader's first (the first created after). Fires: every schedule-triggered row is audited by
tests/support/cluster.py (executions counted from the jobs' own output files).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.fake_slack import FakeSlack
from tests.support.cluster import Cluster, Replica, audit_fires, fires_started_after, write_jobs
from tests.support.databases import create_test_database, drop_test_database

_RAN = "trigger = 'schedule' AND started_at IS NOT NULL"


@dataclass
class SlackTally:
    sent: int = 0
    answered: int = 0
    reply_ms: list[float] = field(default_factory=list)


async def slack_load(slack: FakeSlack, tally: SlackTally, stop: asyncio.Event) -> None:
    while not stop.is_set():
        tally.sent += 1
        started = time.perf_counter()
        try:
            envelope = await slack.deliver(slack.slash_command("/jobs", ""))
            url_id = str(envelope.payload["response_url"]).rsplit("/", 1)[-1]
            await slack.wait_for(lambda u=url_id: [p for p in slack.responses() if p.url_id == u], timeout=5)
            tally.answered += 1
            tally.reply_ms.append((time.perf_counter() - started) * 1000)
        except TimeoutError:
            pass
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))


async def first_other_leader(cluster: Cluster, old: Replica, since: float, timeout: float = 60) -> float:  # noqa: ASYNC109
    while time.monotonic() - since < timeout:
        for replica in cluster.replicas:
            if replica is not old and await cluster.role(replica) == "leader":
                return time.monotonic() - since
        await asyncio.sleep(0.05)
    raise TimeoutError("no takeover")


async def fire_gap(url: str, at: datetime) -> float:
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )
    try:
        before = await connection.fetchval(
            f"SELECT max(created_at) FROM runs WHERE {_RAN} AND created_at <= $1",
            at,
        )
        after = await connection.fetchval(
            f"SELECT min(created_at) FROM runs WHERE {_RAN} AND created_at > $1",
            at,
        )
        lateness = await connection.fetch(
            "SELECT lateness_ms FROM runs WHERE trigger = 'schedule' AND lateness_ms IS NOT NULL ORDER BY lateness_ms"
        )
    finally:
        await connection.close()
    fire_gap.lateness = [row["lateness_ms"] for row in lateness]  # type: ignore[attr-defined]
    return (after - before).total_seconds()


async def main(args: argparse.Namespace) -> int:
    url = create_test_database()
    workdir = Path(tempfile.mkdtemp(prefix="schedops-chaos-"))
    jobs_file = workdir / "jobs.yml"
    interval = timedelta(seconds=args.interval)
    write_jobs(jobs_file, workdir, args.jobs, args.interval)
    tally, stop = SlackTally(), asyncio.Event()
    kills: list[tuple[float, float]] = []  # (seconds to a new leader, old leader's last fire to new's first)
    frozen_fired: list[str] = []
    try:
        async with FakeSlack() as slack:
            env = {
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_APP_TOKEN": slack.app_token,
                "SLACK_API_URL": slack.api_url,
            }
            cluster = Cluster(url, workdir, jobs_file, extra_env=env)
            for number in range(args.replicas):
                cluster.start(cluster.add(f"replica{number}"))
                if number == 0:
                    await cluster.wait_leader(timeout=30)
            await asyncio.sleep(5)
            load = asyncio.create_task(slack_load(slack, tally, stop))
            started = time.monotonic()
            for round_number in range(args.kills):
                await asyncio.sleep(args.kill_every)
                leader = await cluster.wait_leader(timeout=30)
                kill_at, killed = datetime.now(UTC), time.monotonic()
                cluster.signal(leader, signal.SIGKILL)
                seconds = await first_other_leader(cluster, leader, killed)
                await asyncio.sleep(1)
                cluster.start(leader)
                await asyncio.sleep(max(0.0, args.interval + 1 - (time.monotonic() - killed)))
                kills.append((seconds, await fire_gap(url, kill_at)))
                print(
                    f"kill {round_number + 1}: new leader after {seconds:.2f}s, fire gap {kills[-1][1]:.2f}s",
                    flush=True,
                )
            await asyncio.sleep(args.kill_every)
            leader = await cluster.wait_leader(timeout=30)
            frozen_at = time.monotonic()
            cluster.signal(leader, signal.SIGSTOP)
            freeze_takeover = await first_other_leader(cluster, leader, frozen_at)
            await asyncio.sleep(max(0.0, args.freeze - (time.monotonic() - frozen_at)))
            resumed = datetime.now(UTC)
            cluster.signal(leader, signal.SIGCONT)
            print(f"freeze: new leader after {freeze_takeover:.2f}s; resumed after {args.freeze}s", flush=True)
            await asyncio.sleep(args.interval * 3)
            frozen_fired = fires_started_after(leader.log, resumed)
            until = datetime.now(UTC) - interval
            elapsed = time.monotonic() - started
            stop.set()
            await load
            cluster.stop_all()
        audit = await audit_fires(url, workdir, interval, until)
        lateness = fire_gap.lateness  # type: ignore[attr-defined]
    finally:
        drop_test_database(url)
    report(args, audit, kills, freeze_takeover, frozen_fired, tally, lateness, elapsed)
    ok = audit.doubled == 0 and audit.lost == 0 and not frozen_fired
    return 0 if ok else 1


def report(args, audit, kills, freeze_takeover, frozen_fired, tally, lateness, elapsed) -> None:  # type: ignore[no-untyped-def]
    to_leader = [seconds for seconds, _gap in kills]
    gaps = [gap for _seconds, gap in kills]
    print()
    print(f"{args.replicas} replicas, {args.jobs} jobs every {args.interval}s, {elapsed:.0f}s of chaos")
    print(f"fires recorded: {audit.fires}; ran {audit.ran}; recorded missed {audit.missed} {audit.missed_reasons}")
    print(f"fires run twice: {audit.doubled}; fires lost: {audit.lost} {audit.lost_examples}")
    print(
        f"SIGKILL x{len(kills)}: kill -> new leader p50 {statistics.median(to_leader):.2f}s max {max(to_leader):.2f}s; "
        f"old leader's last fire -> new leader's first p50 {statistics.median(gaps):.2f}s max {max(gaps):.2f}s"
    )
    print(f"SIGSTOP {args.freeze}s: new leader after {freeze_takeover:.2f}s; resumed leader fired {len(frozen_fired)}")
    if lateness:
        p50 = lateness[len(lateness) // 2]
        p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
        print(f"fire lateness (started - due): p50 {p50} ms, p99 {p99} ms, max {lateness[-1]} ms")
    reply = sorted(tally.reply_ms)
    p50_reply = reply[len(reply) // 2] if reply else float("nan")
    slowest = max(reply or [0.0])
    print(
        f"Slack /jobs: {tally.answered}/{tally.sent} answered in 5s; reply p50 {p50_reply:.0f} ms, max {slowest:.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--kill-every", type=float, default=20)
    parser.add_argument("--freeze", type=float, default=15)
    parser.add_argument("--quick", action="store_true")
    parsed = parser.parse_args()
    if parsed.quick:
        parsed.jobs, parsed.kills, parsed.freeze, parsed.kill_every = 20, 2, 10, 12
    sys.exit(asyncio.run(main(parsed)))
