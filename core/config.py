"""schedops configuration: parsed once at start-up, strictly, from an environment mapping passed in.

Every variable is listed in ``VARIABLES`` (the README's reference is generated from the same names). A bad
value raises ``ConfigError`` whose lines each name the variable and what is wrong, never the secret itself.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.durations import DurationError, parse_duration

# Secrets may also be read from a file named by VARIABLE_FILE (Docker / Kubernetes secrets).
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SCHEDOPS_SIGNING_SECRET", "DATABASE_URL")


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


class Settings(BaseSettings):
    """The whole configuration. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    database_url: SecretStr = Field(SecretStr("sqlite+aiosqlite:///schedops.db"), alias="DATABASE_URL")
    jobs_file: Path | None = Field(None, alias="SCHEDOPS_JOBS_FILE")
    timezone: str = Field("UTC", alias="SCHEDOPS_TIMEZONE")
    run_retention: timedelta = Field(timedelta(days=30), alias="SCHEDOPS_RUN_RETENTION")
    misfire_grace: timedelta = Field(timedelta(minutes=5), alias="SCHEDOPS_MISFIRE_GRACE")
    shutdown_timeout: timedelta = Field(timedelta(seconds=30), alias="SCHEDOPS_SHUTDOWN_TIMEOUT")
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
    sandbox: Literal["on", "off"] | None = Field(None, alias="SCHEDOPS_SANDBOX")
    sandbox_port: int = Field(8081, ge=0, le=65535, alias="SCHEDOPS_SANDBOX_PORT")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment is an argument of load_settings(), never read behind the caller's back.
        return (init_settings,)

    @field_validator("run_retention", "misfire_grace", "shutdown_timeout", "approval_ttl", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        try:
            return parse_duration(value)
        except DurationError as error:
            raise ValueError(str(error)) from None

    @field_validator("admins", "approvers", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> frozenset[str]:
        return _id_set(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    @field_validator("jobs_file", mode="before")
    @classmethod
    def _empty_path(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("sandbox", mode="before")
    @classmethod
    def _on_off(cls, value: Any) -> Any:
        return None if value == "" else value.lower() if isinstance(value, str) else value

    @field_validator("slack_bot_token", "slack_app_token", "signing_secret", mode="before")
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
    if name in {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SCHEDOPS_SIGNING_SECRET", "DATABASE_URL"}:
        return f"{name}: {message}"
    shown = repr(error.get("input"))
    return f"{name}: {message}" if shown in message else f"{name}: {message} (got {shown})"


def settings_from_process() -> Settings:
    """Settings from the real process environment and ./.env: the one place that reads os.environ."""
    return load_settings(os.environ)
