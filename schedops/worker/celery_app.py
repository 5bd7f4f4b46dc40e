"""The Celery app both sides share: the leader sends ``schedops.run`` tasks, workers consume them.

A task carries only the run id. The worker reads the job from the database, so no job definition (and no
secret in one) travels through the broker, and a worker always runs what the run was recorded for.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery

from core.execution.base import RUN_TASK_NAME

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "schedops"
# A delivery that could not use the database is sent again after 1, 2, 4 ... seconds, then every minute: for
# about an hour in all, after which the run waits on its queue for the sitrep and the queue alert to show it.
REDELIVER_MAX_SECONDS = 60
REDELIVER_ATTEMPTS = 66


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


def _run(task: Any, run_id: int) -> str:
    from schedops.worker.task import execute_run  # the database and executors, only inside a worker

    hostname = str(getattr(task.request, "hostname", None) or "worker")
    try:
        return execute_run(int(run_id), worker=hostname)
    except Exception as error:
        # Most likely the database could not be used (unreachable, failing over). Acknowledged as it is, the
        # message would be gone and the run, never claimed, would wait for ever. Sent again instead, which is
        # safe however far the run got: only one delivery can claim it, and a run claimed here and then left
        # unfinished falls silent and is declared lost by the leader, as for a lost worker.
        # Only the error's type is logged, never its message: a driver's error can quote statements and values.
        attempt = int(task.request.retries or 0) + 1
        if attempt >= REDELIVER_ATTEMPTS:
            log.error(
                "run %s: no delivery could be carried out (%s) in %s attempts; it waits on its queue",
                run_id,
                type(error).__name__,
                attempt,
            )
            return "database_unusable"
        countdown = min(2 ** (attempt - 1), REDELIVER_MAX_SECONDS)
        log.warning(
            "run %s: this delivery failed (%s); its message comes back in %s s (attempt %s of %s)",
            run_id,
            type(error).__name__,
            countdown,
            attempt,
            REDELIVER_ATTEMPTS,
        )
        raise task.retry(countdown=countdown, max_retries=None) from None
