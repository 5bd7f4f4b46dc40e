from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.metrics import Metrics
from core.events import EventBus, RunFailed, RunRecovered, RunSkipped, RunsMissed, RunStarted, RunSucceeded
from core.runs import RunRecord, RunStatus, RunTrigger

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def run(status: RunStatus, *, trigger: RunTrigger = RunTrigger.SCHEDULE, late: float = 0, took: float = 0) -> RunRecord:
    started = T0 + timedelta(seconds=late)
    finished = None if status is RunStatus.RUNNING else started + timedelta(seconds=took)
    return RunRecord(
        id=1,
        job_id="backup",
        trigger=trigger,
        attempt=1,
        status=status,
        created_at=started,
        scheduled_at=T0,
        started_at=started,
        finished_at=finished,
    )


async def published(*events: object) -> Metrics:
    bus = EventBus()
    metrics = Metrics(scheduler_running=lambda: True)
    metrics.subscribe(bus)
    for event in events:
        bus.publish(event)  # type: ignore[arg-type]
    await bus.drain()
    return metrics


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


async def test_it_counts_each_run_once_by_its_final_status() -> None:
    succeeded = run(RunStatus.SUCCEEDED, took=3)
    metrics = await published(
        RunStarted(run(RunStatus.RUNNING)),
        RunSucceeded(succeeded),
        RunRecovered(succeeded, failures=2),
        RunFailed(run(RunStatus.TIMED_OUT, took=60), final=False),
        RunFailed(run(RunStatus.INTERRUPTED, took=5), final=True),
        RunSkipped(run(RunStatus.SKIPPED)),
        RunsMissed("backup", 3),
    )
    total = "schedops_runs_total"
    assert sample(metrics, total, job="backup", status="succeeded") == 1
    assert sample(metrics, total, job="backup", status="timed_out") == 1
    assert sample(metrics, total, job="backup", status="interrupted") == 1
    assert sample(metrics, total, job="backup", status="skipped") == 1
    assert sample(metrics, total, job="backup", status="missed") == 3
    assert sample(metrics, total, job="backup", status="running") is None


async def test_it_times_runs_that_ran_to_an_end_but_not_interrupted_or_skipped_ones() -> None:
    metrics = await published(
        RunSucceeded(run(RunStatus.SUCCEEDED, took=3)),
        RunFailed(run(RunStatus.FAILED, took=4), final=True),
        RunFailed(run(RunStatus.INTERRUPTED, took=3600), final=True),
        RunSkipped(run(RunStatus.SKIPPED)),
    )
    assert sample(metrics, "schedops_run_duration_seconds_count", job="backup") == 2
    assert sample(metrics, "schedops_run_duration_seconds_sum", job="backup") == 7


async def test_it_measures_scheduler_lag_of_scheduled_runs_only() -> None:
    metrics = await published(
        RunStarted(run(RunStatus.RUNNING, late=0.2)),
        RunStarted(run(RunStatus.RUNNING, trigger=RunTrigger.RETRY, late=30)),
        RunStarted(run(RunStatus.RUNNING, trigger=RunTrigger.MANUAL, late=30)),
    )
    assert sample(metrics, "schedops_scheduler_lag_seconds_count") == 1
    assert sample(metrics, "schedops_scheduler_lag_seconds_sum") == 0.2


async def test_the_bot_reports_slack_acks_and_connection() -> None:
    metrics = await published()
    assert sample(metrics, "schedops_slack_connected") == 0
    metrics.set_slack_connected(True)
    metrics.observe_ack(0.12)
    metrics.observe_ack(2.9)
    assert sample(metrics, "schedops_slack_connected") == 1
    assert sample(metrics, "schedops_slack_ack_seconds_count") == 2
    assert sample(metrics, "schedops_slack_ack_seconds_bucket", le="0.25") == 1
    metrics.set_slack_connected(False)
    assert sample(metrics, "schedops_slack_connected") == 0


def test_scheduler_running_is_asked_at_scrape_time() -> None:
    running = [True]
    metrics = Metrics(scheduler_running=lambda: running[0])
    assert b"schedops_scheduler_running 1.0" in metrics.render()
    running[0] = False
    assert b"schedops_scheduler_running 0.0" in metrics.render()


def test_two_instances_do_not_collide() -> None:
    first, second = Metrics(scheduler_running=lambda: True), Metrics(scheduler_running=lambda: False)
    first.observe_ack(1)
    assert b"schedops_slack_ack_seconds_count 1.0" in first.render()
    assert b"schedops_slack_ack_seconds_count 0.0" in second.render()
