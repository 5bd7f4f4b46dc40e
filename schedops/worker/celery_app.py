"""The Celery app both sides share: the leader sends ``schedops.run`` tasks, workers consume them.

A task carries only the run id. The worker reads the job from the database, so no job definition (and no
secret in one) travels through the broker, and a worker always runs what the run was recorded for.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery

from core.execution.base import RUN_TASK_NAME
from core.storage.database import database_error_name, database_unavailable

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "schedops"
# A delivery that could not use the database is sent again after 1, 2, 4 ... seconds, then every minute.
REDELIVER_MAX_SECONDS = 60


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
    # No retry limit (Celery's default is 3): a run's message is sent again until the database answers.
    app.task(name=RUN_TASK_NAME, bind=True, max_retries=None)(_run)
    return app


def _run(task: Any, run_id: int) -> str:
    from schedops.worker.task import execute_run  # the database and executors, only inside a worker

    hostname = str(getattr(task.request, "hostname", None) or "worker")
    try:
        return execute_run(int(run_id), worker=hostname)
    except Exception as error:
        if not database_unavailable(error):
            raise
        # The database could not be used (out of reach, failing over, locked). Acknowledged as it is, the
        # message would be gone and the run, never claimed, would wait for ever; so it is sent again, for as
        # long as it takes. That is safe however far this delivery got: only one delivery can claim the run,
        # and a run claimed here and left unfinished falls silent and is declared lost by the leader, as for a
        # lost worker. Any other error (a statement refused, a bug) fails the delivery as Celery fails any task.
        failure = database_error_name(error)
    # Outside the except block, so that nothing carries the driver's error along: its text can quote
    # statements and values. Only its type is logged.
    countdown = min(2 ** int(task.request.retries or 0), REDELIVER_MAX_SECONDS)
    log.warning("run %s: this delivery failed (%s); its message comes back in %s s", run_id, failure, countdown)
    # (Should the broker refuse the new message too, Celery rejects this one without requeueing it; with the
    # broker connection gone, the rejection never arrives and the broker redelivers the message itself.)
    raise task.retry(countdown=countdown)
