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
