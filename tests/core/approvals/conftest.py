"""Approvals against a real database and a real engine running real shell jobs.

The standing cast: alice is an admin, bob and carol are approvers, dave is anyone else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from core.approvals import ActionRequest, Approval, ApprovalService, Decision
from core.audit import AuditEntry, query_audit
from core.config import Settings
from core.engine import Engine
from core.executors.base import Executors
from core.executors.shell import ShellExecutor
from core.jobs.spec import JobSpec, parse_job
from core.storage.database import Database
from tests.support.clock import ManualClock


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"SCHEDOPS_ADMINS": "alice", "SCHEDOPS_APPROVERS": "bob,carol"}
    values.update(overrides)
    return Settings.model_validate(values)


def shell_job(job_id: str = "backup", **fields: Any) -> JobSpec:
    data: dict[str, Any] = {"id": job_id, "kind": "shell", "command": ["true"], "schedule": {"interval": "1h"}}
    data.update(fields)
    return parse_job(data)


class FixitCalls:
    """A fix-it executor that only remembers what it was asked to apply."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, plan_id: str, actor: str, progress: Any = None) -> dict[str, Any]:
        self.calls.append((plan_id, actor))
        return {"plan_id": plan_id, "retried": 2}


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
async def engine(db: Database) -> AsyncIterator[Engine]:
    engine = Engine(db, executors=Executors({"shell": ShellExecutor()}))
    await engine.start()
    await engine.add_job(shell_job(), actor="alice")
    yield engine
    await engine.shutdown(grace=timedelta(seconds=5))


@pytest.fixture
def fixit() -> FixitCalls:
    return FixitCalls()


@pytest.fixture
async def service(
    db: Database, settings: Settings, engine: Engine, fixit: FixitCalls, clock: ManualClock
) -> ApprovalService:
    return await ApprovalService.create(db, settings, control=engine, run_fixit=fixit, clock=clock)


async def pending(service: ApprovalService, request: ActionRequest | None = None, actor: str = "dave") -> Approval:
    approval = await service.submit(request or ActionRequest.run_job("backup"), actor=actor, channel_id="C1")
    assert isinstance(approval, Approval)
    return approval


def tokens(service: ApprovalService, approval: Approval) -> tuple[str, str]:
    return service.token(approval, Decision.APPROVE), service.token(approval, Decision.DENY)


async def approval_audit(db: Database, **filters: Any) -> list[AuditEntry]:
    """The audit entries of the approval workflow, without the job store's own ``job.*`` change entries."""
    return [entry for entry in await query_audit(db, **filters) if not entry.action.startswith("job.")]
