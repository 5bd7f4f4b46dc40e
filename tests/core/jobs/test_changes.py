"""Every change to a job is audited with the door it came through and a diff, whichever door it was."""

from __future__ import annotations

from typing import Any

import pytest

from core.audit import query_audit
from core.jobs.changes import door_of, spec_changes
from core.jobs.export import import_jobs
from core.jobs.spec import JobSpec, parse_job
from core.jobs.sync import sync_jobs
from core.storage.database import Database
from core.storage.jobs_store import JobStore
from tests.support.clock import ManualClock


def shell(job_id: str = "backup", **fields: Any) -> JobSpec:
    return parse_job({"id": job_id, "kind": "shell", "command": ["true"], "schedule": {"interval": "1m"}, **fields})


def test_a_diff_names_each_changed_field_with_old_and_new_values() -> None:
    before = shell(name="Backup", timeout="30s")
    after = shell(timeout="1m", schedule={"cron": "0 2 * * *"})
    assert spec_changes(before, after) == [
        "name: 'Backup' -> (default)",
        "schedule.cron: (default) -> '0 2 * * *'",
        "schedule.interval: '1m' -> (default)",
        "timeout: '30s' -> '1m'",
    ]


def test_a_diff_never_shows_a_secret_value_but_says_it_changed() -> None:
    changes = spec_changes(shell(env={"TOKEN": "old-secret"}), shell(env={"TOKEN": "new-secret"}))
    assert changes == ["hidden values changed"]
    assert "secret" not in " ".join(spec_changes(shell(), shell(env={"TOKEN": "new-secret"})))


@pytest.mark.parametrize(
    ("actor", "door"), [("cli:alice", "cli"), ("api:ci-token", "api"), ("U024BE7LH", "slack"), (None, "schedops")]
)
def test_the_door_is_read_from_the_actor(actor: str | None, door: str) -> None:
    assert door_of(actor) == door


async def test_a_sync_and_an_import_are_audited_with_their_source_and_diff(db: Database, clock: ManualClock) -> None:
    store = JobStore(db)
    await sync_jobs(store, [shell(name="Backup", timeout="30s")], now=clock())
    await import_jobs(store, [shell(timeout="1m")], now=clock.advance(60), actor="cli:alice")

    updated, added = await query_audit(db, limit=10)
    assert (added.actor, added.action, added.target) == ("jobs-file", "job.add", "job:backup")
    assert (added.detail or "").startswith("via jobs file: ")
    assert (updated.actor, updated.action) == ("cli:alice", "job.update")
    assert updated.detail == "via import: name: 'Backup' -> (default); timeout: '30s' -> '1m'"


async def test_an_unchanged_resync_writes_no_audit_entry(db: Database, clock: ManualClock) -> None:
    store = JobStore(db)
    await sync_jobs(store, [shell()], now=clock())
    await import_jobs(store, [shell()], now=clock(), actor="cli:alice")
    assert [entry.action for entry in await query_audit(db)] == ["job.add"]


async def test_pause_resume_and_remove_are_audited_with_the_door(db: Database, clock: ManualClock) -> None:
    store = JobStore(db)
    await store.save(shell(), now=clock(), actor="U1", source="api")
    await store.set_paused("backup", True, actor="cli:bob", now=clock())
    await store.set_paused("backup", False, actor="U1", now=clock())
    await store.delete("backup", actor="api:ci", now=clock())

    entries = list(reversed(await query_audit(db)))
    assert [(e.actor, e.action, (e.detail or "").split(":")[0]) for e in entries] == [
        ("U1", "job.add", "via slack"),
        ("cli:bob", "job.pause", "via cli"),
        ("U1", "job.resume", "via slack"),
        ("api:ci", "job.remove", "via api"),
    ]
    assert entries[1].detail == "via cli: paused: False -> True"
