from __future__ import annotations

import pytest

from core.config import ConfigError, load_settings


def test_execution_is_local_with_no_broker_by_default() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.execution == "local"
    assert settings.broker_url is None


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "amqp://guest:guest@127.0.0.1:5672//", "rediss://r:6380"])
def test_it_accepts_a_redis_or_amqp_broker_for_celery(url: str) -> None:
    settings = load_settings({"SCHEDOPS_EXECUTION": "celery", "SCHEDOPS_BROKER_URL": url}, env_file=None)
    assert settings.execution == "celery"
    assert settings.broker_url is not None and settings.broker_url.get_secret_value() == url


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SCHEDOPS_EXECUTION": "remote"}, "SCHEDOPS_EXECUTION: Input should be 'local' or 'celery'"),
        ({"SCHEDOPS_EXECUTION": "celery"}, "SCHEDOPS_BROKER_URL: required when SCHEDOPS_EXECUTION=celery"),
        ({"SCHEDOPS_BROKER_URL": "http://broker"}, "SCHEDOPS_BROKER_URL: expected a redis://"),
        ({"SCHEDOPS_BROKER_URL": "redis://host:99999"}, "SCHEDOPS_BROKER_URL: not a URL"),
    ],
)
def test_it_refuses_a_bad_execution_setting_in_one_line(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=None)
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith(expected)


def test_it_never_echoes_the_broker_password() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"SCHEDOPS_BROKER_URL": "http://user:hunter2-secret@broker"}, env_file=None)
    assert "hunter2-secret" not in str(caught.value)


def test_celery_jobs_have_no_default_broker_or_result_backend_unless_set() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.celery_broker_url is None and settings.celery_result_backend is None


def test_the_celery_job_settings_are_their_own_and_may_come_from_files(tmp_path: object) -> None:
    from pathlib import Path

    secret = Path(str(tmp_path)) / "broker"
    secret.write_text("amqp://team:pw@broker:5672//\n")
    settings = load_settings(
        {
            "SCHEDOPS_CELERY_BROKER_URL_FILE": str(secret),
            "SCHEDOPS_CELERY_RESULT_BACKEND": "redis://results:6379/1",
            "SCHEDOPS_BROKER_URL": "redis://schedops-broker:6379/0",
        },
        env_file=None,
    )
    assert settings.celery_broker_url is not None
    assert settings.celery_broker_url.get_secret_value() == "amqp://team:pw@broker:5672//"
    assert settings.celery_result_backend is not None
    assert settings.celery_result_backend.get_secret_value() == "redis://results:6379/1"
    assert settings.broker_url is not None  # schedops' own broker stays apart
    assert settings.broker_url.get_secret_value() == "redis://schedops-broker:6379/0"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"SCHEDOPS_CELERY_BROKER_URL": "http://user:hunter2-secret@broker"},
            "SCHEDOPS_CELERY_BROKER_URL: expected a redis://host[:port][/db] or amqp://",
        ),
        (
            {"SCHEDOPS_CELERY_BROKER_URL": "redis://:hunter2-secret@broker:99999/0"},
            "SCHEDOPS_CELERY_BROKER_URL: broker URL is not a valid URL",
        ),
        (
            {"SCHEDOPS_CELERY_RESULT_BACKEND": "rpc://"},
            "SCHEDOPS_CELERY_RESULT_BACKEND: rpc:// returns results only to the process that sent the task",
        ),
        (
            {"SCHEDOPS_CELERY_RESULT_BACKEND": "db+postgresql://app:hunter2-secret@db/app"},
            "SCHEDOPS_CELERY_RESULT_BACKEND: expected a redis://host[:port][/db] URL",
        ),
    ],
)
def test_it_refuses_a_bad_celery_job_setting_in_one_line_without_its_password(
    environ: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=None)
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith(expected)
    assert "hunter2-secret" not in str(caught.value)
