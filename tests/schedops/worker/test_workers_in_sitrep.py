"""Workers in the sitrep with real `schedops worker` processes on Redis and RabbitMQ: what each runs now and
how far it got, and a queue no worker consumes (degraded, alerted once in Slack, cleared when a worker comes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from application import reads
from bot.views.sitrep import sitrep_message
from bot.workflows.queue_alerts import QueueAlerts
from core.clock import utc_now
from core.config import Settings, load_settings
from core.engine import Engine
from core.events import EventBus, QueueRecovered, QueueStalled
from core.execution.queue_watch import QueueWatch
from core.executors.defaults import default_executors
from core.runs import RunStatus
from core.sitrep.model import ReasonCode, Sitrep
from core.storage.database import Database
from core.storage.runs_store import RunStore
from core.storage.workers_store import WorkerStore
from sandbox.fake_slack import OPS_CHANNEL, FakeSlack
from schedops.worker.celery_app import make_celery_app
from schedops.worker.dispatch import CeleryDispatch
from tests.bot.views.checks import all_text
from tests.core.engine.conftest import Recorder
from tests.support.brokers import fresh_queue, schedops_worker
from tests.support.eventually import eventually
from tests.support.worker_runs import WAIT, claimed_by, job

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]
# Short for the test; schedops' own bound is core.execution.workers.WAIT_BOUND (30s).
WAIT_BOUND = timedelta(seconds=1)


@dataclass
class Leader:
    engine: Engine
    watch: QueueWatch
    events: Recorder
    settings: Settings
    slack: FakeSlack

    async def sitrep(self) -> Sitrep:
        now = utc_now()
        return await reads.sitrep(self.engine.db, self.settings, now=now, scheduler_running=True, wait_bound=WAIT_BOUND)


@pytest.fixture
async def leader(db: Database, broker_url: str) -> AsyncIterator[Leader]:
    """A leader dispatching through the broker, its queue check every 0.2s, alerts going to FakeSlack's #ops."""
    settings = load_settings(
        {"DATABASE_URL": db.url, "SCHEDOPS_EXECUTION": "celery", "SCHEDOPS_BROKER_URL": broker_url}, env_file=None
    )
    async with FakeSlack() as slack:
        events = EventBus()
        watch = QueueWatch(db, events, clock=utc_now, wait_bound=WAIT_BOUND, every=timedelta(seconds=0.2))
        dispatch = CeleryDispatch(make_celery_app(broker_url), RunStore(db), poll_seconds=0.05, queues=watch)
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        QueueAlerts(db, client, channel=OPS_CHANNEL, clock=utc_now).subscribe(events)
        recorder = Recorder(events)
        executors = default_executors()
        engine = Engine(db, executors=executors, events=events, dispatch=dispatch)
        await engine.start()
        try:
            yield Leader(engine, watch, recorder, settings, slack)
        finally:
            await engine.shutdown(grace=timedelta(seconds=2))
            await executors.aclose()


async def registered(db: Database, name: str) -> bool:
    return any(worker.name == name and worker.online(utc_now()) for worker in await WorkerStore(db).view(now=utc_now()))


async def test_the_sitrep_shows_what_each_worker_runs_and_how_far_it_got(
    db: Database, leader: Leader, broker_url: str, tmp_path: Path
) -> None:
    queue, gate = fresh_queue(), tmp_path / "gate"
    kwargs = {"gate": str(gate), "label": "s3cr3t-token"}
    await leader.engine.add_job(
        job("backup-db", queue, kind="python", target="tests.support.tasks:report_progress", kwargs=kwargs), actor=None
    )
    with schedops_worker(database_url=db.url, broker_url=broker_url, queues=[queue], workdir=tmp_path) as worker:
        await eventually(lambda: registered(db, worker.hostname), within=WAIT)
        idle = await leader.sitrep()
        assert idle.workers is not None
        [line] = [w for w in idle.workers.workers if w.name == worker.hostname]
        assert line.online and line.running == [] and line.queues == [queue]
        assert "idle" in all_text(sitrep_message(idle))

        handle = await leader.engine.run_now("backup-db", actor=None)

        async def reporting() -> Sitrep | None:
            sitrep = await leader.sitrep()
            assert sitrep.workers is not None
            runs = [run for w in sitrep.workers.workers if w.name == worker.hostname for run in w.running]
            return sitrep if runs and runs[0].progress == 0.4 else None

        shown = await eventually(reporting, within=WAIT, every=0.2)
        assert shown.workers is not None
        [run] = next(w for w in shown.workers.workers if w.name == worker.hostname).running
        assert (run.job_id, run.worker, run.progress_text) == (
            "backup-db",
            worker.hostname,
            "copying table 3/7 [hidden]",
        )
        text = all_text(sitrep_message(shown))
        assert "*backup-db* run" in text and "40% copying table 3/7 [hidden]" in text
        assert "s3cr3t" not in text
        gate.touch()
        done = await asyncio.wait_for(handle.wait(), WAIT)
    assert done.status is RunStatus.SUCCEEDED, worker.output()
    assert await claimed_by(db, done.id) == worker.hostname


