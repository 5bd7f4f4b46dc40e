"""Export to jobs-file YAML and import as run-time edits; export then parse gives the same jobs back."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from core.jobs.export import export_jobs_yaml, import_jobs
from core.jobs.jobsfile import parse_jobs_document
from core.jobs.spec import JobSpec, parse_job
from core.jobs.sync import SyncReport, sync_jobs
from core.storage.database import Database
from core.storage.jobs_store import JobStore, spec_hash
from tests.support.clock import ManualClock

JOBS: list[dict[str, Any]] = [
    {
        "id": "nightly-backup",
        "name": "Nightly backup",
        "description": "Dump the app database",
        "kind": "shell",
        "command": ["pg_dump", "-f", "/backups/db.sql", "app"],
        "env": {"PGHOST": "db", "VERBOSE": "true", "LEVEL": "010"},
        "schedule": {"cron": "0 2 * * *", "timezone": "Europe/Berlin", "jitter": "1m"},
        "timeout": "10m",
        "retries": {"max": 3, "backoff": "30s"},
        "alert_channel": "#ops",
    },
    {
        "id": "script",
        "name": "on",
        "kind": "shell",
        "command": "set -e\ncd /tmp\necho 'a: b' # not a comment\n",
        "schedule": {"cron": "*/5 * * * *"},
    },
    {"id": "trailing", "kind": "shell", "command": "echo hi  \n  \n", "schedule": {"interval": "1h30m"}},
    {
        "id": "ping-api",
        "kind": "http",
        "url": "https://api.example.com/health?full=1&x=#y",
        "method": "post",
        "headers": {"Authorization": "Bearer {{ secret }}"},
        "body": {"a": [1, {"b": None}], "yes": "no"},
        "expect_status": [200, 204],
        "schedule": {"interval": "1m", "jitter": "5s"},
        "max_instances": 2,
        "misfire_grace": "30s",
    },
    {
        "id": "count-files",
        "kind": "python",
        "target": "examples.tasks:count_files",
        "kwargs": {"directory": ".", "depth": 2, "on": True},
        "schedule": {"at": "2026-12-01T09:00:00+01:00"},
        "enabled": False,
    },
    {
        "id": "morning-sitrep",
        "name": "Sitrep ✓ für alle",
        "kind": "digest",
        "channel": "#ops",
        "only_when_unhealthy": True,
        "window": "12h",
        "schedule": {"cron": "@daily"},
    },
]


def specs() -> list[JobSpec]:
    return [parse_job(data) for data in JOBS]


def shell(job_id: str, **fields: Any) -> JobSpec:
    return parse_job({"id": job_id, "kind": "shell", "command": ["true"], "schedule": {"interval": "1m"}, **fields})


@pytest.mark.parametrize("index", range(len(JOBS)), ids=[data["id"] for data in JOBS])
def test_an_exported_job_parses_back_to_the_same_definition(index: int) -> None:
    spec = specs()[index]
    assert parse_jobs_document(export_jobs_yaml([spec]), "export") == [spec]


def test_an_export_of_many_jobs_parses_back_in_order() -> None:
    assert parse_jobs_document(export_jobs_yaml(specs()), "export") == specs()
    assert parse_jobs_document(export_jobs_yaml([]), "export") == []


def test_it_writes_keys_in_reading_order_and_leaves_defaults_out() -> None:
    keys = list(yaml.safe_load(export_jobs_yaml([specs()[0]]))["jobs"][0])
    assert keys == [
        "id",
        "name",
        "kind",
        "command",
        "env",
        "schedule",
        "description",
        "timeout",
        "retries",
        "alert_channel",
    ]


def test_it_writes_a_jobs_file_people_can_read() -> None:
    text = export_jobs_yaml([specs()[0], specs()[1]])
    assert text == (
        "jobs:\n"
        "  - id: nightly-backup\n"
        "    name: Nightly backup\n"
        "    kind: shell\n"
        "    command: [pg_dump, -f, /backups/db.sql, app]\n"
        "    env:\n"
        "      PGHOST: db\n"
        "      VERBOSE: 'true'\n"
        "      LEVEL: '010'\n"
        "    schedule: {cron: 0 2 * * *, timezone: Europe/Berlin, jitter: 1m}\n"
        "    description: Dump the app database\n"
        "    timeout: 10m\n"
        "    retries: {max: 3}\n"
        "    alert_channel: '#ops'\n"
        "\n"
        "  - id: script\n"
        "    name: 'on'\n"
        "    kind: shell\n"
        "    command: |\n"
        "      set -e\n"
        "      cd /tmp\n"
        "      echo 'a: b' # not a comment\n"
        "    schedule: {cron: '*/5 * * * *'}\n"
    )


def test_it_keeps_unicode_readable() -> None:
    assert "name: Sitrep ✓ für alle" in export_jobs_yaml([specs()[-1]])


@pytest.fixture
def store(db: Database) -> JobStore:
    return JobStore(db)


async def test_an_import_creates_new_jobs_as_api_jobs(store: JobStore, clock: ManualClock) -> None:
    report = await import_jobs(store, [shell("a"), shell("b")], now=clock(), actor="U_ALICE")
    assert report == SyncReport(created=["a", "b"])
    stored = await store.require("a")
    assert (stored.source, stored.file_hash, stored.updated_by) == ("api", None, "U_ALICE")


async def test_an_import_updates_changed_jobs_and_never_disables_others(store: JobStore, clock: ManualClock) -> None:
    await import_jobs(store, [shell("a"), shell("b"), shell("c")], now=clock(), actor="U_ALICE")
    await store.set_paused("b", True, actor="U_BOB", now=clock())

    report = await import_jobs(store, [shell("a"), shell("b", timeout="1m")], now=clock(), actor="U_CAROL")

    assert report == SyncReport(updated=["b"], unchanged=["a"])
    b, c = await store.require("b"), await store.require("c")
    assert (b.spec, b.paused) == (shell("b", timeout="1m"), True)
    assert c.enabled


async def test_an_import_onto_a_file_job_is_a_run_time_edit_the_file_respects(
    store: JobStore, clock: ManualClock
) -> None:
    await sync_jobs(store, [shell("backup")], now=clock())
    imported = shell("backup", timeout="2h")

    assert await import_jobs(store, [imported], now=clock(), actor="U_ALICE") == SyncReport(updated=["backup"])
    stored = await store.require("backup")
    assert (stored.spec, stored.source, stored.file_hash) == (imported, "file", spec_hash(shell("backup")))

    assert await sync_jobs(store, [shell("backup")], now=clock()) == SyncReport(unchanged=["backup"])
    assert (await store.require("backup")).spec == imported


async def test_an_import_refuses_two_jobs_with_one_id(store: JobStore, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="given twice"):
        await import_jobs(store, [shell("a"), shell("a")], now=clock(), actor="U_ALICE")
    assert await store.list() == []


async def test_exporting_the_database_and_importing_it_changes_nothing(store: JobStore, clock: ManualClock) -> None:
    await import_jobs(store, specs(), now=clock(), actor="U_ALICE")
    stored = await store.list()
    before = {job.id: job for job in stored}

    text = export_jobs_yaml([job.spec for job in stored])
    report = await import_jobs(store, parse_jobs_document(text, "export.yml"), now=clock.advance(60), actor="U_BOB")

    assert report == SyncReport(unchanged=sorted(before))
    assert {job.id: job for job in await store.list()} == before


async def test_an_export_imported_into_an_empty_database_recreates_every_job(
    store: JobStore, clock: ManualClock
) -> None:
    text = export_jobs_yaml(specs())
    report = await import_jobs(store, parse_jobs_document(text, "export.yml"), now=clock(), actor="U_ALICE")
    assert report.created == [data["id"] for data in JOBS]
    assert sorted((job.spec for job in await store.list()), key=lambda s: s.id) == sorted(specs(), key=lambda s: s.id)
