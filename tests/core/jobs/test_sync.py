"""Syncing the jobs file into the database, on SQLite and PostgreSQL: the file owns only what it changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.jobs.jobsfile import JobsFileError, load_jobs_file
from core.jobs.spec import JobSpec, parse_job
from core.jobs.sync import SyncReport, sync_jobs
from core.runs import RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.jobs_store import JobStore, spec_hash
from core.storage.runs_store import RunStore
from tests.support.clock import ManualClock


def shell(job_id: str, **fields: Any) -> JobSpec:
    return parse_job({"id": job_id, "kind": "shell", "command": ["true"], "schedule": {"interval": "1m"}, **fields})


@pytest.fixture
def store(db: Database) -> JobStore:
    return JobStore(db)


async def test_it_creates_the_jobs_of_a_new_file(store: JobStore, clock: ManualClock) -> None:
    backup, report = shell("backup", timeout="10m"), shell("report")
    result = await sync_jobs(store, [backup, report], now=clock())
    assert result == SyncReport(created=["backup", "report"])
    stored = await store.require("backup")
    assert (stored.spec, stored.source, stored.file_hash) == (backup, "file", spec_hash(backup))
    assert (stored.created_at, stored.updated_by, stored.paused) == (clock(), "jobs-file", False)


async def test_it_updates_a_job_whose_file_definition_changed(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("backup"), shell("report")], now=clock())
    changed = shell("backup", timeout="5m")
    later = clock.advance(60)
    assert await sync_jobs(store, [changed, shell("report")], now=later, actor="deploy") == SyncReport(
        updated=["backup"], unchanged=["report"]
    )
    stored = await store.require("backup")
    assert (stored.spec, stored.file_hash, stored.updated_at, stored.updated_by) == (
        changed,
        spec_hash(changed),
        later,
        "deploy",
    )


async def test_a_resync_of_an_unchanged_file_writes_nothing(store: JobStore, clock: ManualClock) -> None:
    specs = [shell("a"), shell("b")]
    await sync_jobs(store, specs, now=clock())
    before = await store.list()
    clock.advance(3600)
    assert await sync_jobs(store, specs, now=clock()) == SyncReport(unchanged=["a", "b"])
    assert await store.list() == before


async def test_runtime_edits_survive_a_resync_of_an_unchanged_file(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("backup")], now=clock())
    synced = await store.require("backup")
    # An edit through Slack: the job stays the file's, with the hash of the file's definition kept.
    edited = shell("backup", timeout="2h")
    await store.save(edited, now=clock(), actor="U_ALICE", source="file", file_hash=synced.file_hash)

    assert await sync_jobs(store, [shell("backup")], now=clock.advance(60)) == SyncReport(unchanged=["backup"])
    assert (await store.require("backup")).spec == edited

    from_file = shell("backup", timeout="30m")  # someone changes the job in the file: the file wins again
    assert await sync_jobs(store, [from_file], now=clock.advance(60)) == SyncReport(updated=["backup"])
    assert (await store.require("backup")).spec == from_file


async def test_it_disables_a_job_removed_from_the_file_without_deleting_its_history(
    store: JobStore, db: Database, clock: ManualClock
) -> None:
    old = shell("old-report", name="Old report", timeout="5m")
    await sync_jobs(store, [old, shell("keep")], now=clock())
    runs = RunStore(db)
    run = await runs.add("old-report", trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=clock())

    report = await sync_jobs(store, [shell("keep")], now=clock.advance(60))

    assert report == SyncReport(unchanged=["keep"], disabled=["old-report"])
    stored = await store.require("old-report")
    assert stored.spec == old.model_copy(update={"enabled": False})
    assert (stored.enabled, stored.source) == (False, "file")
    assert [r.id for r in await runs.recent("old-report")] == [run.id]


async def test_it_reports_a_removed_job_only_once(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("a"), shell("b")], now=clock())
    assert (await sync_jobs(store, [shell("a")], now=clock())).disabled == ["b"]
    before = await store.require("b")
    assert await sync_jobs(store, [shell("a")], now=clock.advance(60)) == SyncReport(unchanged=["a"])
    assert await store.require("b") == before


async def test_a_job_disabled_at_run_time_and_then_removed_is_not_reported(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("a")], now=clock())
    synced = await store.require("a")
    await store.save(shell("a", enabled=False), now=clock(), actor="U_BOB", source="file", file_hash=synced.file_hash)
    assert await sync_jobs(store, [], now=clock()) == SyncReport()
    assert not (await store.require("a")).enabled


async def test_a_removed_job_that_comes_back_to_the_file_is_enabled_again(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("a")], now=clock())
    await sync_jobs(store, [], now=clock())
    assert await sync_jobs(store, [shell("a")], now=clock()) == SyncReport(updated=["a"])
    stored = await store.require("a")
    assert (stored.spec, stored.enabled, stored.file_hash) == (shell("a"), True, spec_hash(shell("a")))


async def test_a_job_the_file_disables_stays_disabled(store: JobStore, clock: ManualClock) -> None:
    spec = shell("a", enabled=False)
    await sync_jobs(store, [spec], now=clock())
    assert await sync_jobs(store, [spec], now=clock()) == SyncReport(unchanged=["a"])
    assert not (await store.require("a")).enabled


async def test_pause_survives_a_resync_of_the_file(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("a"), shell("b"), shell("c")], now=clock())
    for job_id in ("a", "b", "c"):
        await store.set_paused(job_id, True, actor="U_CAROL", now=clock())

    await sync_jobs(store, [shell("a"), shell("b", timeout="1m")], now=clock.advance(60))  # c removed

    for job_id in ("a", "b", "c"):
        stored = await store.require(job_id)
        assert (stored.paused, stored.paused_by) == (True, "U_CAROL"), job_id


async def test_a_sync_never_resumes_or_pauses_a_job(store: JobStore, clock: ManualClock) -> None:
    await sync_jobs(store, [shell("a")], now=clock())
    await sync_jobs(store, [shell("a", timeout="1m")], now=clock())
    assert not (await store.require("a")).paused


async def test_it_takes_over_an_api_job_the_file_now_lists(store: JobStore, clock: ManualClock) -> None:
    await store.save(shell("shared", timeout="3m"), now=clock(), actor="U_ALICE", source="api")
    await store.set_paused("shared", True, actor="U_ALICE", now=clock())
    from_file = shell("shared")

    assert await sync_jobs(store, [from_file], now=clock()) == SyncReport(updated=["shared"])

    stored = await store.require("shared")
    assert (stored.spec, stored.source, stored.file_hash, stored.paused) == (
        from_file,
        "file",
        spec_hash(from_file),
        True,
    )
    assert await sync_jobs(store, [from_file], now=clock()) == SyncReport(unchanged=["shared"])


async def test_an_api_job_with_the_same_definition_is_still_taken_over(store: JobStore, clock: ManualClock) -> None:
    await store.save(shell("shared"), now=clock(), actor="U_ALICE", source="api")
    assert await sync_jobs(store, [shell("shared")], now=clock()) == SyncReport(updated=["shared"])
    assert (await store.require("shared")).source == "file"


async def test_it_leaves_api_jobs_not_in_the_file_untouched(store: JobStore, clock: ManualClock) -> None:
    await store.save(shell("adhoc"), now=clock(), actor="U_BOB", source="api")
    before = await store.require("adhoc")
    await sync_jobs(store, [shell("a")], now=clock.advance(60))
    assert await sync_jobs(store, [], now=clock.advance(60)) == SyncReport(disabled=["a"])
    assert await store.require("adhoc") == before


async def test_it_refuses_two_specs_with_one_id_before_writing_anything(store: JobStore, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="job id 'a' is given twice"):
        await sync_jobs(store, [shell("b"), shell("a"), shell("a", timeout="1m")], now=clock())
    assert await store.list() == []


async def test_a_broken_file_leaves_the_database_untouched(store: JobStore, clock: ManualClock, tmp_path: Path) -> None:
    path = tmp_path / "jobs.yml"
    path.write_text("jobs:\n  - {id: a, kind: shell, command: [ls], schedule: {interval: 1m}}\n")
    await sync_jobs(store, load_jobs_file(path), now=clock())
    before = await store.list()
    # "a" is dropped and "b" is broken: applying the rest would disable "a" and create nothing useful.
    path.write_text("jobs:\n  - {id: b, kind: shell, command: [ls], schedule: {cron: '0 25 * * *'}}\n")

    with pytest.raises(JobsFileError):
        await sync_jobs(store, load_jobs_file(path), now=clock.advance(60))

    assert await store.list() == before


@pytest.mark.parametrize(
    ("report", "summary"),
    [
        (SyncReport(), "0 unchanged"),
        (SyncReport(unchanged=["a", "b"]), "2 unchanged"),
        (SyncReport(created=["a", "b"], unchanged=["c"]), "2 created (a, b), 1 unchanged"),
        (SyncReport(updated=["a"], disabled=["d"]), "1 updated (a), 1 disabled (d)"),
        (
            SyncReport(created=["n"], updated=["u"], unchanged=["x", "y"], disabled=["d"]),
            "1 created (n), 1 updated (u), 1 disabled (d), 2 unchanged",
        ),
        (
            SyncReport(created=[f"j{n:02}" for n in range(12)]),
            "12 created (j00, j01, j02, j03, j04, j05, j06, j07, j08, j09 and 2 more)",
        ),
    ],
)
def test_the_summary_says_what_changed_in_one_line(report: SyncReport, summary: str) -> None:
    assert report.summary() == summary
    assert report.changed == bool(report.created or report.updated or report.disabled)
