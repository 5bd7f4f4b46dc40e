"""In-process publish/subscribe, so the bot (or anything else) hears about runs and jobs without core
importing it. Handlers run as tasks: a slow or failing subscriber never delays or breaks the engine."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from core.approvals.model import Approval
from core.runs import RunRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event."""


@dataclass(frozen=True, slots=True)
class RunStarted(Event):
    run: RunRecord


@dataclass(frozen=True, slots=True)
class RunSucceeded(Event):
    run: RunRecord


@dataclass(frozen=True, slots=True)
class RunFailed(Event):
    """A run failed; ``final`` is true when no automatic retry follows (the moment to alert).
    ``cancelled_by`` names who stopped it on purpose (a cancel): such a run is no failure to alert about,
    since whoever cancelled it was told its end, and the audit holds it."""

    run: RunRecord
    final: bool
    cancelled_by: str | None = None


@dataclass(frozen=True, slots=True)
class RunRecovered(Event):
    """A job succeeded after ``failures`` failed runs in a row."""

    run: RunRecord
    failures: int


@dataclass(frozen=True, slots=True)
class RunSkipped(Event):
    run: RunRecord


@dataclass(frozen=True, slots=True)
class RunsMissed(Event):
    job_id: str
    count: int


@dataclass(frozen=True, slots=True)
class JobChanged(Event):
    """A job was added, updated, removed, paused, resumed, enabled or disabled (``change`` says which)."""

    job_id: str
    change: str
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class ApprovalRequested(Event):
    """A request was opened through ``door`` ("slack" or "api"); the Slack app posts those other doors open."""

    approval: Approval
    door: str


@dataclass(frozen=True, slots=True)
class ApprovalDecided(Event):
    """A request was decided (and, if approved, carried out) through ``door``."""

    approval: Approval
    door: str


@dataclass(frozen=True, slots=True)
class QueueStalled(Event):
    """Runs wait on ``queue`` and no online worker consumes it: published once per episode, by the leader
    (core.execution.queue_watch)."""

    queue: str
    waiting: int
    since: datetime


@dataclass(frozen=True, slots=True)
class QueueRecovered(Event):
    """The episode of ``queue`` is over: its runs were taken (a worker came) or ended otherwise."""

    queue: str


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None]]


class EventBus:
    """Subscribers register per event type (or ``Event`` for all); ``publish`` never raises."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._handlers[event_type].append(handler)

    def publish(self, event: Event) -> None:
        for event_type in type(event).__mro__:
            for handler in self._handlers.get(event_type, ()):
                task = asyncio.get_running_loop().create_task(self._deliver(handler, event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every delivered event has been handled (shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @staticmethod
    async def _deliver(handler: Handler, event: Event) -> None:
        try:
            await handler(event)
        except Exception:
            log.exception("event handler %s failed on %s", getattr(handler, "__qualname__", handler), event)
