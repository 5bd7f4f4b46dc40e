"""What a fix-it plan is: its modes and their rules, its items, and what executing it produced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from core.runs import ErrorClass, RunStatus


class FixitMode(StrEnum):
    CONSERVATIVE = "conservative"
    BALANCED = "balanced"
    GREEDY = "greedy"

    @property
    def rules(self) -> ModeRules:
        return MODE_RULES[self]


@dataclass(frozen=True, slots=True)
class ModeRules:
    """How boldly a mode retries: which failures, how many attempts, how many jobs at once."""

    retries: frozenset[ErrorClass]
    concurrency: int
    single_attempt: bool
    # A job failing this many times in a row is left to a human (None: never).
    human_after: int | None


MODE_RULES: dict[FixitMode, ModeRules] = {
    FixitMode.CONSERVATIVE: ModeRules(frozenset({ErrorClass.TRANSIENT}), 1, single_attempt=True, human_after=3),
    FixitMode.BALANCED: ModeRules(
        frozenset({ErrorClass.TRANSIENT, ErrorClass.UNKNOWN}), 2, single_attempt=False, human_after=None
    ),
    FixitMode.GREEDY: ModeRules(frozenset(ErrorClass), 4, single_attempt=False, human_after=None),
}


class PlanStatus(StrEnum):
    PLANNED = "planned"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FAILED = "failed"


class FixitAction(StrEnum):
    RETRY = "retry"
    SKIP = "skip"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixitItem(_Model):
    """One failing job and what the plan does about it; ``attempts`` is 0 for a skip."""

    job_id: str
    action: FixitAction
    reason: str
    attempts: int
    failure: ErrorClass
    run_id: int  # the failed run that put the job in the plan
    consecutive_failures: int


class FixitPlan(_Model):
    """A decided plan. Executing it (at most once) follows exactly what was planned and approved."""

    id: str
    mode: FixitMode
    window: timedelta
    max_retries: int
    job_ids: tuple[str, ...] | None
    items: tuple[FixitItem, ...]
    created_at: datetime
    requested_by: str | None

    @property
    def concurrency(self) -> int:
        """How many retries run at once: fixed by the mode (a property, so dumps validate back)."""
        return self.mode.rules.concurrency

    @property
    def retries(self) -> tuple[FixitItem, ...]:
        return tuple(item for item in self.items if item.action is FixitAction.RETRY)

    @property
    def skips(self) -> tuple[FixitItem, ...]:
        return tuple(item for item in self.items if item.action is FixitAction.SKIP)


class ItemOutcome(StrEnum):
    RECOVERED = "recovered"
    STILL_FAILING = "still_failing"
    SKIPPED = "skipped"


class ItemResult(_Model):
    """What became of one item: the runs it recorded (``run_ids``, oldest first; ``attempts`` counts those
    that actually ran, not those the engine skipped) and the last one's status."""

    job_id: str
    outcome: ItemOutcome
    reason: str
    attempts: int = 0
    run_ids: tuple[int, ...] = ()
    last_status: RunStatus | None = None


class FixitResult(_Model):
    """The outcome of executing a plan; ``skipped`` holds the plan's skips and those decided on the way."""

    plan_id: str
    recovered: tuple[ItemResult, ...]
    still_failing: tuple[ItemResult, ...]
    skipped: tuple[ItemResult, ...]
    started_at: datetime
    finished_at: datetime
    error: str | None = None


class StoredPlan(_Model):
    """A plan as stored, with where its execution stands."""

    plan: FixitPlan
    status: PlanStatus
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: FixitResult | None = None
