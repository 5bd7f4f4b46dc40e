"""Celery jobs: a task of the team's own Celery app, sent by name and followed in its result backend.

schedops never imports the team's code: ``send_task`` needs only the task's registered name, and results
are read as JSON only (a pickled result would run code when loaded). kombu and the Redis client block, so
every call to the broker or the backend runs in this executor's own threads, never on the event loop.
Celery itself is imported when the first celery job runs, so a schedops without such jobs never loads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from core.durations import format_duration
from core.executors.progress import Progress
from core.executors.results import bounded_repr, keepable
from core.jobs.spec import CeleryJob, JobSpec
from core.redaction import HIDDEN, redacted_url, url_secrets
from core.runs import ErrorClass, ExecutionResult, RunStatus, tail_text

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_QUEUE = "celery"  # Celery's task_default_queue, where a task goes when no queue is named
# The wait between two reads of a task's state: short at first (most tasks are quick), then at most a second.
FIRST_POLL_SECONDS = 0.05
MAX_POLL_SECONDS = 1.0
# How long a revoke may take to reach the broker before schedops gives up on it (the broker may be down).
REVOKE_SECONDS = 10.0
# Lines of the task's traceback kept in the run's error, under the exception's own line.
TRACEBACK_LINES = 6
_MESSAGE_MAX_CHARS = 1000
_REASON_MAX_CHARS = 300
_THREADS = 8

_CLIENT_CONF: dict[str, Any] = {
    # A broker that is down fails the send in a few seconds (a transient failure) rather than holding the run
    # while kombu retries for ever.
    "broker_connection_timeout": 2,
    "broker_connection_retry": False,
    "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
    "redis_socket_connect_timeout": 2,
    "redis_socket_timeout": 5,
    # JSON only, both ways: a result encoded with pickle is refused rather than loaded.
    "task_serializer": "json",
    "accept_content": ["json"],
    "result_accept_content": ["json"],
    "worker_hijack_root_logger": False,
}


class _Refused(Exception):
    """A task's result that schedops will not read (pickled): waiting longer cannot help."""


@dataclass(frozen=True, slots=True)
class _Meta:
    """One read of a task's state in the result backend."""

    status: str
    result: Any = None
    traceback: str | None = None


