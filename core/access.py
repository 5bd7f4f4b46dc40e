"""Who may read what schedops keeps that can be sensitive: run output and the jobs export.

Pure functions of the reader and the settings. Output is masked of each job's own secrets, but a job may
print anything it reads (a database row, a file), so reading it is a permission (SCHEDOPS_OUTPUT_READERS)
and every read is audited (``audit_read``).
"""

from __future__ import annotations

from datetime import datetime

from core import audit
from core.audit import AuditOutcome
from core.config import Settings
from core.storage.database import Database

_READERS = {
    "admins": "admins",
    "approvers": "admins and approvers",
    "everyone": "everyone",
}
# Run ids are database integers: anything else in a button value is forged or stale.
_MAX_RUN_ID = 2**63 - 1


def may_read_output(reader: str, settings: Settings) -> bool:
    """Whether ``reader`` may read run output and the jobs export (SCHEDOPS_OUTPUT_READERS)."""
    if settings.output_readers == "everyone" or reader in settings.admins:
        return True
    return settings.output_readers == "approvers" and reader in settings.approvers


def output_refusal(settings: Settings) -> str:
    """One line saying who may read output here."""
    return f"Only {_READERS[settings.output_readers]} may read run output and job exports here."


def parse_run_id(value: str) -> int | None:
    """The run id a button carries, or None when it cannot be one."""
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 1 <= number <= _MAX_RUN_ID else None


async def audit_read(
    db: Database, *, at: datetime, reader: str, what: str, target: str | None, channel_id: str | None, allowed: bool
) -> None:
    """Record a read of output or the export (``what``: ``run.output`` or ``jobs.export``), allowed or refused."""
    await audit.record(
        db,
        at=at,
        actor=reader,
        action=f"{what}.read",
        target=target,
        channel_id=channel_id,
        outcome=AuditOutcome.OK if allowed else AuditOutcome.REFUSED,
        detail=None if allowed else "not among SCHEDOPS_OUTPUT_READERS",
    )


def outsider_kind(user: dict[str, object], home_team: str | None) -> str | None:
    """``guest`` for a Slack guest (single- or multi-channel), ``external`` for someone from another
    organisation (Slack Connect), None for a full member; ``user`` is users.info's user object."""
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return "guest"
    if user.get("is_stranger") or (home_team is not None and user.get("team_id") not in (None, home_team)):
        return "external"
    return None


def outsider_refusal(kind: str | None, settings: Settings) -> str | None:
    """Why an outsider may not use schedops here, or None (a member, or SCHEDOPS_ALLOW_GUESTS is on)."""
    if kind is None or settings.allow_guests:
        return None
    who = "guests" if kind == "guest" else "people from other organisations"
    return f"schedops is not available to {who} in this workspace (SCHEDOPS_ALLOW_GUESTS is off)."
