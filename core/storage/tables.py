"""The database schema. Every change here needs an Alembic revision in migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Unprinted(str):
    """A string whose repr hides it: drivers (aiosqlite at DEBUG) and SQLAlchemy's echo log parameters and
    rows by repr, and a secret must never reach a log line."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<secret>'"


class SecretText(TypeDecorator[str]):
    """Text that is never printed in a log of SQL parameters or result rows."""

    impl = Text()
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else _Unprinted(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else _Unprinted(value)


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for millions of runs.
RunId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Runtime state, never touched by a jobs-file sync: pausing survives restarts and re-syncs.
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_by: Mapped[str | None] = mapped_column(String(64))
    paused_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(8))  # "file" or "api"
    # Hash of the definition as last read from the jobs file: a sync only overwrites what the file changed.
    file_hash: Mapped[str | None] = mapped_column(String(64))
    next_run_time: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))
    # The spec's owner (a Slack user id), copied out of it so the job list filters by owner from an index.
    owner: Mapped[str | None] = mapped_column(String(32), index=True)


# A job's display name, read by the database from its stored definition: lists of many jobs need no parsing.
JOB_NAME: ColumnElement[str | None] = JobRow.spec["name"].as_string()


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(RunId, primary_key=True, autoincrement=True)
    # No foreign key: history outlives a removed job, and a re-created id continues it.
    job_id: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    retry_of: Mapped[int | None] = mapped_column(RunId)
    fixit_plan_id: Mapped[str | None] = mapped_column(String(36))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    # started_at - scheduled_at in milliseconds rounded up, set exactly when a schedule-triggered run starts
    # (runs_store.lateness_ms): the sitrep's on-time count reads it from an index, not from table rows.
    lateness_ms: Mapped[int | None] = mapped_column(BigInteger)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_class: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    output_tail: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any | None] = mapped_column(JSON)
    # Set while an automatic retry is owed, so a restart during the backoff still performs it.
    retry_at: Mapped[datetime | None]
    # The worker (celery hostname) that claimed a run dispatched through Celery: set once, by a conditional
    # UPDATE, so a redelivered message finds the run taken and executes nothing.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    # Who asked to cancel this running run: whoever executes it (this process or a worker) watches for it.
    cancel_requested_by: Mapped[str | None] = mapped_column(String(64))
    # When the worker executing a claimed run last said it was alive: the leader marks the run interrupted
    # when this falls too far behind (a worker SIGKILLed, a host gone).
    heartbeat_at: Mapped[datetime | None]
    # The Celery queue a run was sent to (None: carried out in the leader's own process). A run still running,
    # unclaimed, long after it was sent waits on its queue: the sitrep's queue_unserved rule reads it.
    queue: Mapped[str | None] = mapped_column(String(64))
    # What a python job last reported through its ``progress`` argument (core.execution.progress): a fraction
    # in [0, 1] and a short line, masked like output. Saved at most once per poll, never per call.
    progress: Mapped[float | None] = mapped_column(Float)
    progress_text: Mapped[str | None] = mapped_column(String(200))
    # Whether the run's end was announced (events: alerts, retries). False only for a run sent to a worker
    # until whoever announces it claims it (one conditional UPDATE): a run that ended while no leader followed
    # it is announced by the next leader, once, however many replicas start at once.
    announced: Mapped[bool] = mapped_column(Boolean, server_default=true())

    __table_args__ = (
        # "runs of job X, newest first"
        Index("ix_runs_job_id_id", "job_id", "id"),
        # The sitrep's window figures from the index alone: per status a range of created_at, so counting by
        # status needs no sort; durations for its percentiles, trigger and lateness for its on-time count.
        # The on-time count's rare lookups (a late run's job, an unstarted run's fire time) are seeks of a row
        # on SQLite, but would make PostgreSQL read every row of the window: there the index carries them.
        Index(
            "ix_runs_status_created_at_duration_ms_trigger_lateness_ms",
            "status",
            "created_at",
            "duration_ms",
            "trigger",
            "lateness_ms",
            postgresql_include=["scheduled_at", "job_id"],
        ),
        Index(
            "ix_runs_running",
            "job_id",
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        # Fencing: one row per (job, fire time) of schedule-triggered runs (migration 0009_replicas_fencing).
        Index(
            "ux_runs_schedule_fire",
            "job_id",
            "scheduled_at",
            unique=True,
            sqlite_where=text("\"trigger\" = 'schedule'"),
            postgresql_where=text("\"trigger\" = 'schedule'"),
        ),
        Index(
            "ix_runs_unannounced",
            "id",
            sqlite_where=text("NOT announced"),
            postgresql_where=text("NOT announced"),
        ),
        Index(
            "ix_runs_retry_at",
            "retry_at",
            sqlite_where=text("retry_at IS NOT NULL"),
            postgresql_where=text("retry_at IS NOT NULL"),
        ),
    )


class FixitPlanRow(Base):
    """A stored fix-it plan: approved later, executed at most once (claimed by a conditional UPDATE)."""

    __tablename__ = "fixit_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    window_seconds: Mapped[int] = mapped_column(Integer)
    max_retries: Mapped[int] = mapped_column(Integer)
    job_ids: Mapped[Any | None] = mapped_column(JSON)
    items: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # planned, executing, executed, failed
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[Any | None] = mapped_column(JSON)


class ApprovalRow(Base):
    """A request for a second person's decision; decided by one conditional UPDATE on ``status``."""

    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    params: Mapped[Any] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    outcome: Mapped[Any | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_approvals_status_expires_at", "status", "expires_at"),)


class AuditRow(Base):
    """Every state-changing action and every refused attempt."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(RunId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # ok, refused, failed
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_actor_at", "actor", "at"))


class SecretRow(Base):
    """Secrets schedops generates for itself (the action-token signing key when none is configured)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(SecretText())
    created_at: Mapped[datetime]


class AlertRow(Base):
    """A job's failure alert, recorded before it is sent: where it was posted (``message_ts`` empty until it
    was), the run it shows, and a recovery still to be shown. One row per job; ``resolved_at`` set once the
    alert has been closed (recovered and updated, or given up on)."""

    __tablename__ = "alerts"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    first_run_id: Mapped[int] = mapped_column(RunId)
    last_run_id: Mapped[int | None] = mapped_column(RunId)
    failures: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime]
    recovered_run_id: Mapped[int | None] = mapped_column(RunId)
    recovered_after: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None]


