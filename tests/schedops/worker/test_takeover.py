"""A leader that stops, and the leader that starts after it, while runs are on workers: the worker owns its run,
the stopping leader only stops following it, and the new leader adopts it (follows it to its end and announces
it, or declares its silent worker lost), so nothing is cut off and nothing runs twice."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.clock import utc_now
from core.engine import Engine
from core.events import Event, EventBus, RunFailed, RunRecovered, RunSkipped, RunSucceeded
from core.execution.following import LEADER_CLAIM
from core.executors.defaults import default_executors
from core.runs import ErrorClass, RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import RunStore
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import LEADER_STOPPED, CeleryDispatch
from tests.support.brokers import fresh_queue, schedops_worker
from tests.support.eventually import eventually
from tests.support.worker_runs import WAIT, claimed_by, job

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]
LOST_AFTER = timedelta(seconds=3)


class Leader:
    """A started engine that dispatches to workers, with every event it published."""

    def __init__(self, db: Database, broker_url: str) -> None:
        self.app = make_celery_app(broker_url)
        self.events: list[Event] = []
        bus = EventBus()
        bus.subscribe(Event, self._collect)
        self.executors = default_executors()
        dispatch = CeleryDispatch(self.app, RunStore(db), poll_seconds=0.05, lost_after=LOST_AFTER)
        self.engine = Engine(db, executors=self.executors, events=bus, dispatch=dispatch)

    @classmethod
    async def start(cls, db: Database, broker_url: str) -> Leader:
        leader = cls(db, broker_url)
        await leader.engine.start()
        return leader

    async def stop(self) -> None:
        await self.engine.shutdown()
        await self.executors.aclose()

    async def _collect(self, event: Event) -> None:
        self.events.append(event)

    def announced(self, kind: type[Event], run_id: int | None = None) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and (run_id is None or e.run.id == run_id)]  # type: ignore[attr-defined]

    def queued(self, queue: str) -> int:
        """Messages waiting in ``queue`` on the broker (0 before anything was sent to it)."""
        try:
            with self.app.connection_for_write() as connection:
                return int(connection.default_channel.queue_declare(queue, passive=True).message_count)
        except Exception:  # the queue is declared by the first send to it
            return 0


async def row(db: Database, run_id: int) -> RunRecord:
    return await RunStore(db).get(run_id)


@pytest.mark.parametrize("let_go", ["shutdown", "stand_down"])
async def test_a_new_leader_follows_a_run_a_worker_is_executing_and_announces_its_end(
    db: Database, broker_url: str, tmp_path: Path, let_go: str
) -> None:
    queue, ledger, go = fresh_queue(), tmp_path / "ledger", tmp_path / "go"
    # Each attempt records its start and waits for the go; the first then fails, its retry succeeds.
    command = (
        f"echo start >> {ledger}; while [ ! -e {go} ]; do sleep 0.05; done; "
        f"if [ -e {tmp_path}/failed ]; then echo retried; exit 0; fi; touch {tmp_path}/failed; exit 3"
    )
    spec = job("report", queue, kind="shell", command=command, retries={"max": 1, "backoff": "1s"})
    old = await Leader.start(db, broker_url)
    new: Leader | None = None
    try:
        with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
            await old.engine.add_job(spec, actor=None)
            handle = await old.engine.run_now("report", actor=None, trigger=RunTrigger.SCHEDULE)
            first = handle.run.id
            # The file exists once the shell opens it, a moment before "start" is written: wait for the line.
            await eventually(lambda: ledger.exists() and ledger.read_text() == "start\n", within=WAIT)
            # A restart (shutdown) or a failover (stand_down): the old leader lets go of the run, and only that.
            await (old.stop() if let_go == "shutdown" else old.engine.stand_down())
            assert (await asyncio.wait_for(handle.wait(), WAIT)).status is RunStatus.RUNNING
            assert (await row(db, first)).status is RunStatus.RUNNING
            assert await claimed_by(db, first) == worker.hostname
            assert ledger.read_text() == "start\n"  # and it is still waiting for the go on its worker

            new = await Leader.start(db, broker_url)
            # max_instances (1) counts the adopted run: a second one is skipped, not started.
            extra = await new.engine.run_now("report", actor=None)
            assert extra.run.status is RunStatus.SKIPPED
            assert extra.run.error_message == "skipped: 1 run(s) of this job still running (max_instances 1)"

            go.touch()
            (failed,) = await eventually(lambda: new.announced(RunFailed, first), within=WAIT)
            assert failed.run.status is RunStatus.FAILED
            assert failed.run.exit_code == 3
            assert failed.final is False  # the new leader applies the job's retry policy, as if it had sent it
            (succeeded,) = await eventually(lambda: new.announced(RunSucceeded), within=WAIT)
            (recovered,) = await eventually(lambda: new.announced(RunRecovered), within=WAIT)
        assert succeeded.run.retry_of == first
        assert succeeded.run.output_tail == "retried\n"
        assert recovered.failures == 1
        assert ledger.read_text() == "start\nstart\n"  # the run once (not cut off, not restarted), its retry once
        assert old.announced(RunFailed) == old.announced(RunSucceeded) == []  # the old leader announced nothing
    finally:
        if let_go == "stand_down":
            await old.stop()
        if new is not None:
            await new.stop()


async def test_a_run_that_ended_while_no_leader_followed_it_is_announced_once_by_replicas_starting_together(
    db: Database, broker_url: str, tmp_path: Path
) -> None:
    queue, ledger, go = fresh_queue(), tmp_path / "ledger", tmp_path / "go"
    # The first attempt waits for the go and fails; its retry succeeds.
    command = (
        f"echo start >> {ledger}; while [ ! -e {go} ]; do sleep 0.05; done; "
        f"if [ -e {tmp_path}/failed ]; then echo retried; exit 0; fi; touch {tmp_path}/failed; exit 3"
    )
    spec = job("report", queue, kind="shell", command=command, retries={"max": 1, "backoff": "1s"})
    old = await Leader.start(db, broker_url)
    leaders: list[Leader] = []
    try:
        with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path):
            await old.engine.add_job(spec, actor=None)
            first = (await old.engine.run_now("report", actor=None, trigger=RunTrigger.SCHEDULE)).run.id
            await eventually(lambda: ledger.exists(), within=WAIT)
            await old.stop()
            go.touch()  # the run ends on its worker while no leader follows it

            async def ended() -> RunRecord | None:
                run = await row(db, first)
                return run if run.status.is_finished else None

            assert (await eventually(ended, within=WAIT)).status is RunStatus.FAILED
            # Two replicas start at once; both look for ends nobody announced, one claims each.
            leaders = list(await asyncio.gather(Leader.start(db, broker_url), Leader.start(db, broker_url)))

            def announced(kind: type[Event], run_id: int | None = None) -> list[Any]:
                return [event for leader in leaders for event in leader.announced(kind, run_id)]

            (succeeded,) = await eventually(lambda: announced(RunSucceeded), within=WAIT)
        (failed,) = announced(RunFailed, first)
        assert failed.run.exit_code == 3
        assert failed.final is False  # retried per the job's policy, as if the announcing leader had sent it
        assert succeeded.run.retry_of == first
        assert ledger.read_text() == "start\nstart\n"  # the run once, its retry once
        assert len(await RunStore(db).recent("report")) == 2
        assert old.announced(RunFailed) == []
    finally:
        for leader in leaders:
            await leader.stop()
    assert [len(announced(kind)) for kind in (RunFailed, RunSucceeded)] == [1, 1]  # and nothing more after


async def test_a_run_whose_worker_died_while_no_leader_followed_it_is_interrupted_and_retried_once(
    db: Database, broker_url: str, tmp_path: Path
) -> None:
    queue, ledger, child = fresh_queue(), tmp_path / "ledger", tmp_path / "child"
    command = (
        f"echo start >> {ledger}; if [ -e {tmp_path}/first ]; then echo retried; exit 0; fi; "
        f"touch {tmp_path}/first; sleep 300 & echo $! > {child}; wait"
    )
    spec = job("flaky-host", queue, kind="shell", command=command, retries={"max": 1, "backoff": "1s"})
    old = await Leader.start(db, broker_url)
    new: Leader | None = None
    try:
        await old.engine.add_job(spec, actor=None)
        with schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path, name="a"
        ) as lost:
            handle = await old.engine.run_now("flaky-host", actor=None, trigger=RunTrigger.SCHEDULE)
            await eventually(lambda: child.exists() and child.read_text().strip(), within=WAIT)
            await old.stop()
            os.killpg(lost.process.pid, signal.SIGKILL)  # the worker and its pool, while no leader watches
        assert (await row(db, handle.run.id)).status is RunStatus.RUNNING  # nobody saw it go

        new = await Leader.start(db, broker_url)
        with schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path, name="b"
        ) as spare:
            (failed,) = await eventually(lambda: new.announced(RunFailed, handle.run.id), within=WAIT)
            (succeeded,) = await eventually(lambda: new.announced(RunSucceeded), within=WAIT)
        assert failed.run.status is RunStatus.INTERRUPTED
        assert failed.run.error_class is ErrorClass.TRANSIENT
        assert f"worker {lost.hostname} stopped sending heartbeats" in (failed.run.error_message or "")
        assert failed.final is False
        assert succeeded.run.retry_of == handle.run.id
        assert await claimed_by(db, succeeded.run.id) == spare.hostname
        assert ledger.read_text() == "start\nstart\n"  # the lost attempt once, its retry once
        assert len(await RunStore(db).recent("flaky-host")) == 2
    finally:
        if new is not None:
            await new.stop()
        if child.exists():
            os.kill(int(child.read_text()), signal.SIGKILL)


async def test_runs_no_worker_had_claimed_at_takeover_execute_once(
    db: Database, broker_url: str, tmp_path: Path
) -> None:
    queue, ledger = fresh_queue(), tmp_path / "ledger"
    old = await Leader.start(db, broker_url)
    new: Leader | None = None
    try:
        for name in ("queued", "unsent"):
            await old.engine.add_job(job(name, queue, kind="shell", command=f"echo {name} >> {ledger}"), actor=None)
        # No worker serves the queue yet: this run's message waits in the broker.
        queued = (await old.engine.run_now("queued", actor=None)).run.id
        await eventually(lambda: old.queued(queue) == 1, within=WAIT, every=0.1)
        # The old leader dies between recording a run and sending it: a row, and no message.
        unsent = (
            await RunStore(db).add(
                "unsent", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=utc_now(), queue=queue
            )
        ).id
        await old.stop()

        new = await Leader.start(db, broker_url)
        # Both are sent again under their task ids: the queued run now has two messages, the unsent one its first.
        await eventually(lambda: new.queued(queue) == 3, within=WAIT, every=0.1)
        with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
            ended = await eventually(
                lambda: len(new.announced(RunSucceeded)) == 2 and new.announced(RunSucceeded), within=WAIT
            )
            # The queued run's second delivery finds it claimed and executes nothing.
            await eventually(lambda: "already claimed or ended" in worker.output(), within=WAIT, every=0.1)
            await eventually(lambda: new.queued(queue) == 0, within=WAIT, every=0.1)
        assert sorted(event.run.id for event in ended) == sorted([queued, unsent])
        assert worker.output().count("already claimed or ended") == 1
        assert sorted(ledger.read_text().splitlines()) == ["queued", "unsent"]  # each once
    finally:
        if new is not None:
            await new.stop()


async def test_an_unclaimed_run_of_a_removed_job_is_ended_as_skipped_at_takeover(db: Database, broker_url: str) -> None:
    run = await RunStore(db).add(
        "gone", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=utc_now(), queue=fresh_queue()
    )
    new = await Leader.start(db, broker_url)
    try:
        (skipped,) = await eventually(lambda: new.announced(RunSkipped, run.id), within=WAIT)
    finally:
        await new.stop()
    assert skipped.run.status is RunStatus.SKIPPED
    assert skipped.run.error_message == "job gone was removed before a worker could run it"
    assert new.announced(RunFailed) == []  # no job, so no retry and no failure alert


@pytest.mark.parametrize(
    ("cancelled_by", "status", "error_class", "message"),
    [
        ("cli:alice", RunStatus.INTERRUPTED, ErrorClass.PERMANENT, "cancelled by cli:alice"),
        (None, RunStatus.FAILED, ErrorClass.TRANSIENT, LEADER_STOPPED),
    ],
)
async def test_a_run_a_leader_stopped_in_the_middle_of_ending_is_ended_by_the_next(
    db: Database, broker_url: str, cancelled_by: str | None, status: RunStatus, error_class: ErrorClass, message: str
) -> None:
    queue = fresh_queue()
    runs = RunStore(db)
    run = await runs.add("nightly", trigger=RunTrigger.MANUAL, status=RunStatus.RUNNING, now=utc_now(), queue=queue)
    if cancelled_by is not None:
        await runs.request_cancel(run.id, actor=cancelled_by)
    # The old leader claimed it to end it (cancelled, or refused by the broker) and stopped before writing.
    assert await runs.claim(run.id, worker=LEADER_CLAIM)
    new = Leader(db, broker_url)
    await new.engine.add_job(job("nightly", queue, kind="shell", command="true"), actor=None)
    await new.engine.start()
    try:
        (failed,) = await eventually(lambda: new.announced(RunFailed, run.id), within=WAIT)
    finally:
        await new.stop()
    assert (failed.run.status, failed.run.error_class, failed.run.error_message) == (status, error_class, message)
    assert new.queued(queue) == 0  # never sent to a worker
