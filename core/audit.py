"""The audit log: who did what to which target, from where, and how it ended.

Every state-changing action and every refused attempt is recorded. Callers must never put a secret or a
signed token into ``detail``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from core.storage.database import Database
from core.storage.tables import AuditRow
from core.text_table import text_table

DETAIL_LIMIT = 2000

# Which door's credential an action came through (e.g. "API token ci"), for every entry recorded while a
# request is served: a context variable, so records made deep in the approval workflow name the token
# without every layer between carrying it.
_via: ContextVar[str | None] = ContextVar("audit_via", default=None)


@contextmanager
def recorded_via(credential: str) -> Iterator[None]:
    """Entries recorded inside the block end with ``(via <credential>)``."""
    reset = _via.set(credential)
    try:
        yield
    finally:
        _via.reset(reset)


class AuditOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log, as stored."""

    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    channel_id: str | None
    outcome: AuditOutcome
    detail: str | None


async def record(
    db: Database,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    target: str | None = None,
    channel_id: str | None = None,
    outcome: AuditOutcome | str,
    detail: str | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` None means schedops itself (a sweep, a schedule). Over-long fields are cut
    to their column's size rather than lose the entry."""
    via = _via.get()
    if via is not None:
        detail = f"{detail} (via {via})" if detail else f"via {via}"
    row = audit_row(
        at=at, actor=actor, action=action, target=target, channel_id=channel_id, outcome=outcome, detail=detail
    )
    async with db.session.begin() as session:
        session.add(row)
    return _entry(row)


def audit_row(
    *,
    at: datetime,
    actor: str | None,
    action: str,
    target: str | None = None,
    channel_id: str | None = None,
    outcome: AuditOutcome | str = AuditOutcome.OK,
    detail: str | None = None,
) -> AuditRow:
    """An entry to add inside the caller's own transaction, so that it is stored exactly when the change is."""
    return AuditRow(
        at=at,
        actor=_cut(actor, 64),
        action=action[:32],
        target=_cut(target, 128),
        channel_id=_cut(channel_id, 32),
        outcome=AuditOutcome(outcome).value,
        detail=_cut(detail, DETAIL_LIMIT),
    )


async def query_audit(
    db: Database,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Entries at or after ``since``, by ``actor``, of ``action`` (each filter optional), newest first;
    ``before_id`` pages on: only entries older than that one (ids grow with time)."""
    query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(max(limit, 0))
    if before_id is not None:
        query = query.where(AuditRow.id < before_id)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if actor is not None:
        query = query.where(AuditRow.actor == actor)
    if action is not None:
        query = query.where(AuditRow.action == action)
    async with db.session() as session:
        return [_entry(row) for row in await session.scalars(query)]


def render_audit(entries: Iterable[AuditEntry]) -> str:
    """A plain-text table for the CLI (``schedops audit``), one entry per line, in the order given."""
    rows = [
        (
            f"{entry.at:%Y-%m-%d %H:%M:%S}Z",
            entry.actor or "schedops",
            entry.action,
            entry.target or "-",
            entry.outcome.value,
            _one_line(entry.detail),
        )
        for entry in entries
    ]
    if not rows:
        return "No audit entries."
    return text_table(("AT (UTC)", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"), rows)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        channel_id=row.channel_id,
        outcome=AuditOutcome(row.outcome),
        detail=row.detail,
    )


def _cut(value: str | None, size: int) -> str | None:
    return None if value is None else value[:size]


def _one_line(detail: str | None) -> str:
    return " ".join(detail.split()) if detail else ""
