"""Fix-it: plan what to do about failing jobs (a dry run by itself), then execute an approved plan once."""

from core.fixit.describe import describe_plan, describe_result
from core.fixit.errors import FixitExecutionError, FixitJobLookupError, PlanAlreadyExecutedError, PlanLookupError
from core.fixit.execute import ProgressCallback, execute_plan
from core.fixit.model import (
    MODE_RULES,
    FixitAction,
    FixitItem,
    FixitMode,
    FixitPlan,
    FixitResult,
    ItemOutcome,
    ItemResult,
    ModeRules,
    PlanStatus,
    StoredPlan,
)
from core.fixit.plan import plan_fixit
from core.fixit.rules import JobFacts, decide, failure_class
from core.fixit.store import PlanStore

__all__ = [
    "MODE_RULES",
    "FixitAction",
    "FixitExecutionError",
    "FixitItem",
    "FixitJobLookupError",
    "FixitMode",
    "FixitPlan",
    "FixitResult",
    "ItemOutcome",
    "ItemResult",
    "JobFacts",
    "ModeRules",
    "PlanAlreadyExecutedError",
    "PlanLookupError",
    "PlanStatus",
    "PlanStore",
    "ProgressCallback",
    "StoredPlan",
    "decide",
    "describe_plan",
    "describe_result",
    "execute_plan",
    "failure_class",
    "plan_fixit",
]