class ReplicaRow(Base):
    """A running schedops process: its role (leader or standby) since when, and its last heartbeat."""

    __tablename__ = "replicas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    role_since: Mapped[datetime]
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    # The last heartbeat this replica sent as leader: the sitrep's "has anyone led in the last 30 s".
    led_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_replicas_heartbeat_at", "heartbeat_at"),)


class WorkerRow(Base):
    """A `schedops worker` process: who it is, what it consumes, and its last heartbeat (its presence thread
    beats every few seconds; a clean shutdown sets ``stopped_at``; ``broker_lost_at`` is set while its broker
    connection is down)."""

    __tablename__ = "workers"

    # The Celery hostname (``name@host``): what runs.claimed_by holds for the runs it executes.
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queues: Mapped[Any] = mapped_column(JSON)  # the queue names it consumes, a list
    concurrency: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    broker_lost_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_workers_heartbeat_at", "heartbeat_at"),)


class InstallationRow(Base):
    """The one row naming this installation (its database): what the broker messages of its runs are told
    apart by (core.execution.base.task_id_for) when several installations share a broker."""

    __tablename__ = "installation"

    # Always 1: the primary key keeps the table to one row, so two replicas creating it at once cannot both.
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    installation_id: Mapped[str] = mapped_column(String(32))


class QueueAlertRow(Base):
    """One episode of a queue that has runs waiting and no online worker to take them: opened and closed by
    the leader's check (core.execution.queue_watch), each change recorded before Slack hears of it (as for
    job alerts). ``served_at`` set: the episode is over; ``resolved_at`` set: nothing is left to show."""

    __tablename__ = "queue_alerts"

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    waiting: Mapped[int] = mapped_column(Integer)
    waiting_since: Mapped[datetime]
    opened_at: Mapped[datetime]
    served_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None]


class RunRequestRow(Base):
    """A run asked for on a standby, carried out by the leader: claimed by one conditional UPDATE."""

    __tablename__ = "run_requests"

    id: Mapped[int] = mapped_column(RunId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    fixit_plan_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(RunId)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_run_requests_unclaimed",
            "id",
            sqlite_where=text("claimed_at IS NULL"),
            postgresql_where=text("claimed_at IS NULL"),
        ),
    )


class ApiTokenRow(Base):
    """A token for the HTTP API. Only the SHA-256 of the token is kept: the token itself is shown once."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer, operator, admin
    acting_as: Mapped[str | None] = mapped_column(String(32))  # a Slack user id
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class WebhookDeliveryRow(Base):
    """One outgoing webhook call, recorded before it is sent and retried until delivered or given up on
    (the outbox, as for alerts). The endpoint's secret is never stored: it is read from the settings."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(RunId, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]  # None: delivered or given up on
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index(
            "ix_webhook_deliveries_next_attempt_at",
            "next_attempt_at",
            sqlite_where=text("next_attempt_at IS NOT NULL"),
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
    )
