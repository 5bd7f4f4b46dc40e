"""The sitrep's typed shape: what ``build_sitrep`` and ``build_job_report`` return, for any renderer.

Times are aware UTC datetimes; ``Sitrep.timezone`` names the zone a renderer should show them in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from core.jobs.state import JobState, job_state
from core.runs import ErrorClass, RunStatus, RunTrigger


class HealthLevel(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"

    @property
    def severity(self) -> int:
        """0 for healthy, 1 for degraded, 2 for unhealthy: the worst reason decides the overall level."""
        return _SEVERITY[self]


_SEVERITY = {HealthLevel.HEALTHY: 0, HealthLevel.DEGRADED: 1, HealthLevel.UNHEALTHY: 2}


class ReasonCode(StrEnum):
    """Why health is not ``healthy``; one code per rule (see core.sitrep.health)."""

    SCHEDULER_STOPPED = "scheduler_stopped"
    DATABASE_UNREACHABLE = "database_unreachable"
    FAILURE_STREAK = "failure_streak"
    RUN_STUCK = "run_stuck"
    LATEST_RUN_FAILED = "latest_run_failed"
    RUNS_MISSED = "runs_missed"
    NO_JOBS = "no_jobs"
    APPROVAL_OVERDUE = "approval_overdue"
    NO_LEADER = "no_leader"
    QUEUE_UNSERVED = "queue_unserved"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HealthReason(_Model):
    level: HealthLevel
    code: ReasonCode
    text: str
    job_id: str | None = None


class Health(_Model):
    level: HealthLevel
    reasons: list[HealthReason] = []


class JobCounts(_Model):
    total: int
    enabled: int
    paused: int


class RunStats(_Model):
    """Runs created in the window. ``success_rate`` is succeeded / (succeeded + failed + timed out +
    interrupted), None without such runs; durations are nearest-rank percentiles of runs that ran to an end."""

    by_status: dict[RunStatus, int]
    total: int
    success_rate: float | None
    p50_duration: timedelta | None
    p95_duration: timedelta | None


class OnTimeStats(_Model):
    """Schedule-triggered runs in the window (overlap skips left out): ``on_time`` started within their
    job's misfire grace; ``missed`` never started and count against the rate."""

    scheduled: int
    on_time: int
    missed: int
    rate: float | None

    @property
    def late(self) -> int:
        return self.scheduled - self.on_time - self.missed


class FailingJob(_Model):
    """A job whose latest finished run failed; ``consecutive_failures`` counts failures since its last success."""

    job_id: str
    title: str
    consecutive_failures: int
    last_status: RunStatus
    last_error_class: ErrorClass | None
    last_error_message: str | None
    last_failed_at: datetime | None
    last_succeeded_at: datetime | None


class RunningRun(_Model):
    run_id: int
    job_id: str
    title: str
    trigger: RunTrigger
    started_at: datetime
    elapsed: timedelta
    timeout: timedelta
    stuck: bool
    # The worker executing it (SCHEDOPS_EXECUTION=celery), and what its python job last reported.
    worker: str | None = None
    progress: float | None = None
    progress_text: str | None = None


class RunSummary(_Model):
    run_id: int
    job_id: str
    title: str
    trigger: RunTrigger
    attempt: int
    status: RunStatus
    created_at: datetime
    started_at: datetime | None
    duration: timedelta | None
    error_class: ErrorClass | None = None
    error_message: str | None = None
    output_tail: str | None = None


class UpcomingRun(_Model):
    job_id: str
    title: str
    at: datetime


class PausedJob(_Model):
    job_id: str
    title: str
    paused_by: str | None
    paused_at: datetime | None


class ReplicaLine(_Model):
    """A schedops process heard from recently: its host, role (leader or standby) and since when."""

    host: str
    pid: int
    role: str
    since: datetime


class WorkerLine(_Model):
    """A `schedops worker` heard from in the last day: online (beating, not stopped, connected to its broker)
    or not, what it consumes, and the runs it executes now (none: idle)."""

    name: str
    host: str
    pid: int
    queues: list[str]
    concurrency: int
    online: bool
    started_at: datetime
    last_seen: datetime
    stopped_at: datetime | None = None
    broker_lost_at: datetime | None = None
    running: list[RunningRun] = []


class WaitingQueue(_Model):
    """``runs`` runs sent to ``queue`` and still unclaimed past the wait bound, the oldest since ``since``;
    ``served``: an online worker consumes the queue (they are busy), otherwise none does (stalled)."""

    queue: str
    runs: int
    since: datetime
    served: bool


class WorkersOverview(_Model):
    workers: list[WorkerLine] = []
    waiting: list[WaitingQueue] = []

    @property
    def online(self) -> int:
        return sum(worker.online for worker in self.workers)


class Sitrep(_Model):
    """The whole situation. With the database unreachable, ``database_error`` says why and the sections
    that need it are None or empty."""

    generated_at: datetime
    window: timedelta
    timezone: str
    scheduler_running: bool
    database_error: str | None = None
    health: Health
    jobs: JobCounts | None = None
    runs: RunStats | None = None
    on_time: OnTimeStats | None = None
    failing_jobs: list[FailingJob] = []
    running: list[RunningRun] = []
    recent_runs: list[RunSummary] = []
    upcoming: list[UpcomingRun] = []
    paused_jobs: list[PausedJob] = []
    replicas: list[ReplicaLine] = []
    # None: runs execute in schedops' own process and no worker ever registered (no section to show).
    workers: WorkersOverview | None = None


class JobReport(_Model):
    """One job explained: its definition and schedule in words, what comes next and how it has been doing.
    ``success_rate`` is over the latest ``sample_size`` runs that ran to an end."""

    generated_at: datetime
    timezone: str
    job_id: str
    title: str
    kind: str
    description: str | None
    definition: list[str]
    schedule: str
    schedule_expression: str
    enabled: bool
    paused: bool
    paused_by: str | None
    paused_at: datetime | None
    next_runs: list[datetime]
    running: list[RunningRun]
    last_runs: list[RunSummary]
    success_rate: float | None
    sample_size: int
    consecutive_failures: int
    last_succeeded_at: datetime | None

    @property
    def state(self) -> JobState:
        return job_state(enabled=self.enabled, paused=self.paused)
