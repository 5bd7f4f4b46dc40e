"""schedops configuration: parsed once at start-up, strictly, from an environment mapping passed in.

Every variable is listed in ``VARIABLES`` (the README's reference is generated from the same names). A bad
value raises ``ConfigError`` whose lines each name the variable and what is wrong, never the secret itself.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.durations import MAX_DURATION, DurationError, parse_duration
from core.jobs.celery_urls import BROKER_SCHEMES, broker_url_problem, result_backend_problem
from core.jobs.timezones import timezone_problem
from core.storage.database_url import url_problem
from core.webhooks.endpoints import WebhookEndpoint, parse_webhooks

# Secrets may also be read from a file named by VARIABLE_FILE (Docker / Kubernetes secrets).
SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SCHEDOPS_SIGNING_SECRET",
    "DATABASE_URL",
    "SCHEDOPS_WEBHOOKS",
    "SCHEDOPS_BROKER_URL",
    "SCHEDOPS_CELERY_BROKER_URL",
    "SCHEDOPS_CELERY_RESULT_BACKEND",
)


MIN_SECRET_BYTES = 32
# What a shell job inherits from schedops' environment unless SCHEDOPS_JOB_ENV says otherwise: enough to find
# programs and speak the locale, nothing that may hold a credential.
DEFAULT_JOB_ENV = frozenset({"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "LOGNAME"})
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The longest each duration setting may be: finite, and far beyond any sensible value.
_DURATION_BOUNDS = {
    "run_retention": MAX_DURATION,
    "misfire_grace": timedelta(days=30),
    "shutdown_timeout": timedelta(hours=1),
    "approval_ttl": timedelta(days=30),
    "jobs_file_reload": timedelta(days=1),
    "job_watch_interval": timedelta(hours=1),
}


class ConfigError(Exception):
    """Configuration that cannot be used; ``lines`` holds one precise message per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def _id_set(value: Any) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    return frozenset(str(part) for part in value)


# Writes over the HTTP API per token, unless configured: a burst of 30, then 60 a minute. Reads are not limited
# (they change nothing).
API_WRITE_BURST = 30
API_WRITES_PER_MINUTE = 60


