"""`kind: celery` definitions: what is accepted, the one line a mistake gets, and how the job is shown (never
with its broker's password). Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from core.jobs.changes import drop_carried_secrets, retargeted
from core.jobs.describe import describe_job
from core.jobs.export import export_jobs_yaml
from core.jobs.jobsfile import JobsFileError, parse_jobs_document
from core.jobs.preflight import preflight_warnings
from core.jobs.spec import CeleryJob, job_to_data, parse_job
from core.redaction import mask_secrets, redacted_job_data

BROKER = "amqp://team:s3cret-pw@broker.internal:5672//"


def celery(**fields: Any) -> Any:
    return parse_job(
        {"id": "sync", "kind": "celery", "task": "app.tasks.sync", "schedule": {"interval": "1h"}} | fields
    )


def test_a_minimal_celery_job_sends_to_the_default_queue_through_the_configured_broker() -> None:
    job = celery()
    assert isinstance(job, CeleryJob)
    assert (job.args, job.kwargs, job.task_queue, job.broker, job.result_backend) == ([], {}, None, None, None)
    assert job.wait_for_result is True
    assert job.queue == "schedops"  # the schedops worker queue, a different thing from task_queue


def test_a_full_celery_job_round_trips_through_its_jobs_file_form() -> None:
    job = celery(
        args=[1, "two"],
        kwargs={"full": True},
        task_queue="sync",
        broker=BROKER,
        result_backend="redis://:pw@results:6379/1",
        wait_for_result=False,
    )
    assert parse_job(job_to_data(job)) == job
    [again] = parse_jobs_document(export_jobs_yaml([job]), "export.yml")
    assert again == job


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"task": "app tasks"}, "task", "task must be a registered task name such as app.tasks.sync"),
        ({"task": "app.tasks.sync\n"}, "task", "task must be a registered task name"),
        ({"task": "app..sync"}, "task", "task must be a registered task name"),
        ({"task": "a" * 201}, "task", "at most 200 characters"),
        ({"args": {"x": 1}}, "args", "Input should be a valid list"),
        ({"kwargs": [1]}, "kwargs", "Input should be a valid dictionary"),
        ({"task_queue": "no spaces"}, "task_queue", "String should match pattern"),
        ({"broker": "http://team:s3cret-pw@broker/"}, "broker", "expected a redis://host[:port][/db] or amqp://"),
        ({"broker": "amqp://team:s3cret-pw@broker:99999//"}, "broker", "broker URL is not a valid URL"),
        ({"broker": "kombu.transport.virtual:Transport://x"}, "broker", "expected a redis://"),
        ({"result_backend": "rpc://"}, "result_backend", "rpc:// returns results only to the process that sent"),
        ({"result_backend": "db+postgresql://a:s3cret-pw@db/x"}, "result_backend", "expected a redis://"),
        ({"result_backend": "mymodule.Backend://h"}, "result_backend", "expected a redis://"),
    ],
)
def test_a_bad_celery_field_is_refused_in_one_line_that_never_shows_a_password(
    fields: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        celery(**fields)
    [error] = caught.value.errors()
    assert error["loc"][-1] == field
    assert says in error["msg"]
    assert "s3cret-pw" not in error["msg"]


def test_the_jobs_file_names_the_job_and_field_of_a_celery_mistake() -> None:
    text = """jobs:
  - id: sync
    kind: celery
    task: app.tasks.sync
    queue_name: sync
    broker: "http://team:s3cret-pw@broker/"
    schedule: {interval: 1h}
