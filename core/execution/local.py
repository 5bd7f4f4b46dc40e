"""One attempt of a job through the executors of this process, its output masked before anything stores it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from core.executors.base import Executors
from core.executors.progress import Progress
from core.jobs.spec import JobSpec
from core.redaction import mask_result, mask_secrets
from core.runs import ErrorClass, ExecutionResult

log = logging.getLogger(__name__)


def masked_progress(spec: JobSpec) -> Progress:
    """The reporter a run of ``spec`` gives its python job: its text masked as the job's output is."""
    return Progress(spec.id, mask=lambda text: mask_secrets(text, spec) or "")


async def execute_masked(executors: Executors, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
    """Run ``spec`` once (a python job reporting to ``progress``); an executor that crashes gives a failed
    result, never an exception."""
    try:
        outcome = await executors.execute(spec, progress=progress)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.exception("executor for %s crashed", spec.id)
        return ExecutionResult.failure(f"internal error: {type(error).__name__}", ErrorClass.UNKNOWN)
    # Masked before it is stored: everything that shows output (alerts, Show output, the CLI) reads the
    # stored row, and a job that echoes its own token (set -x) must not put it there.
    return dataclasses.replace(
        outcome,
        output_tail=mask_secrets(outcome.output_tail, spec),
        error_message=mask_secrets(outcome.error_message, spec),
        result=mask_result(outcome.result, spec),
    )
