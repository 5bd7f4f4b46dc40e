"""Stored fix-it plans: saved when proposed, claimed once by a conditional UPDATE, finished with the result."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.fixit.errors import PlanAlreadyExecutedError, PlanLookupError
from core.fixit.model import FixitItem, FixitMode, FixitPlan, FixitResult, PlanStatus, StoredPlan
from core.storage.database import Database
from core.storage.tables import FixitPlanRow


def _row(plan: FixitPlan) -> FixitPlanRow:
    return FixitPlanRow(
        id=plan.id,
        mode=plan.mode.value,
        window_seconds=int(plan.window.total_seconds()),
        max_retries=plan.max_retries,
        job_ids=None if plan.job_ids is None else list(plan.job_ids),
        items=[item.model_dump(mode="json") for item in plan.items],
        status=PlanStatus.PLANNED.value,
        created_at=plan.created_at,
        created_by=plan.requested_by,
    )


def _plan(row: FixitPlanRow) -> FixitPlan:
    return FixitPlan(
        id=row.id,
        mode=FixitMode(row.mode),
        window=timedelta(seconds=row.window_seconds),
        max_retries=row.max_retries,
        job_ids=None if row.job_ids is None else tuple(row.job_ids),
        items=tuple(FixitItem.model_validate(item) for item in row.items),
        created_at=row.created_at,
        requested_by=row.created_by,
    )


def _stored(row: FixitPlanRow) -> StoredPlan:
    return StoredPlan(
        plan=_plan(row),
        status=PlanStatus(row.status),
        started_at=row.started_at,
        finished_at=row.finished_at,
        result=None if row.result is None else FixitResult.model_validate(row.result),
    )


class PlanStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_plan(self, plan: FixitPlan) -> StoredPlan:
        """Store a new plan with status ``planned``, ready to be approved and executed."""
        row = _row(plan)
        async with self._db.session.begin() as session:
            session.add(row)
        return _stored(row)

    async def get_plan(self, plan_id: str) -> StoredPlan:
        async with self._db.session() as session:
            row = await session.get(FixitPlanRow, plan_id)
            if row is None:
                raise PlanLookupError(plan_id)
            return _stored(row)

    async def claim_plan(self, plan_id: str, now: datetime) -> FixitPlan:
        """Move the plan from ``planned`` to ``executing``; of concurrent claims exactly one wins.

        The losers get PlanAlreadyExecutedError with the status they found; an unknown id PlanLookupError.
        """
        claim = (
            update(FixitPlanRow)
            .where(FixitPlanRow.id == plan_id, FixitPlanRow.status == PlanStatus.PLANNED.value)
            .values(status=PlanStatus.EXECUTING.value, started_at=now)
        )
        async with self._db.session.begin() as session:
            claimed = (await session.execute(claim)).rowcount  # type: ignore[attr-defined]
            row = await session.scalar(select(FixitPlanRow).where(FixitPlanRow.id == plan_id))
        if row is None:
            raise PlanLookupError(plan_id)
        if claimed != 1:
            raise PlanAlreadyExecutedError(plan_id, PlanStatus(row.status))
        return _plan(row)

    async def finish_plan(self, plan_id: str, *, status: PlanStatus, result: FixitResult, now: datetime) -> StoredPlan:
        """Record how the execution ended (``executed`` or ``failed``); only an executing plan can end."""
        if status not in (PlanStatus.EXECUTED, PlanStatus.FAILED):
            raise ValueError(f"a plan finishes as executed or failed, not {status.value}")
        finish = (
            update(FixitPlanRow)
            .where(FixitPlanRow.id == plan_id, FixitPlanRow.status == PlanStatus.EXECUTING.value)
            .values(status=status.value, finished_at=now, result=result.model_dump(mode="json"))
        )
        async with self._db.session.begin() as session:
            finished = (await session.execute(finish)).rowcount  # type: ignore[attr-defined]
            row = await session.get(FixitPlanRow, plan_id, populate_existing=True)
        if row is None:
            raise PlanLookupError(plan_id)
        if finished != 1:
            raise RuntimeError(f"fix-it plan {plan_id!r} is {row.status}, not executing: it cannot finish")
        return _stored(row)
