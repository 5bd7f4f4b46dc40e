"""Health: explicit rules over facts gathered from the database. Pure: no I/O, ``now`` is in the facts.

=====================  ===========  ==============================================================
rule (reason code)     level        when
=====================  ===========  ==============================================================
scheduler_stopped      unhealthy    the scheduler is not running
database_unreachable   unhealthy    the database did not answer (no other rule can be judged then)
failure_streak         unhealthy    a job's latest ``failure_streak_unhealthy`` finished runs failed
run_stuck              unhealthy    a run is still running past its job's timeout (+ ``stuck_grace``)
latest_run_failed      degraded     a job's latest finished run failed (failed, timed out, interrupted)
runs_missed            degraded     a job missed at least ``missed_runs_degraded`` runs in the window
no_jobs                degraded     no job is defined (when ``degraded_without_jobs``)
queue_unserved         degraded     runs wait on a queue that no online worker consumes
                                    (core.execution.workers: the wait bound, what "online" means)
approval_overdue       degraded     an approval is still pending past ``approval_overdue_fraction``
                                    of its lifetime (created_at to expires_at)
=====================  ===========  ==============================================================

The overall level is that of the worst reason; no reason at all is ``healthy``. A job over the streak gets
only the unhealthy reason, not also the degraded one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from core.config import Settings
from core.durations import format_duration
from core.execution.workers import QueueWait
from core.sitrep.model import FailingJob, Health, HealthLevel, HealthReason, ReasonCode, RunningRun

_MESSAGE_LIMIT = 120


class HealthRules(BaseModel):
    """The thresholds of the health rules; the defaults match Settings' defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    failure_streak_unhealthy: int = Field(3, ge=1)
    stuck_grace: timedelta = timedelta(0)
    missed_runs_degraded: int = Field(1, ge=1)
    approval_overdue_fraction: float = Field(0.5, gt=0, le=1)
    degraded_without_jobs: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> HealthRules:
        return cls(failure_streak_unhealthy=settings.failure_streak_unhealthy)

    def is_stuck(self, started_at: datetime, timeout: timedelta, now: datetime) -> bool:
        return started_at + timeout + self.stuck_grace < now

    def is_overdue(self, approval: PendingApproval, now: datetime) -> bool:
        lifetime = approval.expires_at - approval.created_at
        return now > approval.created_at + lifetime * self.approval_overdue_fraction


DEFAULT_RULES = HealthRules()


@dataclass(frozen=True, slots=True)
class PendingApproval:
    id: str
    action: str
    requested_by: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """What the rules look at. ``job_count`` is None when the database could not be read."""

    now: datetime
    window: timedelta
    scheduler_running: bool
    database_error: str | None = None
    job_count: int | None = None
    failing: Sequence[FailingJob] = ()
    running: Sequence[RunningRun] = ()
    missed_by_job: Mapping[str, int] | None = None
    pending_approvals: Sequence[PendingApproval] = ()
    # Replicas on PostgreSQL: how long no replica has led (None: one leads, or there is one process).
    leaderless_for: timedelta | None = None
    # Queues with runs waiting past the bound that no online worker consumes (core.execution.workers).
    stalled_queues: Sequence[QueueWait] = ()


def evaluate_health(facts: HealthFacts, rules: HealthRules) -> Health:
    """Apply every rule to ``facts``; reasons come worst first, in the order of the table above."""
    reasons = [*_platform(facts), *_jobs(facts, rules), *_approvals(facts, rules)]
    reasons.sort(key=lambda reason: -reason.level.severity)
    level = max((reason.level for reason in reasons), key=lambda level: level.severity, default=HealthLevel.HEALTHY)
    return Health(level=level, reasons=reasons)


def _reason(level: HealthLevel, code: ReasonCode, text: str, job_id: str | None = None) -> HealthReason:
    return HealthReason(level=level, code=code, text=text, job_id=job_id)


NO_LEADER_AFTER = timedelta(seconds=30)


