"""The API's response models: the OpenAPI document is generated from these and from the request models, and
every response is validated against them on the way out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.approvals import ActedDirectly, Approval
from core.audit import AuditEntry
from core.job_stats import JobStats
from core.jobs.state import JobState
from core.redaction import redacted_job_data
from core.runs import RunRecord
from core.storage.jobs_store import StoredJob


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Problem(_Out):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[str] | None = None


class JobOut(_Out):
    id: str
    kind: str
    state: JobState
    owner: str | None
    next_run_time: datetime | None
    updated_at: datetime | None = None
    updated_by: str | None = None
    # The definition with credential-bearing values (env, headers, bodies, URL secrets) hidden.
    spec: dict[str, Any]

    @classmethod
    def of(cls, job: StoredJob) -> JobOut:
        return cls(
            id=job.id,
            kind=job.spec.kind,
            state=job.state,
            owner=job.spec.owner,
            next_run_time=job.next_run_time,
            updated_at=job.updated_at,
            updated_by=job.updated_by,
            spec=redacted_job_data(job.spec),
        )


class JobPageOut(_Out):
    jobs: list[JobOut]
    page: int
    size: int
    total: int


class RunOut(_Out):
    id: int
    job_id: str
    status: str
    trigger: str
    attempt: int
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    requested_by: str | None
    exit_code: int | None
    http_status: int | None
    error_class: str | None
    error_message: str | None
    output_tail: str | None
    result: Any = None

    @classmethod
    def of(cls, run: RunRecord) -> RunOut:
        duration = run.duration
        return cls(
            id=run.id,
            job_id=run.job_id,
            status=run.status.value,
            trigger=run.trigger.value,
            attempt=run.attempt,
            created_at=run.created_at,
            scheduled_at=run.scheduled_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            duration_ms=None if duration is None else int(duration.total_seconds() * 1000),
            requested_by=run.requested_by,
            exit_code=run.exit_code,
            http_status=run.http_status,
            error_class=None if run.error_class is None else run.error_class.value,
            error_message=run.error_message,
            output_tail=run.output_tail,
            result=run.result,
        )


class CancelOut(_Out):
    """A cancel that was asked for: ``stopping`` while the run still runs, ``stopped`` once it has ended (how:
    ``run.status``, normally ``interrupted``, or how it ended first when it beat the cancel to it)."""

    status: Literal["stopping", "stopped"]
    run: RunOut

    @classmethod
    def of(cls, run: RunRecord) -> CancelOut:
        return cls(status="stopped" if run.status.is_finished else "stopping", run=RunOut.of(run))


class StatsOut(_Out):
    job_id: str
    days: int
    since: datetime
    runs: int
    succeeded: int
    failed: int
    skipped: int
    missed: int
    success_rate: float | None
    mean_duration_ms: float | None
    max_duration_ms: int | None
    last_run_at: datetime | None
    last_failure_at: datetime | None

    @classmethod
    def of(cls, stats: JobStats) -> StatsOut:
        return cls.model_validate(stats, from_attributes=True)


class ApprovalOut(_Out):
    id: str
    action: str
    target: str
    summary: str
    details: list[str]
    requested_by: str
    status: str
    created_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    executed_at: datetime | None
    outcome: Any = None

    @classmethod
    def of(cls, approval: Approval, details: list[str]) -> ApprovalOut:
        return cls(
            id=approval.id,
            action=approval.action.value,
            target=approval.request.target,
            summary=approval.request.describe(),
            details=details,
            requested_by=approval.requested_by,
            status=approval.status.value,
            created_at=approval.created_at,
            expires_at=approval.expires_at,
            decided_by=approval.decided_by,
            decided_at=approval.decided_at,
            executed_at=approval.executed_at,
            outcome=approval.outcome,
        )


class ActionOut(_Out):
    """What asking for a change did: ``done`` (an admin token: carried out, ``outcome`` says how) or
    ``approval_requested`` (posted in Slack for an approver; follow ``approval``)."""

    status: Literal["done", "approval_requested"]
    action: str
    outcome: Any = None
    approval: ApprovalOut | None = None
    run: RunOut | None = None  # run now with ``wait``: the run as it stood when the wait ended

    @classmethod
    def done(cls, acted: ActedDirectly, run: RunRecord | None = None) -> ActionOut:
        return cls(
            status="done",
            action=acted.request.action.value,
            outcome=acted.outcome,
            run=None if run is None else RunOut.of(run),
        )

    @classmethod
    def requested(cls, approval: Approval, details: list[str]) -> ActionOut:
        return cls(
            status="approval_requested", action=approval.action.value, approval=ApprovalOut.of(approval, details)
        )


class AuditEntryOut(_Out):
    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    channel_id: str | None
    outcome: str
    detail: str | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls.model_validate(entry, from_attributes=True)


class AuditPageOut(_Out):
    entries: list[AuditEntryOut]
    # Pass as ``before`` for the next (older) page; null on the last page.
    next_before: int | None


class ImportOut(_Out):
    results: dict[str, ActionOut]
    unchanged: list[str]


class KindOut(_Out):
    kind: str
    description: str
    allowed: bool
    refusal: str | None
    json_schema: dict[str, Any] = Field(description="The JSON Schema of a job of this kind")


class PresetOut(_Out):
    name: str
    label: str
    schedule: dict[str, str]
