"""The planning rules, pure: plain facts about one failing job in, the plan's decision for it out."""

from __future__ import annotations

from dataclasses import dataclass

from core.fixit.model import FixitAction, FixitItem, FixitMode
from core.runs import ErrorClass, RunRecord, RunStatus

MAX_RETRIES_LIMIT = 10
_REASON_DETAIL = 120


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What planning needs to know about a job whose latest outcome in the window is ``failed_run``."""

    job_id: str
    enabled: bool
    paused: bool
    paused_by: str | None
    running: bool
    failed_run: RunRecord
    consecutive_failures: int


def failure_class(run: RunRecord) -> ErrorClass:
    """Whether retrying can help. Timeouts and interruptions are transient whatever the executor said."""
    if run.status in (RunStatus.TIMED_OUT, RunStatus.INTERRUPTED):
        return ErrorClass.TRANSIENT
    if run.error_class is not None:
        return run.error_class
    if run.http_status is not None and (run.http_status == 429 or run.http_status >= 500):
        return ErrorClass.TRANSIENT
    return ErrorClass.UNKNOWN


def decide(facts: JobFacts, mode: FixitMode, max_retries: int) -> FixitItem:
    """Retry or skip the job, and why. The first reason to skip wins, in the order a human would check."""
    failure = failure_class(facts.failed_run)
    skip = _reason_to_skip(facts, mode, failure)
    attempts = 0 if skip else 1 if mode.rules.single_attempt else max_retries
    return FixitItem(
        job_id=facts.job_id,
        action=FixitAction.SKIP if skip else FixitAction.RETRY,
        reason=skip or describe_failure(facts.failed_run, failure),
        attempts=attempts,
        failure=failure,
        run_id=facts.failed_run.id,
        consecutive_failures=facts.consecutive_failures,
    )


def decide_all(facts: list[JobFacts], mode: FixitMode, max_retries: int) -> tuple[FixitItem, ...]:
    """One item per job, ordered by job id."""
    check_max_retries(max_retries)
    return tuple(decide(fact, mode, max_retries) for fact in sorted(facts, key=lambda fact: fact.job_id))


def check_max_retries(max_retries: int) -> None:
    if not 1 <= max_retries <= MAX_RETRIES_LIMIT:
        raise ValueError(f"max_retries must be between 1 and {MAX_RETRIES_LIMIT}, got {max_retries}")


def _reason_to_skip(facts: JobFacts, mode: FixitMode, failure: ErrorClass) -> str | None:
    rules = mode.rules
    if not facts.enabled:
        return "disabled: enable it first"
    if facts.paused:
        return f"paused by {facts.paused_by}" if facts.paused_by else "paused"
    if facts.running:
        return "already running"
    if rules.human_after is not None and facts.consecutive_failures >= rules.human_after:
        return f"failed {facts.consecutive_failures} times in a row: needs a human, not a retry"
    if failure not in rules.retries:
        return f"{failure.value} failure, not retried in {mode.value} mode: {failure_detail(facts.failed_run)}"
    return None


def describe_failure(run: RunRecord, failure: ErrorClass) -> str:
    return f"{failure.value} failure: {failure_detail(run)}"


def failure_detail(run: RunRecord) -> str:
    """A short, one-line account of how ``run`` failed."""
    if run.status is RunStatus.TIMED_OUT:
        return "timed out"
    if run.status is RunStatus.INTERRUPTED:
        return "interrupted"
    message = (run.error_message or "").strip()
    if message:
        first_line = message.splitlines()[0]
        return first_line[:_REASON_DETAIL] + ("…" if len(first_line) > _REASON_DETAIL else "")
    if run.http_status is not None:
        return f"HTTP {run.http_status}"
    if run.exit_code is not None:
        return f"exit code {run.exit_code}"
    return "failed"
