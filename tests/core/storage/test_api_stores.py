"""API tokens, per-job statistics and the webhook outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.api_tokens import ApiTokenStore, TokenRole
from core.job_stats import job_stats
from core.runs import ErrorClass, ExecutionResult, RunStatus, RunTrigger
from core.storage.database import Database
from core.storage.runs_store import RunStore
from core.webhooks.outbox import MAX_ATTEMPTS, WebhookOutbox

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_a_token_authenticates_until_revoked_and_notes_its_last_use(db: Database) -> None:
    store = ApiTokenStore(db)
    token, secret = await store.create("ci", TokenRole.OPERATOR, acting_as="U0CAROL", now=NOW)
    assert token.last_used_at is None

    found = await store.authenticate(secret, now=NOW + timedelta(minutes=5))
    assert found is not None and found.role is TokenRole.OPERATOR and found.acting_as == "U0CAROL"
    [listed] = await store.list()
    assert listed.last_used_at == NOW + timedelta(minutes=5)
    assert await store.authenticate(secret + "x", now=NOW) is None

    await store.revoke("ci", now=NOW + timedelta(hours=1))
    assert await store.authenticate(secret, now=NOW + timedelta(hours=2)) is None


async def _run(runs: RunStore, job_id: str, at: datetime, status: RunStatus, seconds: float) -> None:
    run = await runs.add(job_id, trigger=RunTrigger.SCHEDULE, status=RunStatus.RUNNING, now=at, scheduled_at=at)
    error = ErrorClass.PERMANENT if status is RunStatus.FAILED else None
    await runs.finish(run.id, ExecutionResult(status=status, error_class=error), now=at + timedelta(seconds=seconds))


async def test_job_stats_count_only_that_jobs_runs_inside_the_window(db: Database) -> None:
    runs = RunStore(db)
    await _run(runs, "backup", NOW - timedelta(days=10), RunStatus.FAILED, 1)  # outside 7 days
    await _run(runs, "backup", NOW - timedelta(days=3), RunStatus.SUCCEEDED, 2)
    await _run(runs, "backup", NOW - timedelta(days=2), RunStatus.FAILED, 4)
    await _run(runs, "backup", NOW - timedelta(days=1), RunStatus.SUCCEEDED, 6)
    await _run(runs, "other", NOW - timedelta(days=1), RunStatus.FAILED, 9)

    stats = await job_stats(db, "backup", days=7, now=NOW)

    assert (stats.runs, stats.succeeded, stats.failed) == (3, 2, 1)
    assert stats.success_rate == round(2 / 3, 4) and stats.max_duration_ms == 6000
    assert stats.mean_duration_ms == 4000.0
    assert stats.last_run_at == NOW - timedelta(days=1)
    assert stats.last_failure_at == NOW - timedelta(days=2)


async def test_job_stats_of_a_job_without_runs_are_empty(db: Database) -> None:
    stats = await job_stats(db, "backup", days=7, now=NOW)
    assert stats.runs == 0 and stats.success_rate is None and stats.last_run_at is None


async def test_the_outbox_keeps_a_delivery_until_delivered_or_given_up(db: Database) -> None:
    outbox = WebhookOutbox(db)
    await outbox.add("https://hooks.example/a", "job.changed", "{}", now=NOW)
    [due] = await outbox.due(now=NOW)
    assert await outbox.failed(due, "HTTP 500", now=NOW, permanent=False)
    assert await outbox.due(now=NOW) == []
    [again] = await outbox.due(now=NOW + timedelta(seconds=30))
    await outbox.delivered(again, now=NOW + timedelta(seconds=30))
    assert await outbox.due(now=NOW + timedelta(days=1)) == []

    await outbox.add("https://hooks.example/a", "job.changed", "{}", now=NOW)
    later = NOW
    for _ in range(MAX_ATTEMPTS):
        [owed] = await outbox.due(now=later)
        await outbox.failed(owed, "timeout", now=later, permanent=False)
        later += timedelta(days=1)
    assert await outbox.due(now=later) == []  # given up after MAX_ATTEMPTS
