"""The interface between the leader, which records runs, and whatever carries them out elsewhere."""

from __future__ import annotations

from typing import Protocol

from core.jobs.spec import JobSpec
from core.runs import RunRecord

RUN_TASK_NAME = "schedops.run"


def task_id_for(run_id: int) -> str:
    """The broker message id of a run: derived from the run id, so one run is one task everywhere (a resend
    of the same run is the same task, and revoking a run needs only its id)."""
    return f"schedops-run-{run_id}"


class RunDispatch(Protocol):
    async def carry_out(self, spec: JobSpec, run: RunRecord) -> RunRecord:
        """Hand the recorded, running ``run`` of ``spec`` to a worker and return its final row once a worker
        has written it. Cancelling this stops waiting; it does not stop the worker."""
        ...

    async def supervise(self) -> None:
        """What the leader watches about the workers while it leads (the engine runs this from its start
        until it stops or stands down, and cancels it then)."""
        ...
