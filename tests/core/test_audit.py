from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.audit import AuditEntry, AuditOutcome, query_audit, record, render_audit
from core.storage.database import Database

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def _story(db: Database) -> None:
    await record(db, at=T0, actor="dave", action="approval.request", target="approval:1", outcome="ok")
    await record(db, at=T0 + timedelta(minutes=1), actor="dave", action="approval.decide", outcome="refused")
    await record(
        db,
        at=T0 + timedelta(minutes=2),
        actor="bob",
        action="approval.approve",
        target="approval:1",
        channel_id="C1",
        outcome=AuditOutcome.OK,
    )
    await record(
        db,
        at=T0 + timedelta(minutes=2),
        actor="bob",
        action="run_job",
        target="job:backup",
        channel_id="C1",
        outcome="failed",
        detail="JobLookupError: no job with id 'backup'",
    )


async def test_it_returns_entries_newest_first(db: Database) -> None:
    await _story(db)

    entries = await query_audit(db)

    assert [entry.action for entry in entries] == [
        "run_job",  # same second as the approval, but recorded after it
        "approval.approve",
        "approval.decide",
        "approval.request",
    ]
    assert entries[0].outcome is AuditOutcome.FAILED
    assert entries[0].at == T0 + timedelta(minutes=2)
    assert entries[0].channel_id == "C1"


async def test_it_filters_by_time_actor_and_action_and_limits(db: Database) -> None:
    await _story(db)

    assert [e.action for e in await query_audit(db, since=T0 + timedelta(minutes=1), actor="dave")] == [
        "approval.decide"
    ]
    assert [e.actor for e in await query_audit(db, action="run_job")] == ["bob"]
    assert len(await query_audit(db, actor="bob", limit=1)) == 1
    assert await query_audit(db, actor="nobody") == []


async def test_it_cuts_over_long_fields_instead_of_losing_the_entry(db: Database) -> None:
    await record(db, at=T0, actor="u" * 100, action="a" * 50, target="t" * 300, outcome="ok", detail="d" * 5000)

    [entry] = await query_audit(db)

    assert (len(entry.actor or ""), len(entry.action), len(entry.target or "")) == (64, 32, 128)
    assert len(entry.detail or "") == 2000


def test_it_renders_a_table_for_the_cli() -> None:
    entries = [
        AuditEntry(2, T0, "bob", "approval.approve", "approval:1", "C1", AuditOutcome.OK, None),
        AuditEntry(1, T0, None, "approval.expire", None, None, AuditOutcome.OK, "run job\nbackup"),
    ]

    lines = render_audit(entries).splitlines()

    assert lines[0].split() == ["AT", "(UTC)", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"]
    assert lines[1].split() == ["2026-11-22", "12:00:00Z", "bob", "approval.approve", "approval:1", "ok"]
    assert lines[2].split()[2:] == ["schedops", "approval.expire", "-", "ok", "run", "job", "backup"]
    assert lines[1].index("approval.approve") == lines[0].index("ACTION")


def test_it_says_so_when_there_is_nothing_to_show() -> None:
    assert render_audit([]) == "No audit entries."
