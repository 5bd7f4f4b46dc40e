"""Domain objects for view tests, at ordinary size and at their largest, full of hostile text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.approvals.model import ActionRequest, Approval, ApprovalStatus
from core.fixit.model import FixitAction, FixitItem, FixitMode, FixitPlan, FixitResult, ItemOutcome, ItemResult
from core.jobs.spec import JobSpec, parse_job
from core.runs import OUTPUT_TAIL_BYTES, ErrorClass, RunRecord, RunStatus, RunTrigger
from core.sitrep.model import (
    FailingJob,
    Health,
    HealthLevel,
    HealthReason,
    JobCounts,
    OnTimeStats,
    PausedJob,
    ReasonCode,
    RunningRun,
    RunStats,
    Sitrep,
    UpcomingRun,
)
from core.storage.jobs_store import StoredJob

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
# Everything Slack would turn into a ping, a mention, a channel link or a forged link, and what breaks code.
HOSTILE = "<!channel> <!here> <!everyone> <@U0EVIL> <#C0EVIL> <http://evil.example|click> & ``` `x` *b* _i_"
FORGERIES = ("<!channel", "<!here", "<!everyone", "<@U0EVIL", "<#C0EVIL", "<http://evil", "<mailto")


def hostile(length: int) -> str:
    """``length`` characters of HOSTILE, repeated."""
    return (HOSTILE * (length // len(HOSTILE) + 1))[:length]


def hostile_output(size: int = OUTPUT_TAIL_BYTES) -> str:
    """A full output tail: ``size`` characters in lines, every one hostile."""
    line = HOSTILE[:79] + "\n"
    return (line * (size // len(line) + 1))[:size]


def spec(job_id: str = "backup", **fields: Any) -> JobSpec:
    data: dict[str, Any] = {"id": job_id, "kind": "shell", "command": "pg_dump app", "schedule": {"cron": "0 2 * * *"}}
    data.update(fields)
    return parse_job(data)


def stored(job: JobSpec, *, paused: bool = False, next_run: datetime | None = NOW) -> StoredJob:
    return StoredJob(
        spec=job,
        paused=paused,
        paused_by=ALICE if paused else None,
        paused_at=NOW if paused else None,
        source="file",
        file_hash=None,
        next_run_time=next_run,
        created_at=NOW,
        updated_at=NOW,
        updated_by=None,
    )


def many_jobs(count: int, *, name_length: int = 200) -> list[StoredJob]:
    """Jobs with the longest ids and names allowed, names all hostile."""
    jobs = []
    for index in range(count):
        job_id = f"job-{index:04d}-" + "x" * 54
        jobs.append(stored(spec(job_id, name=hostile(name_length), command=hostile(500)), paused=index % 7 == 0))
    return jobs


def run(
    run_id: int = 42,
    job_id: str = "backup",
    *,
    status: RunStatus = RunStatus.FAILED,
    output: str | None = "done\n",
    error: str | None = "exit status 1",
    result: Any = None,
    attempt: int = 1,
) -> RunRecord:
    return RunRecord(
        id=run_id,
        job_id=job_id,
        trigger=RunTrigger.SCHEDULE,
        attempt=attempt,
        status=status,
        created_at=NOW,
        scheduled_at=NOW,
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=93),
        exit_code=1 if status is RunStatus.FAILED else 0,
        error_class=ErrorClass.TRANSIENT if status.is_failure else None,
        error_message=error,
        output_tail=output,
        result=result,
    )


def hostile_run(run_id: int = 42, job_id: str = "backup") -> RunRecord:
    return run(
        run_id,
        job_id,
        output=hostile_output(),
        error=hostile(2000) + "\n" + hostile(2000),
        result={"detail": hostile(3000), "items": [hostile(100)] * 50},
    )


def sitrep(*, size: int = 3, level: HealthLevel = HealthLevel.UNHEALTHY, database_error: str | None = None) -> Sitrep:
    """A sitrep with ``size`` of everything (failing jobs, running runs, upcoming runs, reasons, paused jobs)."""
    title = hostile(200)
    return Sitrep(
        generated_at=NOW,
        window=timedelta(hours=24),
        timezone="Europe/Berlin",
        scheduler_running=True,
        database_error=database_error,
        health=Health(
            level=level,
            reasons=[
                HealthReason(level=level, code=ReasonCode.FAILURE_STREAK, text=f"{hostile(300)} {i}", job_id=None)
                for i in range(size)
            ],
        ),
        jobs=None if database_error else JobCounts(total=size * 10, enabled=size * 9, paused=size),
        runs=None
        if database_error
        else RunStats(
            by_status={RunStatus.SUCCEEDED: 90, RunStatus.FAILED: 10},
            total=100,
            success_rate=0.9,
            p50_duration=timedelta(seconds=12.5),
            p95_duration=timedelta(minutes=4, seconds=30),
        ),
        on_time=None if database_error else OnTimeStats(scheduled=80, on_time=70, missed=4, rate=70 / 84),
        failing_jobs=[
            FailingJob(
                job_id=f"job-{i:04d}-" + "x" * 54,
                title=title,
                consecutive_failures=i + 1,
                last_status=RunStatus.FAILED,
                last_error_class=ErrorClass.PERMANENT,
                last_error_message=hostile(2000),
                last_failed_at=NOW,
                last_succeeded_at=NOW - timedelta(days=1) if i % 2 else None,
            )
            for i in range(size)
        ],
        running=[
            RunningRun(
                run_id=1000 + i,
                job_id=f"run-{i:04d}",
                title=title,
                trigger=RunTrigger.SCHEDULE,
                started_at=NOW,
                elapsed=timedelta(minutes=5),
                timeout=timedelta(minutes=1),
                stuck=True,
            )
            for i in range(size)
        ],
        upcoming=[UpcomingRun(job_id=f"next-{i:04d}", title=title, at=NOW + timedelta(minutes=i)) for i in range(size)],
        paused_jobs=[
            PausedJob(job_id=f"paused-{i:04d}", title=title, paused_by=hostile(40), paused_at=NOW) for i in range(size)
        ],
    )


def plan(size: int = 3, *, mode: FixitMode = FixitMode.BALANCED) -> FixitPlan:
    items = tuple(
        FixitItem(
            job_id=f"job-{i:04d}-" + "x" * 54,
            action=FixitAction.RETRY if i % 3 else FixitAction.SKIP,
            reason=hostile(400),
            attempts=3 if i % 3 else 0,
            failure=ErrorClass.TRANSIENT,
            run_id=i,
            consecutive_failures=1,
        )
        for i in range(size)
    )
    return FixitPlan(
        id="plan-1",
        mode=mode,
        window=timedelta(hours=24),
        max_retries=3,
        job_ids=tuple(item.job_id for item in items) or None,
        items=items,
        created_at=NOW,
        requested_by=ALICE,
    )


def fixit_result(size: int = 3) -> FixitResult:
    def items(outcome: ItemOutcome) -> tuple[ItemResult, ...]:
        return tuple(
            ItemResult(job_id=f"{outcome.value}-{i:04d}", outcome=outcome, reason=hostile(200)) for i in range(size)
        )

    return FixitResult(
        plan_id="plan-1",
        recovered=items(ItemOutcome.RECOVERED),
        still_failing=items(ItemOutcome.STILL_FAILING),
        skipped=items(ItemOutcome.SKIPPED),
        started_at=NOW,
        finished_at=NOW,
        error=hostile(500),
    )


def approval(
    status: ApprovalStatus = ApprovalStatus.PENDING,
    *,
    request: ActionRequest | None = None,
    requested_by: str = ALICE,
    decided_by: str | None = BOB,
) -> Approval:
    decided = status is not ApprovalStatus.PENDING and status is not ApprovalStatus.EXPIRED
    return Approval(
        id="appr-1",
        request=request or ActionRequest.run_job("backup"),
        requested_by=requested_by,
        channel_id="C0OPS",
        message_ts="1.2",
        created_at=NOW,
        expires_at=NOW + timedelta(hours=1),
        status=status,
        decided_by=decided_by if decided else None,
        decided_at=NOW if decided else None,
    )
