"""The ``schedops.run`` task itself, called in this process as a worker calls it (its request pushed, the
broker Celery's in-memory transport): a delivery the database could not serve comes back, without limit and
without the driver's text; any other error fails it as before."""

from __future__ import annotations

import logging

import pytest
from celery.exceptions import Retry
from sqlalchemy.exc import OperationalError, ProgrammingError

from core.execution.base import RUN_TASK_NAME
from schedops.worker import task as worker_task
from schedops.worker.celery_app import make_celery_app

SECRET_TEXT = 'connection to "db" failed: password authentication failed for user "hunter2"'


def deliver(monkeypatch: pytest.MonkeyPatch, error: Exception, *, retries: int) -> None:
    def fail(run_id: int, *, worker: str) -> str:
        raise error

    monkeypatch.setattr(worker_task, "execute_run", fail)
    task = make_celery_app("memory://").tasks[RUN_TASK_NAME]
    task.push_request(
        id="schedops-x-run-7", args=[7], kwargs={}, retries=retries, hostname="w@h", called_directly=False
    )
    try:
        task.run(7)
    finally:
        task.pop_request()


@pytest.mark.parametrize(("retries", "countdown"), [(0, 1), (3, 8), (6, 60), (10_000, 60)])
def test_a_delivery_the_database_could_not_serve_comes_back_without_limit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, retries: int, countdown: int
) -> None:
    error = OperationalError("SELECT 1", {"token": "s3cr3t"}, ConnectionRefusedError(SECRET_TEXT))
    with caplog.at_level(logging.INFO), pytest.raises(Retry) as retry:
        deliver(monkeypatch, error, retries=retries)
    assert retry.value.when == countdown
    assert retry.value.__context__ is None and retry.value.exc is None  # nothing carries the driver's text
    line = "run 7: this delivery failed (OperationalError (ConnectionRefusedError)); its message comes back in"
    assert f"{line} {countdown} s" in caplog.text
    assert "hunter2" not in caplog.text and "s3cr3t" not in caplog.text


@pytest.mark.parametrize(
    "error",
    [KeyError("a bug"), ProgrammingError("SELECT nope", {}, Exception('relation "nope" does not exist'))],
    ids=["a bug", "a statement the database refused"],
)
def test_any_other_error_fails_the_delivery(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    with pytest.raises(type(error)):
        deliver(monkeypatch, error, retries=0)
