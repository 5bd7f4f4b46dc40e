"""Persistence of approval requests. Every change of status is one conditional UPDATE whose row count says
whether this caller made it: two clicks at once, or a replayed token, can never both win."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from core.approvals.errors import ApprovalLookupError
from core.approvals.model import ActionRequest, Approval, ApprovalAction, ApprovalStatus
from core.storage.database import Database
from core.storage.tables import ApprovalRow


def to_approval(row: ApprovalRow) -> Approval:
    return Approval(
        id=row.id,
        request=ActionRequest(ApprovalAction(row.action), dict(row.params or {})),
        requested_by=row.requested_by,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        created_at=row.created_at,
        expires_at=row.expires_at,
        status=ApprovalStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        executed_at=row.executed_at,
        outcome=row.outcome,
    )


class ApprovalStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count_open(self, requested_by: str, *, now: datetime) -> int:
        """Pending, unexpired requests of ``requested_by`` (read through the status index: few rows pend)."""
        query = select(func.count()).where(
            ApprovalRow.status == ApprovalStatus.PENDING.value,
            ApprovalRow.expires_at > now,
            ApprovalRow.requested_by == requested_by,
        )
        async with self._db.session() as session:
            return int(await session.scalar(query) or 0)

    async def add(
        self,
        request: ActionRequest,
        *,
        requested_by: str,
        channel_id: str | None,
        now: datetime,
        expires_at: datetime,
    ) -> Approval:
        row = ApprovalRow(
            id=str(uuid.uuid4()),
            action=request.action.value,
            params=dict(request.params),
            requested_by=requested_by,
            channel_id=channel_id,
            created_at=now,
            expires_at=expires_at,
            status=ApprovalStatus.PENDING.value,
        )
        async with self._db.session.begin() as session:
            session.add(row)
        return to_approval(row)

    async def get(self, approval_id: str) -> Approval:
        async with self._db.session() as session:
            row = await session.get(ApprovalRow, approval_id)
            if row is None:
                raise ApprovalLookupError(approval_id)
            return to_approval(row)

    async def pending(self) -> list[Approval]:
        """Pending requests, oldest first (including overdue ones not yet swept)."""
        query = (
            select(ApprovalRow)
            .where(ApprovalRow.status == ApprovalStatus.PENDING.value)
            .order_by(ApprovalRow.created_at)
        )
        async with self._db.session() as session:
            return [to_approval(row) for row in await session.scalars(query)]

    async def recent(self, *, status: ApprovalStatus | None = None, limit: int = 50) -> list[Approval]:
        """Requests newest first, optionally only those in ``status``."""
        query = select(ApprovalRow).order_by(ApprovalRow.created_at.desc(), ApprovalRow.id).limit(max(limit, 0))
        if status is not None:
            query = query.where(ApprovalRow.status == status.value)
        async with self._db.session() as session:
            return [to_approval(row) for row in await session.scalars(query)]

    async def set_message(self, approval_id: str, *, channel_id: str, message_ts: str) -> None:
        """Where the request was posted (known only after posting it)."""
        values = {"channel_id": channel_id, "message_ts": message_ts}
        if not await self._update(approval_id, None, values):
            raise ApprovalLookupError(approval_id)

    async def claim_decision(self, approval_id: str, status: ApprovalStatus, *, decided_by: str, now: datetime) -> bool:
        """Move a pending, unexpired request to ``status`` (approved or denied); False if it was not both."""
        query = update(ApprovalRow).where(
            ApprovalRow.id == approval_id,
            ApprovalRow.status == ApprovalStatus.PENDING.value,
            ApprovalRow.expires_at > now,
        )
        values = {"status": status.value, "decided_by": decided_by, "decided_at": now}
        return await self._execute(query.values(**values))

    async def finish(self, approval_id: str, status: ApprovalStatus, *, outcome: Any, now: datetime) -> bool:
        """Record how carrying out an approved request ended (executed or failed); False if not approved."""
        values = {"status": status.value, "executed_at": now, "outcome": outcome}
        return await self._update(approval_id, ApprovalStatus.APPROVED, values)

    async def expire(self, approval_id: str, *, now: datetime) -> bool:
        """Mark one overdue pending request expired; False if it was not pending and overdue."""
        return await self._execute(self._overdue(now).where(ApprovalRow.id == approval_id))

    async def withdraw(self, approval_id: str, *, reason: str) -> bool:
        """End a pending request nobody can see (it could not be posted): expired, with ``reason``."""
        values = {"status": ApprovalStatus.EXPIRED.value, "outcome": {"error": reason}}
        return await self._update(approval_id, ApprovalStatus.PENDING, values)

    async def unfinished(self) -> list[Approval]:
        """Approved requests whose action never finished (the process stopped while carrying it out)."""
        query = select(ApprovalRow).where(ApprovalRow.status == ApprovalStatus.APPROVED.value)
        async with self._db.session() as session:
            return [to_approval(row) for row in await session.scalars(query)]

    async def expire_overdue(self, *, now: datetime) -> list[Approval]:
        """Mark every overdue pending request expired; returns exactly the ones this call changed."""
        query = self._overdue(now).returning(ApprovalRow)
        async with self._db.session.begin() as session:
            rows = list(await session.scalars(query, execution_options={"synchronize_session": False}))
            return [to_approval(row) for row in rows]

    @staticmethod
    def _overdue(now: datetime) -> Any:
        return (
            update(ApprovalRow)
            .where(ApprovalRow.status == ApprovalStatus.PENDING.value, ApprovalRow.expires_at <= now)
            .values(status=ApprovalStatus.EXPIRED.value)
        )

    async def _update(self, approval_id: str, expected: ApprovalStatus | None, values: dict[str, Any]) -> bool:
        query = update(ApprovalRow).where(ApprovalRow.id == approval_id)
        if expected is not None:
            query = query.where(ApprovalRow.status == expected.value)
        return await self._execute(query.values(**values))

    async def _execute(self, query: Any) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(query)
            return bool(result.rowcount)  # type: ignore[attr-defined]