class CeleryExecutor:
    """Runs ``CeleryJob``s through one Celery client per (broker, result backend); ``aclose()`` them.

    The task is sent with ``send_task(task, args, kwargs, queue=task_queue)`` under an id of the form
    ``schedops-<job id>-<hex>``. A broker that cannot be reached is a transient failure in one line. Without
    a result backend (or with ``wait_for_result: false``) the run succeeds once the task is sent. With one,
    its state is read until SUCCESS (the result is kept, JSON or a bounded repr), FAILURE (the exception in
    the error's first line, the end of the traceback under it; classed UNKNOWN, as a python job's exception
    is) or REVOKED (permanent). ``spec.timeout`` bounds sending and following together: past it, and when
    the run is cancelled, the task is revoked with ``terminate=True`` (which stops a running task on a
    prefork worker) and the run is TIMED_OUT.
    """

    def __init__(self, *, broker_url: str | None = None, result_backend: str | None = None) -> None:
        self._broker = broker_url  # SCHEDOPS_CELERY_BROKER_URL: for jobs that name no broker
        self._backend = result_backend  # SCHEDOPS_CELERY_RESULT_BACKEND
        # Futures, not clients: two runs starting at once on one broker must share one client, not make two.
        self._clients: dict[tuple[str, str | None], asyncio.Future[Any]] = {}
        self._pool: ThreadPoolExecutor | None = None

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):  # closing a client whose broker is gone must not stop shutdown
                await self._call((await client).close)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        if not isinstance(spec, CeleryJob):
            return ExecutionResult.failure(f"the celery executor cannot run {spec.kind} jobs", ErrorClass.PERMANENT)
        broker = spec.broker or self._broker
        if broker is None:
            return ExecutionResult.failure(
                "no Celery broker: give the job a broker or set SCHEDOPS_CELERY_BROKER_URL", ErrorClass.PERMANENT
            )
        backend = (spec.result_backend or self._backend) if spec.wait_for_result else None
        call = _Call(spec, broker, backend, await self._client(broker, backend))
        deadline = asyncio.timeout(spec.timeout.total_seconds())
        try:
            async with deadline:
                return await self._send_and_follow(call)
        except TimeoutError:
            if not deadline.expired():
                raise
            return await self._timed_out(call)
        except asyncio.CancelledError:
            # Cancelled (`schedops runs cancel`, shutdown): the task must stop too. Shielded, so that the revoke
            # still goes out when this coroutine is cancelled again while it waits.
            await asyncio.shield(self._revoke(call))
            raise

    async def _send_and_follow(self, call: _Call) -> ExecutionResult:
        try:
            await self._call(_send, call)
        except Exception as error:  # kombu's errors vary by transport and by what went wrong
            return _unsent(call, error)
        call.sent = True
        log.info("sent %s for %s as task %s", call.spec.task, call.spec.id, call.task_id)
        if call.backend is None:
            return ExecutionResult(status=RunStatus.SUCCEEDED, output_tail=call.output(_unfollowed(call.spec)))
        try:
            return _outcome(call, await self._follow(call))
        except _Refused as refused:
            return ExecutionResult.failure(
                f"cannot read the result of task {call.task_id}: {refused} (schedops reads JSON results only)",
                ErrorClass.PERMANENT,
                output_tail=call.output(),
            )

    async def _follow(self, call: _Call) -> _Meta:
        from celery import states

        wait = FIRST_POLL_SECONDS
        while True:
            try:
                meta = await self._call(_read_meta, call)
            except _Refused:
                raise
            except Exception as error:  # a backend that blinks: keep asking until the timeout
                call.last_problem = call.reason(error)
                log.warning("cannot read the state of task %s of %s: %s", call.task_id, call.spec.id, call.last_problem)
            else:
                call.last_status = meta.status
                if meta.status in states.READY_STATES:
                    return meta
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_POLL_SECONDS)

    async def _timed_out(self, call: _Call) -> ExecutionResult:
        revoke_problem = await self._revoke(call)
        message = f"timed out after {format_duration(call.spec.timeout)}"
        if not call.sent:
            message += " while sending the task"
        elif revoke_problem is None:
            message += f"; task {call.task_id} was revoked (terminate=True)"
        else:
            message += f"; could not revoke task {call.task_id}: {revoke_problem}"
        last = f"last state: {call.last_status}" if call.last_status else None
        if call.last_problem:
            last = f"the result backend could not be read: {call.last_problem}"
        return ExecutionResult.failure(
            message, ErrorClass.TRANSIENT, status=RunStatus.TIMED_OUT, output_tail=call.output(last)
        )

    async def _revoke(self, call: _Call) -> str | None:
        """Revoke the task everywhere (also when the send may not have finished: a revoked id is refused by
        any worker it reaches later). None when the revoke went out, else why not."""
        try:
            await asyncio.wait_for(self._call(_revoke, call), REVOKE_SECONDS)
        except TimeoutError:
            problem = f"the broker did not take the revoke within {REVOKE_SECONDS:g}s"
        except Exception as error:
            problem = call.reason(error)
        else:
            log.info("revoked task %s of %s", call.task_id, call.spec.id)
            return None
        log.warning("could not revoke task %s of %s: %s", call.task_id, call.spec.id, problem)
        return problem

    async def _client(self, broker: str, backend: str | None) -> Any:
        key = (broker, backend)
        if key not in self._clients:
            # In a thread: the first client imports Celery, which takes longer than a loop may stall.
            self._clients[key] = asyncio.ensure_future(self._call(_new_client, broker, backend))
        client = self._clients[key]
        try:
            return await asyncio.shield(client)
        except Exception:
            if self._clients.get(key) is client:
                del self._clients[key]  # the next run tries again rather than meeting the same failure
            raise

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="celery-job")
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)


class _Call:
    """One run of a celery job: what is sent where, and what was learnt about it so far."""

    def __init__(self, spec: CeleryJob, broker: str, backend: str | None, app: Any) -> None:
        self.spec = spec
        self.broker = broker
        self.backend = backend
        self.app = app
        self.task_id = f"schedops-{spec.id}-{uuid.uuid4().hex}"
        self.sent = False
        self.last_status: str | None = None
        self.last_problem: str | None = None
        self._secrets = sorted(
            {secret for url in (broker, backend) if url for secret in url_secrets(url, user=False)},
            key=len,
            reverse=True,
        )

    @property
    def queue(self) -> str:
        return self.spec.task_queue or DEFAULT_QUEUE

    def output(self, *lines: str | None) -> str:
        sent = f"sent {self.spec.task} to queue {self.queue} as task {self.task_id}"
        return tail_text("\n".join([sent, *(line for line in lines if line)]) + "\n")

    def scrub(self, text: str) -> str:
        """``text`` from Celery or a client library without the credentials of the URLs in use (a message
        may quote the URL it could not reach), on one line."""
        for url in (self.broker, self.backend):
            if url:
                text = text.replace(url, redacted_url(url))
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return " ".join(text.split())

    def reason(self, error: BaseException) -> str:
        text = self.scrub(str(error)) or type(error).__name__
        if len(text) > _REASON_MAX_CHARS:
            text = text[: _REASON_MAX_CHARS - 1] + "…"
        return text if text.startswith(type(error).__name__) else f"{text} ({type(error).__name__})"