"""
    with pytest.raises(JobsFileError) as caught:
        parse_jobs_document(text, "jobs.yml")
    assert caught.value.lines == [
        "jobs.yml: job 'sync': broker: expected a redis://host[:port][/db] or amqp://user:password@host[:port][/vhost] "
        "URL",
        "jobs.yml: job 'sync': queue_name: unknown field (did you mean 'task_queue', the queue of your Celery app?)",
    ]
    assert "s3cret-pw" not in str(caught.value)


def test_check_warns_of_a_celery_job_without_a_broker_and_of_queue_where_task_queue_was_meant() -> None:
    jobs = [celery(), celery(id="routed", queue="sync"), celery(id="both", queue="sync", task_queue="sync")]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert preflight_warnings(jobs, now=now, celery_broker=True) == [
        "job 'routed': queue: 'sync' names the schedops workers that send the task (SCHEDOPS_EXECUTION=celery); "
        "the task itself goes to task_queue (default: celery)"
    ]
    assert preflight_warnings(jobs[:1], now=now, celery_broker=False) == [
        "job 'sync': broker: none given and SCHEDOPS_CELERY_BROKER_URL is not set: its runs will fail"
    ]


def test_a_celery_job_is_described_by_task_queue_and_broker_host_only() -> None:
    job = celery(args=["acme"], kwargs={"full": True}, task_queue="sync", broker=BROKER)
    [action, *_] = describe_job(job, default_misfire_grace=timedelta(minutes=5))
    assert action == (
        "Sends the Celery task app.tasks.sync to the sync queue through amqp://[hidden]@broker.internal:5672//, "
        "with 1 positional argument, with full, and follows its result in SCHEDOPS_CELERY_RESULT_BACKEND "
        "(without one, succeeds once sent)."
    )


@pytest.mark.parametrize(
    ("fields", "ending"),
    [
        ({}, "Sends the Celery task app.tasks.sync to its app's default queue through SCHEDOPS_CELERY_BROKER_URL"),
        ({"wait_for_result": False}, "; the run succeeds once the task is sent."),
        (
            {"result_backend": "redis://:pw-xyz@results:6379/1"},
            ", and follows its result in redis://[hidden]@results:6379/1.",
        ),
    ],
)
def test_the_description_says_where_the_result_is_followed(fields: dict[str, Any], ending: str) -> None:
    [action, *_] = describe_job(celery(**fields), default_misfire_grace=timedelta(minutes=5))
    assert ending in action
    assert "pw-xyz" not in action


def test_shown_definitions_hide_the_broker_password_and_the_arguments() -> None:
    job = celery(args=["acct-7731", 2], kwargs={"token": "tok-123456"}, broker=BROKER)
    shown = redacted_job_data(job)
    assert shown["broker"] == "amqp://[hidden]@broker.internal:5672//"
    assert shown["args"] == ["[hidden]", "[hidden]"]
    assert shown["kwargs"] == {"token": "[hidden]"}
    assert shown["task"] == "app.tasks.sync"
    text = export_jobs_yaml([job], redact=True)
    assert "s3cret-pw" not in text and "tok-123456" not in text and "acct-7731" not in text


def test_output_is_masked_of_the_broker_password_and_the_arguments_but_not_the_user_name() -> None:
    job = celery(args=["acct-7731"], kwargs={"token": "tok-123456"}, broker=BROKER)
    text = "team could not log in with s3cret-pw for acct-7731 (tok-123456)"
    assert mask_secrets(text, job) == "team could not log in with [hidden] for [hidden] ([hidden])"


@pytest.mark.parametrize(
    ("change", "moved"),
    [
        ({"task": "app.tasks.other"}, True),
        ({"broker": "amqp://team:s3cret-pw@elsewhere:5672//"}, True),
        ({"task_queue": "slow"}, False),
        ({"broker": "amqp://team:rotated@broker.internal:5672//"}, False),
    ],
)
def test_sending_another_task_or_to_another_broker_drops_the_arguments_it_carried(
    change: dict[str, Any], moved: bool
) -> None:
    before = celery(args=["acct-7731"], kwargs={"token": "tok-123456"}, broker=BROKER)
    edited = job_to_data(before) | change
    assert retargeted(before, parse_job(edited)) is moved
    kept = drop_carried_secrets(before, edited)
    assert ("args" in kept and "kwargs" in kept) is not moved
