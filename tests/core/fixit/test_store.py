from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.fixit import (
    FixitMode,
    FixitResult,
    PlanAlreadyExecutedError,
    PlanLookupError,
    PlanStatus,
    PlanStore,
    plan_fixit,
)
from core.fixit.model import FixitPlan, StoredPlan
from core.storage.database import Database
from tests.core.fixit.conftest import History


async def saved_plan(db: Database, troubled: History) -> FixitPlan:
    plan = await plan_fixit(
        db,
        mode=FixitMode.GREEDY,
        window=timedelta(hours=6),
        job_ids=["mystery", "paused-job"],
        now=troubled.clock(),
        requested_by="alice",
    )
    await PlanStore(db).save_plan(plan)
    return plan


async def test_a_saved_plan_comes_back_as_it_was_planned(db: Database, troubled: History) -> None:
    plan = await plan_fixit(db, mode=FixitMode.CONSERVATIVE, now=troubled.clock(), requested_by="alice")
    await PlanStore(db).save_plan(plan)

    stored = await PlanStore(db).get_plan(plan.id)

    assert stored.plan == plan
    assert stored.status is PlanStatus.PLANNED
    assert (stored.started_at, stored.finished_at, stored.result) == (None, None, None)


async def test_a_restricted_plan_keeps_its_scope(db: Database, troubled: History) -> None:
    plan = await saved_plan(db, troubled)
    stored = (await PlanStore(db).get_plan(plan.id)).plan
    assert (stored.job_ids, stored.window, stored.mode, stored.concurrency) == (
        ("mystery", "paused-job"),
        timedelta(hours=6),
        FixitMode.GREEDY,
        4,
    )


async def test_an_unknown_plan_is_a_lookup_error(db: Database) -> None:
    store = PlanStore(db)
    with pytest.raises(PlanLookupError, match="no fix-it plan with id 'nope'"):
        await store.get_plan("nope")
    with pytest.raises(PlanLookupError):
        await store.claim_plan("nope", now=datetime(2026, 11, 22, 12, 0, tzinfo=UTC))


async def test_a_claim_moves_the_plan_to_executing(db: Database, troubled: History) -> None:
    plan = await saved_plan(db, troubled)
    troubled.clock.advance(60)

    claimed = await PlanStore(db).claim_plan(plan.id, troubled.clock())

    stored = await PlanStore(db).get_plan(plan.id)
    assert claimed == plan
    assert (stored.status, stored.started_at) == (PlanStatus.EXECUTING, troubled.clock())


async def test_of_concurrent_claims_exactly_one_wins(db: Database, troubled: History) -> None:
    plan = await saved_plan(db, troubled)
    stores = [PlanStore(db) for _ in range(5)]

    outcomes = await asyncio.gather(
        *(store.claim_plan(plan.id, troubled.clock()) for store in stores), return_exceptions=True
    )

    winners = [outcome for outcome in outcomes if isinstance(outcome, FixitPlan)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, PlanAlreadyExecutedError)]
    assert (len(winners), len(losers)) == (1, 4)
    assert {loser.status for loser in losers} == {PlanStatus.EXECUTING}


async def test_a_finished_plan_cannot_be_claimed_again(db: Database, troubled: History) -> None:
    plan = await saved_plan(db, troubled)
    store = PlanStore(db)
    await store.claim_plan(plan.id, troubled.clock())
    result = FixitResult(
        plan_id=plan.id,
        recovered=(),
        still_failing=(),
        skipped=(),
        started_at=troubled.clock(),
        finished_at=troubled.clock(),
    )
    finished = await store.finish_plan(plan.id, status=PlanStatus.EXECUTED, result=result, now=troubled.clock())

    with pytest.raises(PlanAlreadyExecutedError, match="already executed") as caught:
        await store.claim_plan(plan.id, troubled.clock())

    assert caught.value.status is PlanStatus.EXECUTED
    assert (finished.status, finished.result) == (PlanStatus.EXECUTED, result)


async def test_only_an_executing_plan_can_finish(db: Database, troubled: History) -> None:
    plan = await saved_plan(db, troubled)
    result = FixitResult(
        plan_id=plan.id,
        recovered=(),
        still_failing=(),
        skipped=(),
        started_at=troubled.clock(),
        finished_at=troubled.clock(),
    )
    with pytest.raises(RuntimeError, match="not executing"):
        await PlanStore(db).finish_plan(plan.id, status=PlanStatus.EXECUTED, result=result, now=troubled.clock())
    assert (await PlanStore(db).get_plan(plan.id)).status is PlanStatus.PLANNED


async def test_a_plan_and_its_result_survive_a_json_round_trip(db: Database, troubled: History) -> None:
    plan = await saved_plan(db, troubled)
    stored = await PlanStore(db).get_plan(plan.id)

    assert FixitPlan.model_validate_json(plan.model_dump_json()) == plan
    assert StoredPlan.model_validate_json(stored.model_dump_json()) == stored
