from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from core.fixit import FixitAction, FixitJobLookupError, FixitMode, FixitPlan, describe_plan, plan_fixit
from core.runs import ErrorClass, RunStatus
from core.storage.database import Database
from core.storage.jobs_store import JobLookupError
from core.storage.tables import FixitPlanRow
from tests.core.fixit.conftest import History

R, S = FixitAction.RETRY, FixitAction.SKIP
UNKNOWN = ErrorClass.UNKNOWN

# job: (conservative, balanced, greedy), each (action, attempts) with max_retries=3
EXPECTED = {
    "backup": ((R, 1), (R, 3), (R, 3)),
    "bad-config": ((S, 0), (S, 0), (R, 3)),
    "broken": ((S, 0), (R, 3), (R, 3)),
    "busy": ((S, 0), (S, 0), (S, 0)),
    "disabled-job": ((S, 0), (S, 0), (S, 0)),
    "flappy": ((S, 0), (R, 3), (R, 3)),
    "mystery": ((S, 0), (R, 3), (R, 3)),
    "net-sync": ((R, 1), (R, 3), (R, 3)),
    "paused-job": ((S, 0), (S, 0), (S, 0)),
    "slow-report": ((R, 1), (R, 3), (R, 3)),
}
MODES = [FixitMode.CONSERVATIVE, FixitMode.BALANCED, FixitMode.GREEDY]


def decisions(plan: FixitPlan) -> dict[str, tuple[FixitAction, int]]:
    return {item.job_id: (item.action, item.attempts) for item in plan.items}


def reasons(plan: FixitPlan) -> dict[str, str]:
    return {item.job_id: item.reason for item in plan.items}


@pytest.mark.parametrize("column", range(3), ids=[mode.value for mode in MODES])
async def test_it_plans_each_mode_by_the_table(db: Database, troubled: History, column: int) -> None:
    plan = await plan_fixit(db, mode=MODES[column], now=troubled.clock())

    assert decisions(plan) == {job_id: row[column] for job_id, row in EXPECTED.items()}


@pytest.mark.parametrize(("mode", "concurrency"), [("conservative", 1), ("balanced", 2), ("greedy", 4)])
async def test_it_sets_the_concurrency_by_mode(db: Database, troubled: History, mode: str, concurrency: int) -> None:
    plan = await plan_fixit(db, mode=FixitMode(mode), now=troubled.clock())
    assert plan.concurrency == concurrency


async def test_it_leaves_healthy_unrun_and_long_ago_failures_out(db: Database, troubled: History) -> None:
    plan = await plan_fixit(db, mode=FixitMode.GREEDY, now=troubled.clock())
    assert {"healthy", "never-ran", "old-failure"}.isdisjoint(decisions(plan))


async def test_a_wider_window_takes_in_the_older_failure(db: Database, troubled: History) -> None:
    plan = await plan_fixit(db, window=timedelta(days=3), now=troubled.clock())
    assert decisions(plan)["old-failure"] == (R, 3)


async def test_it_says_why_it_skips(db: Database, troubled: History) -> None:
    why = reasons(await plan_fixit(db, mode=FixitMode.CONSERVATIVE, now=troubled.clock()))

    assert why["paused-job"] == "paused by bob"
    assert why["disabled-job"].startswith("disabled")
    assert why["busy"] == "already running"
    assert why["broken"] == "failed 4 times in a row: needs a human, not a retry"
    assert why["bad-config"] == "permanent failure, not retried in conservative mode: no such file: /etc/x.conf"
    assert why["mystery"] == "unknown failure, not retried in conservative mode: exit code 1"


async def test_it_says_what_failed_for_retries(db: Database, troubled: History) -> None:
    plan = await plan_fixit(db, mode=FixitMode.GREEDY, now=troubled.clock())
    why = reasons(plan)

    assert why["net-sync"] == "transient failure: connection refused"
    assert why["slow-report"] == "transient failure: timed out"
    assert why["backup"] == "transient failure: interrupted"
    items = {item.job_id: item for item in plan.items}
    assert items["broken"].consecutive_failures == 4
    assert items["flappy"].consecutive_failures == 1


async def test_max_retries_sets_the_attempts_except_in_conservative_mode(db: Database, troubled: History) -> None:
    balanced = await plan_fixit(db, max_retries=5, now=troubled.clock())
    conservative = await plan_fixit(db, mode=FixitMode.CONSERVATIVE, max_retries=5, now=troubled.clock())

    assert {item.attempts for item in balanced.retries} == {5}
    assert {item.attempts for item in conservative.retries} == {1}


async def test_job_ids_restrict_the_plan(db: Database, troubled: History) -> None:
    plan = await plan_fixit(db, job_ids=["mystery", "paused-job", "healthy"], now=troubled.clock())

    assert decisions(plan) == {"mystery": (R, 3), "paused-job": (S, 0)}
    assert plan.job_ids == ("mystery", "paused-job", "healthy")


async def test_an_unknown_job_id_is_named(db: Database, troubled: History) -> None:
    with pytest.raises(FixitJobLookupError) as caught:
        await plan_fixit(db, job_ids=["mystery", "nope", "nada"], now=troubled.clock())

    assert caught.value.job_ids == ("nope", "nada")
    assert "'nope'" in str(caught.value) and "'nada'" in str(caught.value)
    assert isinstance(caught.value, JobLookupError)


@pytest.mark.parametrize(("option", "value"), [("max_retries", 0), ("max_retries", 11), ("window", timedelta(0))])
async def test_it_refuses_nonsense_options(db: Database, troubled: History, option: str, value: object) -> None:
    with pytest.raises(ValueError, match=option):
        await plan_fixit(db, now=troubled.clock(), **{option: value})  # type: ignore[arg-type]


async def test_the_dry_run_executes_and_stores_nothing(db: Database, troubled: History) -> None:
    runs_before = await troubled.count_runs()

    plan = await plan_fixit(db, mode=FixitMode.GREEDY, now=troubled.clock(), requested_by="carol")

    assert plan.retries
    assert await troubled.count_runs() == runs_before
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(FixitPlanRow)) == 0


async def test_it_gathers_the_facts_in_one_query_however_long_the_history(db: Database, troubled: History) -> None:
    await troubled.job("chatty")
    for index in range(40):
        await troubled.run("chatty", RunStatus.FAILED if index % 2 else RunStatus.SUCCEEDED, error_class=UNKNOWN)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        plan = await plan_fixit(db, now=troubled.clock())
        everything = len(statements)
        await plan_fixit(db, job_ids=["chatty"], now=troubled.clock())
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)

    assert decisions(plan)["chatty"] == (R, 3)
    assert everything == 1
    assert len(statements) == everything + 2  # with job ids, one more statement checks that they exist


async def test_an_empty_history_plans_nothing(db: Database, history: History) -> None:
    plan = await plan_fixit(db, now=history.clock())
    assert plan.items == ()
    assert "Nothing to fix" in describe_plan(plan)


async def test_describe_plan_lists_retries_and_skips_with_reasons(db: Database, troubled: History) -> None:
    plan = await plan_fixit(db, mode=FixitMode.CONSERVATIVE, now=troubled.clock())

    text = describe_plan(plan)

    assert f"Fix-it plan {plan.id} (conservative mode)" in text
    assert "1 at a time" in text
    assert "Retry (3):" in text and "Skip (7):" in text
    assert "  - net-sync: transient failure: connection refused (1 attempt)" in text
    assert "  - paused-job: paused by bob" in text