def _new_client(broker: str, backend: str | None) -> Any:
    from celery import Celery

    app = Celery("schedops-celery-jobs", broker=broker, backend=backend, set_as_current=False)
    app.conf.update(_CLIENT_CONF)
    return app


def _send(call: _Call) -> None:
    spec = call.spec
    call.app.send_task(
        spec.task, args=list(spec.args), kwargs=dict(spec.kwargs), queue=spec.task_queue, task_id=call.task_id
    )


def _read_meta(call: _Call) -> _Meta:
    from kombu.exceptions import ContentDisallowed, DecodeError

    try:
        meta = call.app.backend.get_task_meta(call.task_id)
    except ContentDisallowed as error:
        raise _Refused(call.reason(error)) from None
    except DecodeError:
        # A key-value backend (Redis) stores no content type beside a result: one stored with pickle reaches the
        # JSON decoder and fails there. Asking again reads the same bytes, so this is final, not a blink.
        raise _Refused("its stored form is not JSON, perhaps pickle") from None
    return _Meta(str(meta.get("status")), meta.get("result"), meta.get("traceback"))


def _revoke(call: _Call) -> None:
    call.app.control.revoke(call.task_id, terminate=True, signal="SIGTERM")


def _unsent(call: _Call, error: Exception) -> ExecutionResult:
    from kombu.exceptions import EncodeError

    if isinstance(error, EncodeError | TypeError):
        return ExecutionResult.failure(
            f"cannot encode the arguments of {call.spec.task} as JSON: {call.reason(error)}", ErrorClass.PERMANENT
        )
    message = f"cannot send {call.spec.task} to the Celery broker at {redacted_url(call.broker)}: {call.reason(error)}"
    log.warning("%s", message)
    return ExecutionResult.failure(message, ErrorClass.TRANSIENT)


def _unfollowed(spec: CeleryJob) -> str:
    if not spec.wait_for_result:
        return "not followed (wait_for_result: false): the run succeeds once the task is sent"
    return (
        "not followed: no result backend (set the job's result_backend or SCHEDOPS_CELERY_RESULT_BACKEND); "
        "the run succeeds once the task is sent"
    )


def _outcome(call: _Call, meta: _Meta) -> ExecutionResult:
    if meta.status == "SUCCESS":
        value = keepable(meta.result)
        return ExecutionResult(
            status=RunStatus.SUCCEEDED,
            result=value,
            output_tail=call.output(f"SUCCESS: {bounded_repr(meta.result)}"),
        )
    if meta.status == "REVOKED":
        return ExecutionResult.failure(
            f"task {call.task_id} was revoked before it finished ({_exception_line(meta.result)})",
            ErrorClass.PERMANENT,
            output_tail=call.output("REVOKED"),
        )
    frames = _frames(meta.traceback)
    message = "\n".join([_exception_line(meta.result), *frames[-TRACEBACK_LINES:]])
    return ExecutionResult.failure(
        _bounded(message), ErrorClass.UNKNOWN, output_tail=call.output("FAILURE", meta.traceback)
    )


def _exception_line(error: Any) -> str:
    # Celery rebuilds the task's exception under its own name (never by importing the team's module).
    text = f"{type(error).__name__}: {error}".rstrip(": ") if isinstance(error, BaseException) else bounded_repr(error)
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_MAX_CHARS else text[: _MESSAGE_MAX_CHARS - 1] + "…"


def _frames(traceback: str | None) -> list[str]:
    """The traceback's lines up to its last frame, without the ``^^^`` markers under the code: what follows
    the last frame is the exception's own text, which the error's first line already gives."""
    lines = [line for line in (traceback or "").splitlines() if line.strip(" ^~")]
    while lines and not lines[-1].startswith(" "):
        lines.pop()
    return lines


def _bounded(text: str, limit: int = _MESSAGE_MAX_CHARS * 4) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