def _platform(facts: HealthFacts) -> Iterator[HealthReason]:
    if facts.leaderless_for is not None and facts.leaderless_for >= NO_LEADER_AFTER:
        seconds = int(facts.leaderless_for.total_seconds())
        text = f"No replica has led for {seconds}s: no schedule fires until one takes over."
        yield _reason(HealthLevel.DEGRADED, ReasonCode.NO_LEADER, text)
    if not facts.scheduler_running:
        yield _reason(
            HealthLevel.UNHEALTHY, ReasonCode.SCHEDULER_STOPPED, "The scheduler is not running: no job will fire."
        )
    if facts.database_error is not None:
        text = f"The database cannot be reached: {facts.database_error}"
        yield _reason(HealthLevel.UNHEALTHY, ReasonCode.DATABASE_UNREACHABLE, text)


def _jobs(facts: HealthFacts, rules: HealthRules) -> Iterator[HealthReason]:
    for job in facts.failing:
        yield _failing(job, rules)
    for run in facts.running:
        if rules.is_stuck(run.started_at, run.timeout, facts.now):
            text = (
                f"Run #{run.run_id} of {run.job_id} has been running for {format_duration(run.elapsed)}, "
                f"past its {format_duration(run.timeout)} timeout."
            )
            yield _reason(HealthLevel.UNHEALTHY, ReasonCode.RUN_STUCK, text, run.job_id)
    for job_id, missed in sorted((facts.missed_by_job or {}).items()):
        if missed >= rules.missed_runs_degraded:
            runs = "run" if missed == 1 else "runs"
            text = f"{job_id} missed {missed} scheduled {runs} in the last {format_duration(facts.window)}."
            yield _reason(HealthLevel.DEGRADED, ReasonCode.RUNS_MISSED, text, job_id)
    if facts.job_count == 0 and rules.degraded_without_jobs:
        yield _reason(HealthLevel.DEGRADED, ReasonCode.NO_JOBS, "No jobs are defined.")
    for wait in facts.stalled_queues:
        yield _reason(HealthLevel.DEGRADED, ReasonCode.QUEUE_UNSERVED, queue_unserved_text(wait, facts.now))


def queue_unserved_text(wait: QueueWait, now: datetime) -> str:
    runs = "1 run" if wait.runs == 1 else f"{wait.runs} runs"
    waited = format_duration(timedelta(seconds=max(int((now - wait.since).total_seconds()), 0)))
    return f"Queue {wait.queue} has {runs} waiting for {waited}: no online worker consumes it."


def _failing(job: FailingJob, rules: HealthRules) -> HealthReason:
    last = _shorten(job.last_error_message or job.last_status.value.replace("_", " "))
    if job.consecutive_failures >= rules.failure_streak_unhealthy:
        text = f"{job.job_id} has failed {job.consecutive_failures} times in a row (last: {last})."
        return _reason(HealthLevel.UNHEALTHY, ReasonCode.FAILURE_STREAK, text, job.job_id)
    text = f"The latest run of {job.job_id} failed ({last})."
    return _reason(HealthLevel.DEGRADED, ReasonCode.LATEST_RUN_FAILED, text, job.job_id)


def _approvals(facts: HealthFacts, rules: HealthRules) -> Iterator[HealthReason]:
    for approval in facts.pending_approvals:
        if rules.is_overdue(approval, facts.now):
            waited = format_duration(facts.now - approval.created_at)
            lifetime = format_duration(approval.expires_at - approval.created_at)
            text = (
                f"An approval to {approval.action} requested by {approval.requested_by} has been pending "
                f"for {waited} of its {lifetime}."
            )
            yield _reason(HealthLevel.DEGRADED, ReasonCode.APPROVAL_OVERDUE, text)


def _shorten(text: str) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else text
    return first_line if len(first_line) <= _MESSAGE_LIMIT else first_line[: _MESSAGE_LIMIT - 1] + "…"
