"""Job definitions: the typed, validated shape of one scheduled job, shared by the jobs file, the database,
the CLI and the bot. Unknown fields are refused so that a typo never silently changes behaviour."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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

from core.durations import A_DAY, A_YEAR, DurationError, format_duration, parse_duration
from core.jobs.celery_urls import broker_url_problem, result_backend_problem
from core.jobs.cron import NEVER_FIRES, CronError, check_fires, parse_cron
from core.jobs.hints import crontab_line_hint
from core.jobs.timezones import timezone_problem


def _bounded(maximum: timedelta) -> BeforeValidator:
    def parse(value: Any) -> timedelta:
        try:
            return parse_duration(value, maximum=maximum)
        except DurationError as error:
            raise ValueError(str(error)) from None

    return BeforeValidator(parse)


_AS_TEXT = PlainSerializer(format_duration, return_type=str, when_used="json")
# One bound per use: each is far beyond any sensible value, and small enough that a date plus it (or plus
# a retry's backoff doubled twenty times) never leaves datetime's range.
Timeout = Annotated[timedelta, _bounded(A_YEAR), _AS_TEXT]
Interval = Annotated[timedelta, _bounded(A_YEAR), _AS_TEXT]
Jitter = Annotated[timedelta, _bounded(A_DAY), _AS_TEXT]
Backoff = Annotated[timedelta, _bounded(A_DAY), _AS_TEXT]
Grace = Annotated[timedelta, _bounded(timedelta(days=30)), _AS_TEXT]
Window = Annotated[timedelta, _bounded(timedelta(days=30)), _AS_TEXT]
JOB_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
QUEUE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
SLACK_USER_PATTERN = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
# A Celery task's registered name: dotted identifiers, as Celery names tasks after their module and function.
CELERY_TASK_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"


def check_timezone(value: str) -> str:
    problem = timezone_problem(value)
    if problem is not None:
        raise ValueError(problem)
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


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be called (scheme, host, port, characters), or None. Never shown in full: a URL
    may carry a credential."""
    if not re.fullmatch(r"https?://\S+", url) or any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return "url must start with http:// or https:// and hold no spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:  # "Port out of range 0-65535", "Invalid IPv6 URL", a port that is not a number
        return f"url is not a valid URL: {str(error).lower() or 'cannot be read'}"
    if not parts.hostname:
        return "url must name a host, e.g. https://example.com/path"
    if port == 0:
        return "url port must be from 1 to 65535"
    return None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CronSchedule(_Model):
    """Fire on a crontab expression (five fields or @hourly/@daily/...) in a time zone."""

    cron: str
    timezone: str | None = None  # None: SCHEDOPS_TIMEZONE
    jitter: Jitter | None = None

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str, info: ValidationInfo) -> str:
        problem = crontab_line_hint(value) or _cron_problem(value)
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

    interval: Interval
    jitter: Jitter | None = None

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
    backoff: Backoff = timedelta(seconds=30)

    def delay_before(self, retry_number: int) -> timedelta:
        """The wait before retry number ``retry_number`` (1 for the first retry)."""
        return self.backoff * (1 << (retry_number - 1))


class _JobBase(_Model):
    id: str = Field(pattern=JOB_ID_PATTERN)
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    schedule: Schedule
    timeout: Timeout = timedelta(hours=1)
    retries: RetryPolicy = RetryPolicy()
    max_instances: int = Field(1, ge=1, le=100)
    misfire_grace: Grace | None = None  # None: SCHEDOPS_MISFIRE_GRACE
    alert_channel: str | None = None
    # Whose job this is (a Slack user id): the creator by default; failure alerts mention them.
    owner: str | None = Field(None, pattern=SLACK_USER_PATTERN.pattern)
    enabled: bool = True
    # Which `schedops worker --queue` processes may run it when SCHEDOPS_EXECUTION=celery (ignored locally).
    queue: str = Field("schedops", pattern=QUEUE_PATTERN)

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
        problem = url_problem(value)
        if problem is not None:
            raise ValueError(problem)
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


class CeleryJob(_JobBase):
    """Send a task of your own Celery app by name, with ``args`` and ``kwargs``, to ``task_queue``; with a
    result backend, follow it to SUCCESS or FAILURE."""

    kind: Literal["celery"]
    task: str = Field(max_length=200)
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    # The queue of the team's app (None: Celery's default, "celery"). Not ``queue``: every job has that one,
    # naming the `schedops worker` processes that carry the run out under SCHEDOPS_EXECUTION=celery.
    task_queue: str | None = Field(None, pattern=QUEUE_PATTERN)
    broker: str | None = None  # None: SCHEDOPS_CELERY_BROKER_URL
    result_backend: str | None = None  # None: SCHEDOPS_CELERY_RESULT_BACKEND
    # False: the run succeeds once the task is sent, even with a result backend (a task that ignores its
    # result would otherwise stay PENDING until the timeout).
    wait_for_result: bool = True

    @field_validator("task")
    @classmethod
    def _task_name(cls, value: str) -> str:
        if not re.fullmatch(CELERY_TASK_PATTERN, value):
            raise ValueError(f"task must be a registered task name such as app.tasks.sync, got {value!r}")
        return value

    @field_validator("broker")
    @classmethod
    def _broker(cls, value: str | None) -> str | None:
        problem = None if value is None else broker_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("result_backend")
    @classmethod
    def _result_backend(cls, value: str | None) -> str | None:
        problem = None if value is None else result_backend_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class DigestJob(_JobBase):
    """Post the sitrep to a Slack channel (carried out by the bot)."""

    kind: Literal["digest"]
    channel: str
    only_when_unhealthy: bool = False
    window: Window = timedelta(hours=24)


JobSpec = Annotated[ShellJob | HttpJob | PythonJob | CeleryJob | DigestJob, Field(discriminator="kind")]
JobKind = Literal["shell", "http", "python", "celery", "digest"]
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
