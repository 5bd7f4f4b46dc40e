"""A team's own Celery app, as schedops meets it in the wild: plain Celery, nothing of schedops imported.

`kind: celery` jobs send its tasks by name; the tests start it with
``celery -A tests.support.team_celery_app worker`` against the broker named by TEAM_BROKER_URL, results in
TEAM_RESULT_BACKEND.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery import Celery

app = Celery("team", broker=os.environ.get("TEAM_BROKER_URL"), backend=os.environ.get("TEAM_RESULT_BACKEND"))
app.conf.update(
    task_track_started=True,  # STARTED in the backend: the tests know when the task is running
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="team.tasks.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="team.tasks.report")
def report(region: str, *, rows: int = 0) -> dict[str, object]:
    return {"region": region, "rows": rows}


class SyncError(Exception):
    """The team's own exception: schedops has never heard of it."""


@app.task(name="team.tasks.sync")
def sync(account: str) -> None:
    _fetch(account)


def _fetch(account: str) -> None:
    raise SyncError(f"upstream refused account {account}")


@app.task(name="team.tasks.sleep", bind=True)
def sleep(task: Any, seconds: float, started: str | None = None) -> float:
    """Writes its task id to ``started``, then sleeps: the test learns which task to look for, and when it
    is running."""
    if started:
        Path(started).write_text(str(task.request.id))
    time.sleep(seconds)
    return seconds


@app.task(name="team.tasks.touch")
def touch(path: str) -> str:
    Path(path).write_text("ran")
    return path
