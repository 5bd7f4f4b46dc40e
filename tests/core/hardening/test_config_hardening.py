"""Issue 9, item 8 and the suspected inherited environment: weak configuration is refused, and shell jobs
inherit only an allow-list of variables."""

from __future__ import annotations

import pytest

from core.config import ConfigError, load_settings
from core.executors.shell import ShellExecutor
from core.jobs.spec import parse_job
from core.runs import RunStatus


def problems(**environ: str) -> list[str]:
    try:
        load_settings(environ, env_file=None)
    except ConfigError as error:
        return error.lines
    return []


def test_a_short_signing_secret_is_refused_without_echoing_it() -> None:
    (line,) = problems(SCHEDOPS_SIGNING_SECRET="x")
    assert line.startswith("SCHEDOPS_SIGNING_SECRET: must be at least 32 bytes")
    assert "'x'" not in line
    assert problems(SCHEDOPS_SIGNING_SECRET="k" * 32) == []


@pytest.mark.parametrize("url", ["http://slack.example.com/api/", "ftp://slack.com/api/", "slack.com/api"])
def test_the_slack_api_must_be_https_unless_loopback(url: str) -> None:
    (line,) = problems(SLACK_API_URL=url)
    assert line.startswith("SLACK_API_URL: must be an https:// URL")


@pytest.mark.parametrize(
    "url", ["https://slack.com/api/", "http://127.0.0.1:9/api/", "http://[::1]:9/", "http://localhost/"]
)
def test_https_or_loopback_slack_api_urls_are_accepted(url: str) -> None:
    assert problems(SLACK_API_URL=url) == []


def test_job_env_names_are_checked() -> None:
    (line,) = problems(SCHEDOPS_JOB_ENV="PATH, not-a-name")
    assert line.startswith("SCHEDOPS_JOB_ENV: ") and "'not-a-name'" in line


async def test_shell_jobs_do_not_inherit_host_credentials_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-cloud-key")
    job = parse_job({"id": "env", "kind": "shell", "command": "env", "schedule": {"interval": "1h"}})
    default = await ShellExecutor().execute(job)
    assert default.status is RunStatus.SUCCEEDED and "host-cloud-key" not in (default.output_tail or "")
    assert "PATH=" in (default.output_tail or "")
    allowed = await ShellExecutor(inherit_env={"PATH", "AWS_SECRET_ACCESS_KEY"}).execute(job)
    assert "AWS_SECRET_ACCESS_KEY=host-cloud-key" in (allowed.output_tail or "")
