"""What a run is: its statuses, why it started, how a failure is classified, and what an execution returns."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

OUTPUT_TAIL_BYTES = 8 * 1024


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"
    SKIPPED = "skipped"
    MISSED = "missed"

    @property
    def is_failure(self) -> bool:
        return self in FAILURE_STATUSES

    @property
    def is_outcome(self) -> bool:
        return self in OUTCOME_STATUSES

    @property
    def is_finished(self) -> bool:
        return self is not RunStatus.RUNNING


# A run that ran and did not succeed: what failure streaks, alerts and fix-it count.
FAILURE_STATUSES = frozenset({RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.INTERRUPTED})
# A run that ran to an end: what success rates and "the latest outcome" are about. Skipped and missed runs
# are not outcomes: the job did not run, so they neither fail nor heal it.
OUTCOME_STATUSES = FAILURE_STATUSES | {RunStatus.SUCCEEDED}
# The same sets as column values, in a stable order, for SQL ``IN`` lists.
FAILURE_VALUES: tuple[str, ...] = tuple(sorted(status.value for status in FAILURE_STATUSES))
OUTCOME_VALUES: tuple[str, ...] = tuple(sorted(status.value for status in OUTCOME_STATUSES))


class RunTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    RETRY = "retry"
    FIXIT = "fixit"


class ErrorClass(StrEnum):
    """Whether trying again can help: the distinction retries and fix-it modes rest on."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What an executor reports about one attempt; the engine turns it into the run's final row."""

    status: RunStatus
    exit_code: int | None = None
    http_status: int | None = None
    error_class: ErrorClass | None = None
    error_message: str | None = None
    output_tail: str | None = None
    result: Any = None
    # Work the executor could not stop (a thread past its timeout): the job's slot stays taken until it ends,
    # so max_instances holds even then.
    still_running: asyncio.Future[Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def failure(
        cls, message: str, error_class: ErrorClass, *, status: RunStatus = RunStatus.FAILED, **fields: Any
    ) -> ExecutionResult:
        return cls(status=status, error_class=error_class, error_message=message, **fields)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One row of run history, as stored."""

    id: int
    job_id: str
    trigger: RunTrigger
    attempt: int
    status: RunStatus
    created_at: datetime
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    requested_by: str | None = None
    retry_of: int | None = None
    fixit_plan_id: str | None = None
    exit_code: int | None = None
    http_status: int | None = None
    error_class: ErrorClass | None = None
    error_message: str | None = None
    output_tail: str | None = None
    result: Any = None
    retry_at: datetime | None = None

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


def tail_text(data: bytes | str, limit: int = OUTPUT_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of ``data`` as text, cut on a character boundary."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if len(raw) <= limit:
        return raw.decode("utf-8", "replace")
    return raw[-limit:].decode("utf-8", "ignore")
