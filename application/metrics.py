"""Prometheus metrics, fed by the event bus and by the bot, on a registry of their own.

A registry per ``Metrics`` (not prometheus_client's global one) lets tests and several instances in one process
live side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from core.events import EventBus, RunFailed, RunSkipped, RunsMissed, RunStarted, RunSucceeded
from core.runs import RunStatus, RunTrigger

# Interrupted runs are counted but not timed: their duration says when they were stopped (after a crash it
# even includes the downtime), not how long the job takes.
TIMED_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT})

DURATION_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
# Slack wants an acknowledgement within 3 seconds; the buckets are fine-grained below that.
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5)


class LeadershipSource(Protocol):
    """What the metrics need of a replica (core.engine.replica.Replica)."""

    @property
    def leading(self) -> bool: ...

    on_role_change: list[Callable[..., None]]


class Metrics:
    """Run counts and durations, scheduler lag, Slack acknowledgement times and connection state.

    ``scheduler_running`` is asked at every scrape, so the gauge is never stale.
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, scheduler_running: Callable[[], bool]) -> None:
        self.registry = CollectorRegistry()
        self._runs = Counter(
            "schedops_runs",
            "Runs that ended, and scheduled runs that were missed, by job and status.",
            ["job", "status"],
            registry=self.registry,
        )
        self._duration = Histogram(
            "schedops_run_duration_seconds",
            "How long runs took (succeeded, failed and timed-out runs).",
            ["job"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._lag = Histogram(
            "schedops_scheduler_lag_seconds",
            "How late schedule-triggered runs started after their scheduled time.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self._ack = Histogram(
            "schedops_slack_ack_seconds",
            "How long the bot took to acknowledge a Slack request.",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self._slack_connected = Gauge(
            "schedops_slack_connected", "1 while connected to Slack, else 0.", registry=self.registry
        )
        running = Gauge(
            "schedops_scheduler_running", "1 while the scheduler is running, else 0.", registry=self.registry
        )
        running.set_function(lambda: float(scheduler_running()))
        self._leader = Gauge(
            "schedops_leader", "1 while this replica leads (fires schedules), else 0.", registry=self.registry
        )
        self._leadership_changes = Counter(
            "schedops_leadership_changes",
            "Times this replica became leader or stopped leading.",
            registry=self.registry,
        )

    def follow_leadership(self, replica: LeadershipSource) -> None:
        self._leader.set_function(lambda: float(replica.leading))
        replica.on_role_change.append(lambda _role: self._leadership_changes.inc())

    def subscribe(self, events: EventBus) -> None:
        """Count and time runs from now on; subscribe before the engine starts so recovered runs count too."""
        events.subscribe(RunStarted, self._on_started)
        events.subscribe(RunSucceeded, self._on_ended)
        events.subscribe(RunFailed, self._on_ended)
        events.subscribe(RunSkipped, self._on_ended)
        events.subscribe(RunsMissed, self._on_missed)

    def observe_ack(self, seconds: float) -> None:
        self._ack.observe(seconds)

    def set_slack_connected(self, connected: bool) -> None:
        self._slack_connected.set(1 if connected else 0)

    def render(self) -> bytes:
        """The registry in Prometheus' text format (see ``content_type``)."""
        return generate_latest(self.registry)

    async def _on_started(self, event: RunStarted) -> None:
        run = event.run
        if run.trigger is RunTrigger.SCHEDULE and run.scheduled_at is not None and run.started_at is not None:
            self._lag.observe(max(0.0, (run.started_at - run.scheduled_at).total_seconds()))

    async def _on_ended(self, event: RunSucceeded | RunFailed | RunSkipped) -> None:
        # Each run publishes exactly one of these when it ends (RunRecovered comes on top and is not counted).
        run = event.run
        self._runs.labels(job=run.job_id, status=run.status.value).inc()
        if run.status in TIMED_STATUSES and run.duration is not None:
            self._duration.labels(job=run.job_id).observe(run.duration.total_seconds())

    async def _on_missed(self, event: RunsMissed) -> None:
        self._runs.labels(job=event.job_id, status=RunStatus.MISSED.value).inc(event.count)
