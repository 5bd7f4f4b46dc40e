"""Executing plans through the real engine, running real shell jobs."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import utc_now
from core.engine import Engine
from core.events import RunFailed, RunStarted
from core.executors.base import Executors
from core.executors.shell import ShellExecutor
from core.fixit import (
    FixitExecutionError,
    FixitMode,
    FixitPlan,
    ItemOutcome,
    ItemResult,
    PlanAlreadyExecutedError,
    PlanStatus,
    PlanStore,
    describe_result,
    execute_plan,
    plan_fixit,
)
from core.runs import ErrorClass, RunRecord, RunStatus, RunTrigger
from core.storage.database import Database
from tests.core.fixit.conftest import History
from tests.support.clock import ManualClock

pytestmark = pytest.mark.slow

TINY = timedelta(milliseconds=50)


@pytest.fixture
def clock() -> ManualClock:
    # The engine stamps runs with the real time; history is written relative to it.
    return ManualClock(utc_now())


@pytest.fixture
async def engine(db: Database) -> AsyncIterator[Engine]:
    engine = Engine(db, executors=Executors({"shell": ShellExecutor(kill_grace=0.5)}))
    await engine.start()
    yield engine
    await engine.shutdown(grace=timedelta(seconds=2))


async def failing(history: History, job_id: str, command: str, error_class: ErrorClass = ErrorClass.TRANSIENT) -> None:
    await history.job(job_id, command)
    await history.run(job_id, RunStatus.FAILED, error_class=error_class, message="connection reset")


async def saved_plan(db: Database, mode: FixitMode = FixitMode.BALANCED, **options: object) -> FixitPlan:
    plan = await plan_fixit(db, mode=mode, now=utc_now(), requested_by="alice", **options)  # type: ignore[arg-type]
    await PlanStore(db).save_plan(plan)
    return plan


async def fixit_runs(history: History, job_id: str) -> list[RunRecord]:
    runs = await history.runs.recent(job_id, limit=100)
    return sorted((run for run in runs if run.trigger is RunTrigger.FIXIT), key=lambda run: run.id)


async def test_it_recovers_what_it_can_and_stores_the_result(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "fixed", "true")
    await failing(history, "hopeless", "echo nope; exit 4")
    await failing(history, "on-hold", "true")
    await history.jobs.set_paused("on-hold", True, actor="bob", now=history.clock())
    plan = await saved_plan(db, max_retries=2)

    result = await execute_plan(db, plan.id, engine, clock=utc_now, backoff=TINY, actor="carol")

    assert [(done.job_id, done.attempts) for done in result.recovered] == [("fixed", 1)]
    assert [(done.job_id, done.attempts) for done in result.still_failing] == [("hopeless", 2)]
    assert result.still_failing[0].reason.startswith("still failing after 2 attempts: ")
    assert "4" in result.still_failing[0].reason  # the exit code, in the shell executor's words
    assert [(done.job_id, done.reason) for done in result.skipped] == [("on-hold", "paused by bob")]
    stored = await PlanStore(db).get_plan(plan.id)
    assert (stored.status, stored.result) == (PlanStatus.EXECUTED, result)
    assert stored.started_at is not None and stored.finished_at is not None
    assert await fixit_runs(history, "on-hold") == []


async def test_its_runs_are_marked_as_fixit_runs_of_the_plan(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "fixed", "true")
    plan = await saved_plan(db)

    result = await execute_plan(db, plan.id, engine, clock=utc_now, actor="carol")

    [run] = await fixit_runs(history, "fixed")
    assert (run.fixit_plan_id, run.requested_by, run.status) == (plan.id, "carol", RunStatus.SUCCEEDED)
    assert result.recovered[0].run_ids == (run.id,)


async def test_a_plan_executes_exactly_once(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "hopeless", "exit 1")
    await failing(history, "fixed", "true")
    plan = await saved_plan(db, max_retries=2)

    outcomes = await asyncio.gather(
        execute_plan(db, plan.id, engine, clock=utc_now, backoff=TINY),
        execute_plan(db, plan.id, engine, clock=utc_now, backoff=TINY),
        return_exceptions=True,
    )

    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], PlanAlreadyExecutedError)
    assert errors[0].status is PlanStatus.EXECUTING
    assert len(await fixit_runs(history, "hopeless")) == 2
    assert len(await fixit_runs(history, "fixed")) == 1
    with pytest.raises(PlanAlreadyExecutedError, match="already executed"):
        await execute_plan(db, plan.id, engine, clock=utc_now)


@pytest.mark.parametrize(
    ("mode", "limit"), [(FixitMode.CONSERVATIVE, 1), (FixitMode.BALANCED, 2), (FixitMode.GREEDY, 4)]
)
async def test_it_runs_no_more_jobs_at_once_than_the_mode_allows(
    db: Database, history: History, engine: Engine, tmp_path: Path, mode: FixitMode, limit: int
) -> None:
    log = tmp_path / "overlap.log"
    for index in range(6):
        await failing(history, f"job-{index}", f"echo + >> {log}; sleep 0.3; echo - >> {log}; exit 0")
    plan = await saved_plan(db, mode)

    result = await execute_plan(db, plan.id, engine, clock=utc_now)

    assert len(result.recovered) == 6
    running, most = 0, 0
    for line in log.read_text().split():
        running += 1 if line == "+" else -1
        most = max(most, running)
    assert most == limit


async def test_it_backs_off_exponentially_between_attempts(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "hopeless", "exit 1")
    plan = await saved_plan(db, max_retries=3)
    backoff = timedelta(milliseconds=200)

    result = await execute_plan(db, plan.id, engine, clock=utc_now, backoff=backoff)

    runs = await fixit_runs(history, "hopeless")
    assert [run.id for run in runs] == list(result.still_failing[0].run_ids)
    gaps = [later.created_at - earlier.finished_at for earlier, later in itertools.pairwise(runs)]  # type: ignore[operator]
    assert len(runs) == 3
    assert gaps[0] >= backoff and gaps[1] >= 2 * backoff


async def test_it_stops_retrying_once_the_job_recovers(
    db: Database, history: History, engine: Engine, tmp_path: Path
) -> None:
    counter = tmp_path / "calls"
    flaky = f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; [ $n -ge 2 ]"
    await failing(history, "flaky", flaky)
    plan = await saved_plan(db, max_retries=5)

    result = await execute_plan(db, plan.id, engine, clock=utc_now, backoff=TINY)

    [done] = result.recovered
    assert (done.attempts, done.reason, done.last_status) == (2, "succeeded on attempt 2", RunStatus.SUCCEEDED)
    assert len(await fixit_runs(history, "flaky")) == 2


async def test_conservative_mode_tries_once(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "hopeless", "exit 1")
    plan = await saved_plan(db, FixitMode.CONSERVATIVE, max_retries=3)

    result = await execute_plan(db, plan.id, engine, clock=utc_now, backoff=TINY)

    assert result.still_failing[0].attempts == 1
    assert len(await fixit_runs(history, "hopeless")) == 1


async def test_it_reports_each_item_as_it_finishes(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "quick", "true")
    await failing(history, "slow", "sleep 0.3")
    await failing(history, "on-hold", "true")
    await history.jobs.set_paused("on-hold", True, actor="bob", now=history.clock())
    plan = await saved_plan(db)
    heard: list[ItemResult] = []

    async def progress(done: ItemResult) -> None:
        heard.append(done)

    result = await execute_plan(db, plan.id, engine, clock=utc_now, on_progress=progress)

    assert [done.job_id for done in heard] == ["quick", "slow"]  # the plan's own skips were announced with it
    assert set(heard) == set(result.recovered)


async def test_a_failing_progress_callback_is_logged_and_changes_nothing(
    db: Database, history: History, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    await failing(history, "one", "true")
    await failing(history, "two", "true")
    plan = await saved_plan(db)

    async def broken(done: ItemResult) -> None:
        raise RuntimeError("Slack is down")

    result = await execute_plan(db, plan.id, engine, clock=utc_now, on_progress=broken)

    assert [done.job_id for done in result.recovered] == ["one", "two"]
    assert caplog.text.count("fix-it progress callback failed") == 2
    assert (await PlanStore(db).get_plan(plan.id)).status is PlanStatus.EXECUTED


async def test_a_job_paused_after_planning_is_skipped(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "nightly", "true")
    plan = await saved_plan(db)
    await engine.pause_job("nightly", actor="bob")

    result = await execute_plan(db, plan.id, engine, clock=utc_now)

    assert [(done.job_id, done.outcome, done.reason) for done in result.skipped] == [
        ("nightly", ItemOutcome.SKIPPED, "paused by bob since the plan was made")
    ]
    assert await fixit_runs(history, "nightly") == []


async def test_a_job_paused_between_attempts_gets_no_more(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "hopeless", "exit 1")
    plan = await saved_plan(db, max_retries=3)

    first_failure = asyncio.Event()

    async def on_failed(event: RunFailed) -> None:
        first_failure.set()

    engine.events.subscribe(RunFailed, on_failed)

    async def pause_after_first_run() -> None:
        await first_failure.wait()
        await engine.pause_job("hopeless", actor="bob")

    # The pause must land before the second attempt: 0.3 s of back-off was not always enough for the event and
    # the pause's transaction with four test processes on two cores.
    result, _ = await asyncio.gather(
        execute_plan(db, plan.id, engine, clock=utc_now, backoff=timedelta(seconds=2)),
        pause_after_first_run(),
    )

    [done] = result.still_failing
    assert done.attempts == 1
    assert done.reason.startswith("still failing after 1 attempt: ")
    assert done.reason.endswith("; then paused by bob since the plan was made")


async def test_a_job_removed_after_planning_is_skipped(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "gone", "true")
    plan = await saved_plan(db)
    await engine.remove_job("gone", actor="bob")

    result = await execute_plan(db, plan.id, engine, clock=utc_now)

    assert [(done.job_id, done.reason) for done in result.skipped] == [("gone", "removed since the plan was made")]


async def test_a_crash_marks_the_plan_failed(db: Database, history: History, tmp_path: Path) -> None:
    await failing(history, "fixed", "true")
    plan = await saved_plan(db)
    # An engine on a database that was never migrated: its run_now fails for real.
    elsewhere = Database(f"sqlite+aiosqlite:///{tmp_path}/unmigrated.db")
    try:
        broken_engine = Engine(elsewhere, executors=Executors({"shell": ShellExecutor()}))
        with pytest.raises(FixitExecutionError, match="OperationalError"):
            await execute_plan(db, plan.id, broken_engine, clock=utc_now)
    finally:
        await elsewhere.close()

    stored = await PlanStore(db).get_plan(plan.id)
    assert stored.status is PlanStatus.FAILED and stored.finished_at is not None
    assert stored.result is not None and "OperationalError" in (stored.result.error or "")
    assert await fixit_runs(history, "fixed") == []


async def test_a_cancelled_execution_marks_the_plan_failed(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "long", "sleep 1")
    plan = await saved_plan(db)
    started = asyncio.Event()

    async def on_started(event: RunStarted) -> None:
        started.set()

    engine.events.subscribe(RunStarted, on_started)
    execution = asyncio.create_task(execute_plan(db, plan.id, engine, clock=utc_now))
    await started.wait()
    execution.cancel()

    with pytest.raises(asyncio.CancelledError):
        await execution
    stored = await PlanStore(db).get_plan(plan.id)
    assert stored.status is PlanStatus.FAILED
    assert stored.result is not None and stored.result.error == "cancelled"


async def test_describe_result_reads_as_a_report(db: Database, history: History, engine: Engine) -> None:
    await failing(history, "fixed", "true")
    await failing(history, "hopeless", "exit 1")
    await failing(history, "permanent", "true", ErrorClass.PERMANENT)
    plan = await saved_plan(db, max_retries=1)

    text = describe_result(await execute_plan(db, plan.id, engine, clock=utc_now))

    assert text.splitlines()[0] == f"Fix-it plan {plan.id}: 1 recovered, 1 still failing, 1 skipped"
    assert "Recovered:\n  - fixed: succeeded on attempt 1" in text
    assert "  - permanent: permanent failure, not retried in balanced mode: connection reset" in text
