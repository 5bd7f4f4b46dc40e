"""A python job's progress: what a call keeps, what it refuses, that it never raises, and how the python
executor hands the callable to a job function."""

from __future__ import annotations

import math
import threading
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from core.executors.progress import PROGRESS_TEXT_CHARS, Progress, ProgressReport
from core.executors.python import PythonExecutor
from core.runs import RunStatus
from tests.core.executors.specs import job


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


@pytest.mark.parametrize(
    ("fraction", "kept"),
    [
        (0, 0.0),
        (1, 1.0),
        (0.4, 0.4),
        (Fraction(1, 4), 0.25),
        (1.5, None),
        (-0.1, None),
        (40, None),  # a percentage, not a fraction
        (math.nan, None),
        (math.inf, None),
        (True, None),  # a bool is an int to Python, never a progress
        ("0.5", None),
        (Decimal("0.5"), None),  # not a Real: refused rather than guessed
        (None, None),
        (Unprintable(), None),
    ],
)
def test_a_fraction_is_kept_only_when_it_is_a_number_from_0_to_1(fraction: Any, kept: float | None) -> None:
    progress = Progress("backup")
    progress.report(fraction, "working")
    report = progress.pending()
    assert (report.fraction if report else None) == kept


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("copying table 3/7", "copying table 3/7"),
        ("  two\nlines\tand a tab  ", "two lines and a tab"),
        ("x" * 500, "x" * (PROGRESS_TEXT_CHARS - 1) + "…"),
        (42, "42"),
        ("", ""),
    ],
)
def test_the_text_is_one_bounded_line(text: Any, kept: str) -> None:
    progress = Progress()
    progress.report(0.5, text)
    assert progress.pending() == ProgressReport(0.5, kept)


def test_a_call_that_cannot_be_read_is_ignored_without_raising() -> None:
    progress = Progress()
    progress.report(0.5, Unprintable())  # type: ignore[arg-type]
    assert progress.pending() is None


def test_only_the_newest_value_is_handed_over_and_only_once() -> None:
    progress = Progress(mask=lambda text: text.replace("hunter2", "[hidden]"))
    for step in range(1000):
        progress.report(step / 1000, f"step {step} with hunter2")
    assert progress.pending() == ProgressReport(0.999, "step 999 with [hidden]")
    progress.saved()
    assert progress.pending() is None  # nothing new: no write
    progress.report(1.0, "done")
    assert progress.pending() == ProgressReport(1.0, "done")


def test_a_value_whose_save_failed_is_handed_over_again() -> None:
    progress = Progress()
    progress.report(0.3, "a")
    assert progress.pending() == ProgressReport(0.3, "a")  # the save failed: saved() never said
    assert progress.pending() == ProgressReport(0.3, "a")
    progress.report(0.6, "b")
    progress.saved()  # marks what was handed over last, not a newer value the poll has not seen
    assert progress.pending() == ProgressReport(0.6, "b")


def test_reports_from_many_threads_leave_one_whole_value() -> None:
    progress = Progress()

    def report(worker: int) -> None:
        for step in range(2000):
            progress.report(step / 2000, f"worker {worker} step {step}")

    threads = [threading.Thread(target=report, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last = progress.pending()
    assert last is not None and last.fraction == 1999 / 2000 and last.text.endswith("step 1999")


JOBS = "tests.support.tasks"


async def _execute(target: str, reporter: Progress | None, **kwargs: Any) -> Any:
    """Execute as core.execution.cancel does: the run's reporter passed to the executor."""
    spec = job("python", target=f"{JOBS}:{target}", kwargs=kwargs)
    return await PythonExecutor().execute(spec, progress=reporter)


async def test_a_function_with_a_progress_parameter_reports_to_the_runs_reporter(tmp_path: Any) -> None:
    gate = tmp_path / "gate"
    gate.touch()  # open from the start: the job reports and returns
    progress = Progress("python-job")
    outcome = await _execute("report_progress", progress, gate=str(gate))
    assert outcome.status is RunStatus.SUCCEEDED
    assert progress.pending() == ProgressReport(1.0, "done")


async def test_without_a_reporter_the_progress_calls_go_nowhere(tmp_path: Any) -> None:
    gate = tmp_path / "gate"
    gate.touch()
    outcome = await _execute("report_progress", None, gate=str(gate))
    assert outcome.status is RunStatus.SUCCEEDED and outcome.result == {"done": True}


async def test_a_function_without_the_parameter_is_not_given_it() -> None:
    outcome = await _execute("echo", Progress(), a=1)
    assert outcome.result == {"a": 1}  # **values would have swallowed a progress argument


async def test_a_progress_kwarg_in_the_job_definition_wins(tmp_path: Any) -> None:
    outcome = await _execute("echo", Progress(), progress="from the jobs file")
    assert outcome.result == {"progress": "from the jobs file"}
