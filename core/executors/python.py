"""Python jobs: ``module:function`` called in this process with the job's keyword arguments."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.durations import format_duration
from core.executors.progress import PROGRESS_PARAMETER, Progress
from core.executors.results import REPR_MAX_CHARS, RESULT_MAX_CHARS, keepable
from core.jobs.spec import JobSpec, PythonJob
from core.runs import ErrorClass, ExecutionResult, RunStatus, tail_text

__all__ = ["REPR_MAX_CHARS", "RESULT_MAX_CHARS", "PythonExecutor"]

_MESSAGE_MAX_CHARS = 1000


class PythonExecutor:
    """Runs ``PythonJob``s.

    The module is imported once per process (``importlib.import_module``; later runs reuse it). A failed
    import or a missing or non-callable function is a permanent failure. Coroutine functions are awaited on
    the event loop; plain functions run in a daemon thread of their own so the loop never blocks.

    An exception is a failure classed UNKNOWN with the message ``"TypeName: message"``; its traceback (last
    OUTPUT_TAIL_BYTES) goes to the output tail. Running past ``spec.timeout`` is TIMED_OUT: a coroutine is
    cancelled, but a thread cannot be killed, so a plain function keeps running in the background until it
    returns on its own: its outcome is dropped, and ``still_running`` keeps the job's slot until then.

    A function with a ``progress`` parameter (and no ``progress`` in the job's kwargs, which would win) is
    given ``progress(fraction, text="")`` (core.executors.progress): the ``progress`` reporter passed in,
    otherwise one whose reports go nowhere.

    The return value is kept as ``result`` in its JSON form when it is JSON-serializable (tuples become
    lists, keys become strings); longer than RESULT_MAX_CHARS of JSON, it is kept as the cut JSON text
    instead. A value that is not JSON-serializable is kept as its ``repr()``, cut to REPR_MAX_CHARS.
    """

    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        if not isinstance(spec, PythonJob):
            return ExecutionResult.failure(f"the python executor cannot run {spec.kind} jobs", ErrorClass.PERMANENT)
        function = _resolve(spec.target)
        if isinstance(function, ExecutionResult):
            return function
        deadline = asyncio.timeout(spec.timeout.total_seconds())
        thread: list[asyncio.Future[Any]] = []
        try:
            async with deadline:
                value = await _call(function, _with_progress(function, spec, progress), thread)
        except TimeoutError as error:
            if not deadline.expired():  # the job's own TimeoutError, not ours
                return _crashed(error)
            lingering = thread[0] if thread and not thread[0].done() else None
            return ExecutionResult.failure(
                f"timed out after {format_duration(spec.timeout)}"
                + (" (the function keeps running in its thread until it returns)" if lingering else ""),
                ErrorClass.TRANSIENT,
                status=RunStatus.TIMED_OUT,
                still_running=lingering,
            )
        except (Exception, SystemExit) as error:
            return _crashed(error)
        return ExecutionResult(status=RunStatus.SUCCEEDED, result=keepable(value))


def _resolve(target: str) -> Callable[..., Any] | ExecutionResult:
    module_name, _, name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        return ExecutionResult.failure(
            f"cannot import {module_name}: {_summary(error)}", ErrorClass.PERMANENT, output_tail=_traceback(error)
        )
    function: object = getattr(module, name, None)
    if function is None:
        return ExecutionResult.failure(f"module {module_name} has no attribute {name}", ErrorClass.PERMANENT)
    if not callable(function):
        return ExecutionResult.failure(f"{target} is not callable", ErrorClass.PERMANENT)
    return function


def _with_progress(function: Callable[..., Any], spec: PythonJob, progress: Progress | None) -> Mapping[str, Any]:
    if PROGRESS_PARAMETER in spec.kwargs or not _takes_progress(function):
        return spec.kwargs
    return {**spec.kwargs, PROGRESS_PARAMETER: (progress or Progress(spec.id)).report}


def _takes_progress(function: Callable[..., Any]) -> bool:
    try:
        parameter = inspect.signature(function).parameters.get(PROGRESS_PARAMETER)
    except (TypeError, ValueError):  # some builtins and C callables have no signature to read
        return False
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


async def _call(function: Callable[..., Any], kwargs: Mapping[str, Any], thread: list[asyncio.Future[Any]]) -> Any:
    if inspect.iscoroutinefunction(function):
        return await function(**kwargs)
    thread.append(_start_thread(function, kwargs))
    value = await asyncio.shield(thread[0])
    if isinstance(value, _Raised):
        raise value.error
    if inspect.isawaitable(value):  # a plain callable that returns a coroutine, such as a wrapped one
        value = await value
    return value


def _start_thread(function: Callable[..., Any], kwargs: Mapping[str, Any]) -> asyncio.Future[Any]:
    """Run ``function`` in a daemon thread of its own: one that hangs past its timeout neither starves the
    loop's shared thread pool (DNS lookups use it) nor keeps the process from exiting."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    def work() -> None:
        value = _call_in_thread(function, kwargs)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(settle, value)

    threading.Thread(target=work, name=f"job-{getattr(function, '__name__', 'call')}", daemon=True).start()
    return future


@dataclass(frozen=True, slots=True)
class _Raised:
    error: Exception | SystemExit


def _call_in_thread(function: Callable[..., Any], kwargs: Mapping[str, Any]) -> Any:
    # The exception comes back as a value because asyncio replaces a TimeoutError raised in a thread with a
    # bare copy, losing the job's traceback.
    try:
        return function(**kwargs)
    except (Exception, SystemExit) as error:
        return _Raised(error)


def _crashed(error: BaseException) -> ExecutionResult:
    return ExecutionResult.failure(_summary(error), ErrorClass.UNKNOWN, output_tail=_traceback(error))


def _summary(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".rstrip(": ")
    return text if len(text) <= _MESSAGE_MAX_CHARS else text[: _MESSAGE_MAX_CHARS - 1] + "…"


def _traceback(error: BaseException) -> str:
    return tail_text("".join(traceback.format_exception(error)))
