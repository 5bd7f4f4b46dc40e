from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.config import ConfigError, load_settings


def test_it_uses_embedded_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, env_file=None)
    assert settings.database_url.get_secret_value() == "sqlite+aiosqlite:///schedops.db"
    assert settings.jobs_file is None and settings.timezone == "UTC"
    assert settings.run_retention == timedelta(days=30) and settings.port == 8080
    assert (settings.api_write_burst, settings.api_writes_per_minute) == (30, 60)
    assert not settings.slack_configured


def test_it_finds_jobs_yml_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobs.yml").write_text("jobs: []\n")
    assert load_settings({}, env_file=None).jobs_file == Path("jobs.yml")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SCHEDOPS_TIMEZONE": "Mars/Olympus"}, "SCHEDOPS_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ({"SCHEDOPS_RUN_RETENTION": "forever"}, "SCHEDOPS_RUN_RETENTION: expected a duration"),
        ({"PORT": "http"}, "PORT: "),
        ({"PORT": "70000"}, "PORT: "),
        ({"SCHEDOPS_LOG_FORMAT": "xml"}, "SCHEDOPS_LOG_FORMAT: "),
        ({"SCHEDOPS_API_WRITES_PER_MINUTE": "0"}, "SCHEDOPS_API_WRITES_PER_MINUTE: "),
        ({"SCHEDOPS_API_WRITE_BURST": "lots"}, "SCHEDOPS_API_WRITE_BURST: "),
        ({"SCHEDOPS_TIMEZON": "UTC"}, "SCHEDOPS_TIMEZON: unknown setting (did you mean SCHEDOPS_TIMEZONE?)"),
        ({"SLACK_BOT_TOKEN_FILE": "/nonexistent/token"}, "SLACK_BOT_TOKEN_FILE: cannot read /nonexistent/token"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ, env_file=None)
    assert any(line.startswith(expected) for line in refused.value.lines), refused.value.lines


def test_it_reports_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"SCHEDOPS_TIMEZONE": "Nowhere", "PORT": "x"}, env_file=None)
    assert len(refused.value.lines) == 2


def test_it_never_echoes_a_secret_in_an_error() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"DATABASE_URL": 12345678, "SCHEDOPS_SIGNING_SECRET": ["s3cr3t-value"]}, env_file=None)  # type: ignore[dict-item]
    assert "s3cr3t-value" not in str(refused.value) and "12345678" not in str(refused.value)


def test_the_environment_wins_over_dotenv_and_secrets_come_from_files(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SCHEDOPS_TIMEZONE=Europe/Berlin\nSCHEDOPS_ADMINS=U1\n")
    token = tmp_path / "token"
    token.write_text("xoxb-from-file\n")
    settings = load_settings(
        {"SCHEDOPS_ADMINS": "U_ALICE, U_BOB", "SLACK_BOT_TOKEN_FILE": str(token), "SLACK_APP_TOKEN": "xapp-1"},
        env_file=env_file,
    )
    assert settings.timezone == "Europe/Berlin"
    assert settings.admins == frozenset({"U_ALICE", "U_BOB"})
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == "xoxb-from-file"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN: set it too"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN: set it too"),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN: expected a bot token"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN: expected an app-level token"),
    ],
)
def test_it_refuses_incomplete_or_swapped_slack_tokens(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ, env_file=None)
    assert refused.value.lines[0].startswith(expected)
    assert "xoxb-1" not in str(refused.value) and "xoxp-1" not in str(refused.value)


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({}, True),
        ({"SCHEDOPS_SANDBOX": "on"}, True),
        ({"SCHEDOPS_SANDBOX": "OFF"}, False),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, False),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SCHEDOPS_SANDBOX": "on"}, False),
    ],
)
def test_the_sandbox_runs_without_slack_tokens_unless_turned_off(environ: dict[str, str], enabled: bool) -> None:
    settings = load_settings(environ, env_file=None)
    assert settings.sandbox_enabled is enabled
    assert settings.sandbox_port == 8081


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SCHEDOPS_SANDBOX": "maybe"}, "SCHEDOPS_SANDBOX: "),
        ({"SCHEDOPS_SANDBOX_PORT": "-1"}, "SCHEDOPS_SANDBOX_PORT: "),
    ],
)
def test_it_refuses_a_bad_sandbox_setting_in_one_line(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ, env_file=None)
    [line] = refused.value.lines
    assert line.startswith(expected) and "\n" not in line
