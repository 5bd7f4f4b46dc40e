from __future__ import annotations

import asyncio
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.executors.python import REPR_MAX_CHARS, PythonExecutor
from core.runs import ErrorClass, RunStatus
from tests.core.executors.specs import job

JOBS_MODULE = """
import asyncio
import threading
import time

released = threading.Event()
cleaned_up = []


def add(a, b):
    return a + b


async def greet(name):
    await asyncio.sleep(0)
    return {"greeting": f"hello {name}", "tags": ("a", "b")}


def unserializable():
    return {1, 2, 3}


def huge_repr():
    return object.__new__(type("Huge", (), {"__repr__": lambda self: "x" * 100_000}))


def fails():
    raise ValueError("disk quota exceeded for carol")


async def fails_async():
    raise KeyError("missing")


def raises_its_own_timeout():
    raise TimeoutError("upstream took too long")


def exits():
    raise SystemExit(2)


def blocks_until_released():
    released.wait(10)
    return "released"


async def sleeps_forever():
    try:
        await asyncio.sleep(30)
    finally:
        cleaned_up.append(True)


def naps():
    time.sleep(0.5)
    return "rested"


not_a_function = 42
"""


@pytest.fixture
def jobs_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The name of a fresh module on disk holding the job functions above."""
    name = f"schedops_test_jobs_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(JOBS_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


@pytest.fixture
def python() -> PythonExecutor:
    return PythonExecutor()


async def test_it_keeps_the_result_of_a_sync_function(python: PythonExecutor, jobs_module: str) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:add", kwargs={"a": 2, "b": 3}))

    assert result.status is RunStatus.SUCCEEDED
    assert result.result == 5


async def test_it_awaits_an_async_function_and_keeps_the_result_in_json_form(
    python: PythonExecutor, jobs_module: str
) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:greet", kwargs={"name": "alice"}))

    assert result.status is RunStatus.SUCCEEDED
    assert result.result == {"greeting": "hello alice", "tags": ["a", "b"]}


async def test_it_keeps_a_non_serializable_result_as_its_repr(python: PythonExecutor, jobs_module: str) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:unserializable"))

    assert result.status is RunStatus.SUCCEEDED
    assert result.result == "{1, 2, 3}"


async def test_it_bounds_the_repr_of_a_result(python: PythonExecutor, jobs_module: str) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:huge_repr"))

    assert len(result.result) == REPR_MAX_CHARS


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("fails", "ValueError: disk quota exceeded for carol"),
        ("fails_async", "KeyError: 'missing'"),
        ("raises_its_own_timeout", "TimeoutError: upstream took too long"),
        ("exits", "SystemExit: 2"),
    ],
)
async def test_it_reports_an_exception_as_type_and_message(
    python: PythonExecutor, jobs_module: str, function: str, message: str
) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:{function}"))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.UNKNOWN
    assert result.error_message == message
    assert "Traceback" not in result.error_message
    assert result.output_tail is not None
    assert result.output_tail.startswith("Traceback")
    assert f"in {function}" in result.output_tail


async def test_it_fails_permanently_when_the_module_cannot_be_imported(python: PythonExecutor) -> None:
    result = await python.execute(job("python", target="schedops_no_such_module:main"))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == (
        "cannot import schedops_no_such_module: ModuleNotFoundError: No module named 'schedops_no_such_module'"
    )


async def test_it_fails_permanently_when_the_module_raises_on_import(
    python: PythonExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"schedops_broken_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text("raise RuntimeError('no config')\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    result = await python.execute(job("python", target=f"{name}:main"))

    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == f"cannot import {name}: RuntimeError: no config"


@pytest.mark.parametrize(
    ("function", "message"),
    [("missing", "module {m} has no attribute missing"), ("not_a_function", "{m}:not_a_function is not callable")],
)
async def test_it_fails_permanently_when_the_target_is_not_a_function(
    python: PythonExecutor, jobs_module: str, function: str, message: str
) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:{function}"))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == message.format(m=jobs_module)


async def test_it_fails_when_the_kwargs_do_not_fit(python: PythonExecutor, jobs_module: str) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:add", kwargs={"a": 1}))

    assert result.status is RunStatus.FAILED
    assert result.error_message is not None
    assert result.error_message.startswith("TypeError: ")


async def test_it_times_out_an_async_function_and_cancels_it(python: PythonExecutor, jobs_module: str) -> None:
    result = await python.execute(job("python", target=f"{jobs_module}:sleeps_forever", timeout="1s"))

    assert result.status is RunStatus.TIMED_OUT
    assert result.error_class is ErrorClass.TRANSIENT
    assert result.error_message == "timed out after 1s"
    assert sys.modules[jobs_module].cleaned_up == [True]


async def test_it_times_out_a_sync_function_whose_thread_keeps_running(
    python: PythonExecutor, jobs_module: str
) -> None:
    started = time.monotonic()

    result = await python.execute(job("python", target=f"{jobs_module}:blocks_until_released", timeout="1s"))

    assert time.monotonic() - started < 2
    assert result.status is RunStatus.TIMED_OUT
    sys.modules[jobs_module].released.set()  # lets the abandoned thread finish before the loop closes


async def test_a_sync_function_does_not_block_the_event_loop(python: PythonExecutor, jobs_module: str) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticker = asyncio.create_task(tick())
    result = await python.execute(job("python", target=f"{jobs_module}:naps"))
    ticker.cancel()

    assert result.result == "rested"
    assert ticks >= 5


async def test_it_cancels_an_async_function_when_cancelled(python: PythonExecutor, jobs_module: str) -> None:
    run = asyncio.create_task(python.execute(job("python", target=f"{jobs_module}:sleeps_forever")))
    await asyncio.sleep(0.1)

    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await run
    assert sys.modules[jobs_module].cleaned_up == [True]


async def test_it_refuses_other_job_kinds(python: PythonExecutor) -> None:
    result = await python.execute(job("shell", command=["true"]))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
