"""The interface between the leader, which records runs, and whatever carries them out elsewhere."""

from __future__ import annotations

from typing import Protocol

from core.jobs.spec import JobSpec
from core.runs import RunRecord

RUN_TASK_NAME = "schedops.run"


def task_id_for(installation: str, run_id: int) -> str:
    """The broker message id of a run: derived from the run id, so one run is one task everywhere (a resend
    of the same run is the same task, and revoking a run needs only its id), and from the installation
    (core.storage.installation_store), because a revoke reaches every worker on the broker: another
    installation's run with the same number must not be discarded with it."""
    return f"schedops-{installation}-run-{run_id}"


class RunDispatch(Protocol):
    async def carry_out(self, spec: JobSpec, run: RunRecord) -> RunRecord:
        """Hand the recorded, running ``run`` of ``spec`` to a worker and return its final row once a worker
        has written it. Cancelling this stops following; it does not stop the worker."""
        ...

    async def adopt(self, run: RunRecord, *, queue: str | None) -> RunRecord:
        """Follow the running ``run`` a previous leader recorded (and perhaps sent) as ``carry_out`` follows
        the runs it sends, and return its final row. A run no worker has claimed is sent again to ``queue``
        under the same task id (only one delivery can claim it); ``queue`` is None when the run's job was
        removed since, and such a run is ended as skipped, as a worker would end it."""
        ...

    async def supervise(self) -> None:
        """What the leader watches about the workers while it leads (the engine runs this from its start
        until it stops or stands down, and cancels it then)."""
        ...
