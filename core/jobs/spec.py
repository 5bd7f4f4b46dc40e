"""Job definitions: the typed, validated shape of one scheduled job, shared by the jobs file, the database,
the CLI and the bot. Unknown fields are refused so that a typo never silently changes behaviour."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.durations import DurationError, format_duration, parse_duration
from core.jobs.cron import NEVER_FIRES, CronError, check_fires, parse_cron


def _duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except DurationError as error:
        raise ValueError(str(error)) from None


Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, return_type=str, when_used="json")
]
JOB_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
    return value


@functools.lru_cache(maxsize=4096)
def _cron_problem(expression: str) -> str | None:
    # Listing a thousand stored jobs re-validates each of them: parse each expression once.
    try:
        parse_cron(expression)
    except CronError as error:
        return str(error)
    return None


@functools.lru_cache(maxsize=4096)
def _never_fires(expression: str, timezone: str, day: date) -> str | None:
    # Cached per day: the answer (a fire time within five years of today) changes at most once a day.
    try:
        check_fires(expression, ZoneInfo(timezone), datetime.combine(day, time(), tzinfo=UTC))
    except CronError as error:
        return str(error)
    return None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CronSchedule(_Model):
    """Fire on a crontab expression (five fields or @hourly/@daily/...) in a time zone."""

    cron: str
    timezone: str | None = None  # None: SCHEDOPS_TIMEZONE
    jitter: Duration | None = None

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str, info: ValidationInfo) -> str:
        problem = _cron_problem(value)
        if problem is not None and not (problem.startswith(NEVER_FIRES) and (info.context or {}).get("stored")):
            raise ValueError(f"bad cron expression {value!r}: {problem}")
        return " ".join(value.split())

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @model_validator(mode="after")
    def _fires(self, info: ValidationInfo) -> CronSchedule:
        """Refuse a schedule with no fire time in the next five years, wherever it is defined. A stored job
        was checked when it was defined and is loaded as it is (context ``stored``)."""
        context = info.context or {}
        if context.get("stored"):
            return self
        now: datetime = context.get("now") or datetime.now(UTC)
        problem = _never_fires(self.cron, self.timezone or "UTC", now.astimezone(UTC).date())
        if problem is not None:
            raise ValueError(f"bad cron expression {self.cron!r}: {problem}")
        return self


class IntervalSchedule(_Model):
    """Fire every ``interval``, optionally delayed by up to ``jitter``."""

    interval: Duration
    jitter: Duration | None = None

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1):
            raise ValueError("interval must be at least 1s")
        return value


class OnceSchedule(_Model):
    """Fire once at ``at`` (an ISO 8601 time with an offset, e.g. 2026-12-01T09:00:00Z)."""

    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with an offset or Z, e.g. 2026-12-01T09:00:00Z")
        return value.astimezone(UTC)


def _schedule_tag(value: Any) -> str | None:
    keys = set(value) if isinstance(value, dict) else set(vars(value)) if isinstance(value, BaseModel) else set()
    for tag in ("cron", "interval", "at"):
        if tag in keys:
            return tag
    return None


Schedule = Annotated[
    Annotated[CronSchedule, Tag("cron")]
    | Annotated[IntervalSchedule, Tag("interval")]
    | Annotated[OnceSchedule, Tag("at")],
    Discriminator(
        _schedule_tag,
        custom_error_type="schedule",
        custom_error_message="schedule needs one of cron, interval or at",
    ),
]


class RetryPolicy(_Model):
    """Automatic retries of a failed run: ``max`` attempts after the first, waiting backoff * 2**n between."""

    max: int = Field(0, ge=0, le=20)
    backoff: Duration = timedelta(seconds=30)

    def delay_before(self, retry_number: int) -> timedelta:
        """The wait before retry number ``retry_number`` (1 for the first retry)."""
        return self.backoff * (1 << (retry_number - 1))


class _JobBase(_Model):
    id: str = Field(pattern=JOB_ID_PATTERN)
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    schedule: Schedule
    timeout: Duration = timedelta(hours=1)
    retries: RetryPolicy = RetryPolicy()
    max_instances: int = Field(1, ge=1, le=100)
    misfire_grace: Duration | None = None  # None: SCHEDOPS_MISFIRE_GRACE
    alert_channel: str | None = None
    enabled: bool = True

    @property
    def title(self) -> str:
        return self.name or self.id

    def grace(self, default: timedelta) -> timedelta:
        """The misfire grace: the job's own (``0s`` included) or ``default`` (SCHEDOPS_MISFIRE_GRACE)."""
        return default if self.misfire_grace is None else self.misfire_grace

    @field_validator("timeout")
    @classmethod
    def _timeout_positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("timeout must be positive")
        return value


class ShellJob(_JobBase):
    """Run a program: an argv list runs without a shell; a string runs through ``sh -c``."""

    kind: Literal["shell"]
    command: list[str] | str
    cwd: str | None = None
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("command")
    @classmethod
    def _not_empty(cls, value: list[str] | str) -> list[str] | str:
        if not value or (isinstance(value, str) and not value.strip()):
            raise ValueError("command must not be empty")
        return value


class HttpJob(_JobBase):
    """Call a URL and check the status."""

    kind: Literal["http"]
    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None  # sent as JSON when not None
    expect_status: list[int] = Field(default_factory=lambda: [200], min_length=1)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"url must start with http:// or https:// and name a host, got {value!r}")
        return value

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class PythonJob(_JobBase):
    """Call ``module:function`` (sync or async) with ``kwargs``."""

    kind: Literal["python"]
    target: str
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if not _TARGET.match(value):
            raise ValueError(f"target must look like package.module:function, got {value!r}")
        return value


class DigestJob(_JobBase):
    """Post the sitrep to a Slack channel (carried out by the bot)."""

    kind: Literal["digest"]
    channel: str
    only_when_unhealthy: bool = False
    window: Duration = timedelta(hours=24)


JobSpec = Annotated[ShellJob | HttpJob | PythonJob | DigestJob, Field(discriminator="kind")]
JobKind = Literal["shell", "http", "python", "digest"]
JOB_SPEC: TypeAdapter[JobSpec] = TypeAdapter(JobSpec)


def parse_job(data: Any, *, now: datetime | None = None) -> JobSpec:
    """Validate one job definition (raises pydantic.ValidationError). A cron schedule must fire within five
    years of ``now`` (default: the wall clock)."""
    return JOB_SPEC.validate_python(data, context={"now": now})


def parse_stored_job(data: Any) -> JobSpec:
    """A definition read back from the database: validated, but not refused for the time that has passed
    since it was defined."""
    return JOB_SPEC.validate_python(data, context={"stored": True})


def job_to_data(spec: JobSpec) -> dict[str, Any]:
    """The job as plain JSON-able data in jobs-file form, defaults left out (round-trips through parse_job)."""
    data: dict[str, Any] = spec.model_dump(mode="json", exclude_defaults=True)
    data["kind"] = spec.kind
    return data
