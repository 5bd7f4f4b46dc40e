"""What an approval request is: the action it would perform, its life cycle, and how it was decided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.jobs.changes import apply_change, diff_lines, job_change, version_of
from core.jobs.spec import JobSpec, job_to_data, parse_job


class ApprovalAction(StrEnum):
    """What an approved request does. Every action but ``fixit`` acts on one job."""

    RUN_JOB = "run_job"
    PAUSE_JOB = "pause_job"
    RESUME_JOB = "resume_job"
    ADD_JOB = "add_job"
    UPDATE_JOB = "update_job"
    REMOVE_JOB = "remove_job"
    FIXIT = "fixit"


class ApprovalStatus(StrEnum):
    """pending, then approved / denied / expired; an approved request then becomes executed or failed."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    EXECUTED = "executed"
    FAILED = "failed"

    @property
    def is_decided(self) -> bool:
        return self is not ApprovalStatus.PENDING


class Decision(StrEnum):
    """What an approver's button says."""

    APPROVE = "approve"
    DENY = "deny"

    @property
    def status(self) -> ApprovalStatus:
        return ApprovalStatus.APPROVED if self is Decision.APPROVE else ApprovalStatus.DENIED


_VERBS = {
    ApprovalAction.RUN_JOB: "run job",
    ApprovalAction.PAUSE_JOB: "pause job",
    ApprovalAction.RESUME_JOB: "resume job",
    ApprovalAction.ADD_JOB: "add job",
    ApprovalAction.UPDATE_JOB: "change job",
    ApprovalAction.REMOVE_JOB: "remove job",
    ApprovalAction.FIXIT: "apply fix-it plan",
}


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """An action someone asked for, with its parameters as JSON-able data (build it with the constructors)."""

    action: ApprovalAction
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def run_job(cls, job_id: str) -> ActionRequest:
        return cls(ApprovalAction.RUN_JOB, {"job_id": job_id})

    @classmethod
    def pause_job(cls, job_id: str) -> ActionRequest:
        return cls(ApprovalAction.PAUSE_JOB, {"job_id": job_id})

    @classmethod
    def resume_job(cls, job_id: str) -> ActionRequest:
        return cls(ApprovalAction.RESUME_JOB, {"job_id": job_id})

    @classmethod
    def remove_job(cls, job_id: str) -> ActionRequest:
        return cls(ApprovalAction.REMOVE_JOB, {"job_id": job_id})

    @classmethod
    def add_job(cls, spec: JobSpec) -> ActionRequest:
        return cls(ApprovalAction.ADD_JOB, {"job_id": spec.id, "spec": job_to_data(spec)})

    @classmethod
    def update_job(cls, spec: JobSpec, *, base: JobSpec | None = None) -> ActionRequest:
        """Change a job to ``spec``. With ``base`` (the definition the editor saw) the request stores only
        the change, the version it was made against and a before/after diff: it applies only while the job
        is still at that version, so an old request cannot restore a value rotated since."""
        if base is None:
            return cls(ApprovalAction.UPDATE_JOB, {"job_id": spec.id, "spec": job_to_data(spec)})
        return cls(
            ApprovalAction.UPDATE_JOB,
            {
                "job_id": spec.id,
                "change": job_change(base, spec),
                "base_version": version_of(base),
                "diff": diff_lines(base, spec),
            },
        )

    @property
    def base_version(self) -> str | None:
        """The version of the job an edit was made against (None: an add, or an edit stored whole)."""
        value = self.params.get("base_version")
        return None if value is None else str(value)

    @property
    def diff(self) -> list[str]:
        """An edit's before/after lines, hidden values left out."""
        return [str(line) for line in self.params.get("diff", ())]

    def applied_to(self, current: JobSpec) -> ActionRequest:
        """This edit as a whole definition: its change applied to ``current`` (the caller checks versions)."""
        spec = apply_change(current, dict(self.params["change"]))
        return ActionRequest(ApprovalAction.UPDATE_JOB, {"job_id": spec.id, "spec": job_to_data(spec)})

    @classmethod
    def fixit(cls, plan_id: str) -> ActionRequest:
        return cls(ApprovalAction.FIXIT, {"plan_id": plan_id})

    @property
    def job_id(self) -> str | None:
        value = self.params.get("job_id")
        return None if value is None else str(value)

    @property
    def plan_id(self) -> str | None:
        value = self.params.get("plan_id")
        return None if value is None else str(value)

    @property
    def spec(self) -> JobSpec:
        """The new definition carried by add_job / update_job (validated again: it was stored as data)."""
        return parse_job(self.params["spec"])

    @property
    def target(self) -> str:
        """What the action acts on, for the audit log: ``job:<id>`` or ``fixit:<plan id>``."""
        return f"fixit:{self.plan_id}" if self.action is ApprovalAction.FIXIT else f"job:{self.job_id}"

    def describe(self) -> str:
        """Plain words, e.g. ``run job backup``."""
        subject = self.plan_id if self.action is ApprovalAction.FIXIT else self.job_id
        return f"{_VERBS[self.action]} {subject}"


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval request, as stored."""

    id: str
    request: ActionRequest
    requested_by: str
    channel_id: str | None
    message_ts: str | None
    created_at: datetime
    expires_at: datetime
    status: ApprovalStatus
    decided_by: str | None = None
    decided_at: datetime | None = None
    executed_at: datetime | None = None
    outcome: Any = None

    @property
    def action(self) -> ApprovalAction:
        return self.request.action

    def is_overdue(self, now: datetime) -> bool:
        """Still pending but past its expiry (not yet swept)."""
        return self.status is ApprovalStatus.PENDING and now >= self.expires_at