class Settings(BaseModel):
    """The whole configuration. Field aliases are the environment variable names.

    A plain model: load_settings() reads the environment and .env itself (strictly, naming unknown variables), so
    a settings library would add nothing but its import, a tenth of a CLI command's start-up. Defaults are
    validated like given values, so a default is held to the same rules."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", validate_default=True)

    database_url: SecretStr = Field(SecretStr("sqlite+aiosqlite:///schedops.db"), alias="DATABASE_URL")
    jobs_file: Path | None = Field(None, alias="SCHEDOPS_JOBS_FILE")
    timezone: str = Field("UTC", alias="SCHEDOPS_TIMEZONE")
    run_retention: timedelta = Field(timedelta(days=30), alias="SCHEDOPS_RUN_RETENTION")
    misfire_grace: timedelta = Field(timedelta(minutes=5), alias="SCHEDOPS_MISFIRE_GRACE")
    shutdown_timeout: timedelta = Field(timedelta(seconds=30), alias="SCHEDOPS_SHUTDOWN_TIMEOUT")
    jobs_file_reload: timedelta = Field(timedelta(seconds=30), alias="SCHEDOPS_JOBS_FILE_RELOAD")
    job_watch_interval: timedelta = Field(timedelta(seconds=2), alias="SCHEDOPS_JOB_WATCH_INTERVAL")
    admins: frozenset[str] = Field(frozenset(), alias="SCHEDOPS_ADMINS")
    approvers: frozenset[str] = Field(frozenset(), alias="SCHEDOPS_APPROVERS")
    allow_self_approval: bool = Field(False, alias="SCHEDOPS_ALLOW_SELF_APPROVAL")
    approval_ttl: timedelta = Field(timedelta(hours=1), alias="SCHEDOPS_APPROVAL_TTL")
    signing_secret: SecretStr | None = Field(None, alias="SCHEDOPS_SIGNING_SECRET")
    failure_streak_unhealthy: int = Field(3, ge=1, alias="SCHEDOPS_FAILURE_STREAK_UNHEALTHY")
    port: int = Field(8080, ge=0, le=65535, alias="PORT")
    log_format: Literal["human", "json"] = Field("human", alias="SCHEDOPS_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="SCHEDOPS_LOG_LEVEL")
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    alert_channel: str | None = Field(None, alias="SCHEDOPS_ALERT_CHANNEL")
    allow_shell_from_slack: bool = Field(False, alias="SCHEDOPS_ALLOW_SHELL_FROM_SLACK")
    heartbeat_url: str | None = Field(None, alias="SCHEDOPS_HEARTBEAT_URL")
    http_host: str = Field("127.0.0.1", min_length=1, alias="SCHEDOPS_HTTP_HOST")
    output_readers: Literal["admins", "approvers", "everyone"] = Field("approvers", alias="SCHEDOPS_OUTPUT_READERS")
    allow_guests: bool = Field(False, alias="SCHEDOPS_ALLOW_GUESTS")
    job_env: frozenset[str] = Field(DEFAULT_JOB_ENV, alias="SCHEDOPS_JOB_ENV")
    max_open_requests: int = Field(5, ge=1, le=1000, alias="SCHEDOPS_MAX_OPEN_REQUESTS")
    # The API's write limits per token; beyond them a write is answered 429 with Retry-After.
    api_write_burst: int = Field(API_WRITE_BURST, ge=1, le=100_000, alias="SCHEDOPS_API_WRITE_BURST")
    api_writes_per_minute: int = Field(
        API_WRITES_PER_MINUTE, ge=1, le=1_000_000, alias="SCHEDOPS_API_WRITES_PER_MINUTE"
    )
    # URLs with their secrets as fragments (core.webhooks.endpoints): a secret as a whole.
    webhooks: SecretStr | None = Field(None, alias="SCHEDOPS_WEBHOOKS")
    sandbox: Literal["on", "off"] | None = Field(None, alias="SCHEDOPS_SANDBOX")
    sandbox_port: int = Field(8081, ge=0, le=65535, alias="SCHEDOPS_SANDBOX_PORT")
    # Where runs execute: in this process (local), or on `schedops worker` processes through a Celery broker.
    execution: Literal["local", "celery"] = Field("local", alias="SCHEDOPS_EXECUTION")
    broker_url: SecretStr | None = Field(None, alias="SCHEDOPS_BROKER_URL")  # may carry a password
    # The team's own Celery app, for `kind: celery` jobs that name no broker or result backend of their own:
    # not SCHEDOPS_BROKER_URL, which is schedops' own broker and may well be another one.
    celery_broker_url: SecretStr | None = Field(None, alias="SCHEDOPS_CELERY_BROKER_URL")
    celery_result_backend: SecretStr | None = Field(None, alias="SCHEDOPS_CELERY_RESULT_BACKEND")

    @field_validator(
        "run_retention",
        "misfire_grace",
        "shutdown_timeout",
        "approval_ttl",
        "jobs_file_reload",
        "job_watch_interval",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any, info: ValidationInfo) -> timedelta:
        try:
            return parse_duration(value, maximum=_DURATION_BOUNDS[str(info.field_name)])
        except DurationError as error:
            raise ValueError(str(error)) from None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr) -> SecretStr:
        problem = url_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(problem.removeprefix("DATABASE_URL: "))
        return value

    @field_validator("admins", "approvers", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> frozenset[str]:
        return _id_set(value)

    @field_validator("job_env", mode="before")
    @classmethod
    def _names(cls, value: Any) -> frozenset[str]:
        names = _id_set(value)
        bad = sorted(name for name in names if not _ENV_NAME.fullmatch(name))
        if bad:
            raise ValueError(f"not environment variable names: {', '.join(map(repr, bad))}")
        return names

    @field_validator("signing_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # An HMAC key shorter than its 256-bit output can be guessed offline from one signed button.
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes (e.g. openssl rand -hex 32)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _https(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
        except ValueError:
            raise ValueError("not a URL") from None
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and _loopback(parts.hostname or ""):
            return value  # a local Slack-compatible server (tests); the token never leaves the machine
        raise ValueError("must be an https:// URL (http:// only for a loopback host): it carries the bot token")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        problem = timezone_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("jobs_file", mode="before")
    @classmethod
    def _empty_path(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("heartbeat_url", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        if value in (None, ""):
            return None
        if not str(value).startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL to ping (e.g. a Healthchecks check's ping URL)")
        return value

    @field_validator("webhooks")
    @classmethod
    def _webhooks(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_webhooks(value.get_secret_value())  # ValueError names the entry, never its secret
        return value

    @property
    def webhook_endpoints(self) -> tuple[WebhookEndpoint, ...]:
        return () if self.webhooks is None else parse_webhooks(self.webhooks.get_secret_value())

    @field_validator("sandbox", mode="before")
    @classmethod
    def _on_off(cls, value: Any) -> Any:
        return None if value == "" else value.lower() if isinstance(value, str) else value

    @field_validator("broker_url")
    @classmethod
    def _broker_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value.get_secret_value())
            parts.port  # noqa: B018 - a bad port raises here
        except ValueError:
            raise ValueError("not a URL") from None
        if parts.scheme not in BROKER_SCHEMES or not parts.hostname:
            raise ValueError("expected a redis://host[:port][/db] or amqp://user:password@host[:port][/vhost] URL")
        return value

    @field_validator("celery_broker_url")
    @classmethod
    def _celery_broker_url(cls, value: SecretStr | None) -> SecretStr | None:
        problem = None if value is None else broker_url_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("celery_result_backend")
    @classmethod
    def _celery_result_backend(cls, value: SecretStr | None) -> SecretStr | None:
        problem = None if value is None else result_backend_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator(
        "slack_bot_token",
        "slack_app_token",
        "signing_secret",
        "webhooks",
        "broker_url",
        "celery_broker_url",
        "celery_result_backend",
        mode="before",
    )
    @classmethod
    def _empty_secret(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _slack_tokens(self) -> Settings:
        bot, app = self.slack_bot_token, self.slack_app_token
        if (bot is None) != (app is None):
            missing = "SLACK_APP_TOKEN" if app is None else "SLACK_BOT_TOKEN"
            raise ValueError(f"{missing}: set it too; Slack needs both SLACK_BOT_TOKEN and SLACK_APP_TOKEN")
        if bot is not None and not bot.get_secret_value().startswith("xoxb-"):
            raise ValueError("SLACK_BOT_TOKEN: expected a bot token starting with xoxb-")
        if app is not None and not app.get_secret_value().startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN: expected an app-level token starting with xapp- (connections:write)")
        return self

    @model_validator(mode="after")
    def _broker_for_celery(self) -> Settings:
        if self.execution == "celery" and self.broker_url is None:
            raise ValueError(
                "SCHEDOPS_BROKER_URL: required when SCHEDOPS_EXECUTION=celery (e.g. redis://127.0.0.1:6379/0)"
            )
        return self

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None and self.slack_app_token is not None

    @property
    def sandbox_enabled(self) -> bool:
        """Whether to run the local Slack workspace: on unless turned off; real Slack tokens take precedence."""
        return not self.slack_configured and self.sandbox != "off"


_ALIASES = {field.alias: name for name, field in Settings.model_fields.items() if field.alias}
VARIABLES = tuple(_ALIASES)


def load_settings(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Settings:
    """Build Settings from ``environ`` layered over an optional ``.env`` file (the environment wins).

    Raises ConfigError listing every bad or unknown variable.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        from dotenv import dotenv_values  # only when there is a .env to read

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(environ)
    problems = _read_secret_files(values)
    problems += _unknown_variables(values)
    chosen = {name: values[name] for name in VARIABLES if name in values}
    if "SCHEDOPS_JOBS_FILE" not in chosen and Path("jobs.yml").is_file():
        chosen["SCHEDOPS_JOBS_FILE"] = "jobs.yml"
    try:
        settings = Settings.model_validate(chosen)
    except ValidationError as error:
        problems += [_describe(item) for item in error.errors()]
        settings = None
    if problems or settings is None:
        raise ConfigError(problems)
    return settings


def _read_secret_files(values: dict[str, str]) -> list[str]:
    problems = []
    for name in SECRET_VARIABLES:
        path = values.pop(f"{name}_FILE", None)
        if not path:
            continue
        if name in values:
            problems.append(f"{name}_FILE: set together with {name}; set only one of them")
            continue
        try:
            values[name] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            problems.append(f"{name}_FILE: cannot read {path}: {error.strerror}")
    return problems


def _unknown_variables(values: Mapping[str, str]) -> list[str]:
    problems = []
    for name in sorted(values):
        if name.startswith("SCHEDOPS_") and name not in _ALIASES:
            hint = difflib.get_close_matches(name, VARIABLES, n=1)
            suffix = f" (did you mean {hint[0]}?)" if hint else ""
            problems.append(f"{name}: unknown setting{suffix}")
    return problems


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:
        return message  # a rule across variables names them itself
    name = str(error["loc"][0])
    if name in SECRET_VARIABLES:
        return f"{name}: {message}"
    shown = repr(error.get("input"))
    return f"{name}: {message}" if shown in message else f"{name}: {message} (got {shown})"


def settings_from_process() -> Settings:
    """Settings from the real process environment and ./.env: the one place that reads os.environ."""
    return load_settings(os.environ)
