from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from core.events import RunFailed, RunRecovered, RunSkipped, RunStarted, RunSucceeded
from core.runs import ErrorClass, RunStatus, RunTrigger
from tests.core.engine.conftest import EngineFactory, Recorder, job
from tests.support.eventually import eventually

pytestmark = pytest.mark.slow

HOLD = "tests.support.tasks:hold"


async def test_it_records_the_run_before_the_job_starts(make_engine: EngineFactory, tmp_path: Path) -> None:
    engine = make_engine()
    await engine.start()
    gate = tmp_path / "gate"  # the job runs until the test opens it: still running when read back
    await engine.add_job(job("slow", target=HOLD, kwargs={"gate": str(gate)}), actor="U_ALICE")

    handle = await engine.run_now("slow", actor="U_ALICE")

    stored = await engine.runs.get(handle.run.id)
    assert stored.status is RunStatus.RUNNING
    assert stored.started_at is not None and stored.requested_by == "U_ALICE"
    assert stored.trigger is RunTrigger.MANUAL
    await asyncio.sleep(0.3)
    gate.touch()
    final = await handle.wait()
    assert final.status is RunStatus.SUCCEEDED
    assert final.result == {"released": True}
    assert final.duration is not None and final.duration >= timedelta(seconds=0.3)


async def test_it_skips_an_overlapping_run_and_records_it(make_engine: EngineFactory, tmp_path: Path) -> None:
    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()
    gate = tmp_path / "gate"
    await engine.add_job(job("slow", target=HOLD, kwargs={"gate": str(gate)}), actor=None)

    first, second = await asyncio.gather(engine.run_now("slow", actor="U_ALICE"), engine.run_now("slow", actor="U_BOB"))

    assert sorted([first.run.status, second.run.status]) == [RunStatus.RUNNING, RunStatus.SKIPPED]
    skipped = first.run if first.run.status is RunStatus.SKIPPED else second.run
    assert "still running" in (skipped.error_message or "")
    gate.touch()
    await first.wait(), await second.wait()
    history = await engine.runs.recent("slow")
    assert [run.status for run in history].count(RunStatus.SUCCEEDED) == 1
    await engine.events.drain()
    assert len(recorder.of(RunSkipped)) == 1 and len(recorder.of(RunStarted)) == 1


async def test_it_allows_parallel_runs_up_to_max_instances(make_engine: EngineFactory, tmp_path: Path) -> None:
    engine = make_engine()
    await engine.start()
    gate = tmp_path / "gate"  # the first two are still running at the third request
    await engine.add_job(job("wide", target=HOLD, kwargs={"gate": str(gate)}, max_instances=2), actor=None)

    handles = [await engine.run_now("wide", actor=None) for _ in range(3)]

    assert [h.run.status for h in handles] == [RunStatus.RUNNING, RunStatus.RUNNING, RunStatus.SKIPPED]
    gate.touch()
    finals = await asyncio.gather(*(h.wait() for h in handles))
    assert [run.status for run in finals] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SKIPPED]


async def test_it_keeps_the_error_of_a_failed_run_and_announces_it_as_final(make_engine: EngineFactory) -> None:
    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()
    await engine.add_job(job("broken", target="tests.support.tasks:boom", kwargs={}), actor=None)

    final = await (await engine.run_now("broken", actor=None)).wait()

    assert final.status is RunStatus.FAILED
    assert final.error_message is not None and "RuntimeError: it broke" in final.error_message
    await engine.events.drain()
    [failed] = recorder.of(RunFailed)
    assert failed.final and failed.run.id == final.id


async def test_it_retries_a_scheduled_failure_with_exponential_backoff(make_engine: EngineFactory) -> None:
    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()
    soon = (engine.clock() + timedelta(seconds=1)).isoformat()
    spec = job(
        "flaky",
        target="tests.support.tasks:boom",
        kwargs={},
        schedule={"at": soon},
        retries={"max": 2, "backoff": 0.2},
    )
    await engine.add_job(spec, actor=None)

    await eventually(lambda: len(recorder.of(RunFailed)) == 3)

    runs = list(reversed(await engine.runs.recent("flaky")))
    assert [(r.trigger, r.attempt) for r in runs] == [
        (RunTrigger.SCHEDULE, 1),
        (RunTrigger.RETRY, 2),
        (RunTrigger.RETRY, 3),
    ]
    assert runs[1].retry_of == runs[0].id and runs[2].retry_of == runs[1].id
    assert all(r.retry_at is None for r in runs)
    gaps = [b.started_at - a.finished_at for a, b in itertools.pairwise(runs)]  # type: ignore[operator]
    assert gaps[0] >= timedelta(seconds=0.2) and gaps[1] >= timedelta(seconds=0.4)
    assert [event.final for event in recorder.of(RunFailed)] == [False, False, True]


async def test_it_does_not_retry_a_permanent_failure(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    soon = (engine.clock() + timedelta(seconds=1)).isoformat()
    spec = job(
        "missing",
        target="tests.support.no_such_module:run",
        kwargs={},
        schedule={"at": soon},
        retries={"max": 3, "backoff": 0.05},
    )
    await engine.add_job(spec, actor=None)

    async def finished() -> bool:
        runs = await engine.runs.recent("missing")
        return bool(runs) and runs[0].status.is_finished

    await eventually(finished, within=15)
    await asyncio.sleep(0.3)  # a retry, were one wrongly owed, would start within this (backoff 0.05 s)

    runs = await engine.runs.recent("missing")
    assert len(runs) == 1
    assert runs[0].error_class is ErrorClass.PERMANENT and runs[0].retry_at is None


async def test_it_announces_recovery_after_failures(make_engine: EngineFactory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    recorder = Recorder(engine.events)
    await engine.start()
    counter = str(tmp_path / "calls")
    spec = job("flapping", target="tests.support.tasks:fail_until", kwargs={"counter": counter, "failures": 2})
    await engine.add_job(spec, actor=None)

    statuses = [(await (await engine.run_now("flapping", actor=None)).wait()).status for _ in range(3)]

    assert statuses == [RunStatus.FAILED, RunStatus.FAILED, RunStatus.SUCCEEDED]
    await engine.events.drain()
    [recovered] = recorder.of(RunRecovered)
    assert recovered.failures == 2
    assert len(recorder.of(RunSucceeded)) == 1