async def test_a_queue_without_a_worker_is_degraded_and_alerted_once_until_a_worker_takes_its_runs(
    db: Database, leader: Leader, broker_url: str, tmp_path: Path
) -> None:
    served, orphan = fresh_queue(), fresh_queue()
    await leader.engine.add_job(job("fine", served, kind="shell", command="true"), actor=None)
    await leader.engine.add_job(job("stranded", orphan, kind="shell", command="echo taken"), actor=None)
    with schedops_worker(
        database_url=db.url, broker_url=broker_url, queues=[served], workdir=tmp_path, name="a"
    ) as worker:
        await eventually(lambda: registered(db, worker.hostname), within=WAIT)
        handle = await leader.engine.run_now("fine", actor=None)
        assert (await asyncio.wait_for(handle.wait(), WAIT)).status is RunStatus.SUCCEEDED
        stranded = await leader.engine.run_now("stranded", actor=None)

        async def degraded() -> Sitrep | None:
            sitrep = await leader.sitrep()
            return sitrep if any(r.code is ReasonCode.QUEUE_UNSERVED for r in sitrep.health.reasons) else None

        sitrep = await eventually(degraded, within=WAIT, every=0.2)
        assert sitrep.health.level == "degraded"
        [reason] = [r for r in sitrep.health.reasons if r.code is ReasonCode.QUEUE_UNSERVED]
        assert reason.text.startswith(f"Queue {orphan} has 1 run waiting for ")
        assert reason.text.endswith(": no online worker consumes it.")
        assert served not in " ".join(r.text for r in sitrep.health.reasons)
        [alert] = await leader.slack.wait_for(lambda: leader.slack.messages(OPS_CHANNEL), timeout=WAIT)
        assert f"Queue `{orphan}` has no worker" in all_text({"blocks": alert.blocks}) and "1 run waits" in alert.text
        # The check keeps finding the queue stalled (it runs every 0.2s, and here by hand): no second alert.
        assert [wait.queue for wait in await leader.watch.check()] == [orphan]
        await leader.engine.events.drain()
        assert [event.queue for event in leader.events.of(QueueStalled)] == [orphan]
        assert len(leader.slack.calls("chat.postMessage")) == 1

        with schedops_worker(
            database_url=db.url, broker_url=broker_url, queues=[orphan], workdir=tmp_path, name="b"
        ) as rescuer:
            run = await asyncio.wait_for(stranded.wait(), WAIT)
            assert run.status is RunStatus.SUCCEEDED, rescuer.output()
            assert await claimed_by(db, run.id) == rescuer.hostname
            await eventually(lambda: leader.events.of(QueueRecovered), within=WAIT)
            cleared = await leader.slack.wait_for(
                lambda: "served again" in leader.slack.messages(OPS_CHANNEL)[0].text, timeout=WAIT
            )
            assert cleared
    after = await leader.sitrep()
    assert not any(r.code is ReasonCode.QUEUE_UNSERVED for r in after.health.reasons)
    assert [event.queue for event in leader.events.of(QueueRecovered)] == [orphan]
    assert len(leader.slack.messages(OPS_CHANNEL)) == 1 and len(leader.slack.calls("chat.postMessage")) == 1
