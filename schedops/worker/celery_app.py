"""The Celery app both sides share: the leader sends ``schedops.run`` tasks, workers consume them.

A task carries only the run id. The worker reads the job from the database, so no job definition (and no
secret in one) travels through the broker, and a worker always runs what the run was recorded for.
"""

from __future__ import annotations

from celery import Celery

from core.execution.base import RUN_TASK_NAME

DEFAULT_QUEUE = "schedops"


def make_celery_app(broker_url: str) -> Celery:
    app = Celery("schedops", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=DEFAULT_QUEUE,
        # Acknowledged after the task returns: a worker lost mid-run leaves its message to be redelivered,
        # and the claim in the database makes that redelivery execute nothing.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message per free process: a long run never holds back messages another worker could take.
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A broker that is down fails the send in about a second (the run is then recorded failed, transient)
        # rather than holding the run in "running" while kombu retries.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        broker_connection_timeout=2,
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
    )
    app.task(name=RUN_TASK_NAME, bind=True)(_run)
    return app


def _run(task: object, run_id: int) -> str:
    from schedops.worker.task import execute_run  # the database and executors, only inside a worker

    hostname = str(getattr(getattr(task, "request", None), "hostname", None) or "worker")
    return execute_run(int(run_id), worker=hostname)
