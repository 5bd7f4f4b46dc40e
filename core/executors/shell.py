"""Shell jobs: a program run in its own process group, its output kept as a bounded tail.

The subprocess is driven through ``loop.subprocess_exec`` with a protocol rather than through
``asyncio.subprocess.Process``: ``Process.wait()`` only returns once every copy of the output pipe is closed,
so a job that leaves a background process holding the pipe would look as if it never ended. The protocol
learns of the main process's exit at once and receives output chunk by chunk, so nothing is buffered beyond
the tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Collection, Mapping, Sequence

from core.config import DEFAULT_JOB_ENV
from core.durations import format_duration
from core.executors.progress import Progress
from core.jobs.spec import JobSpec, ShellJob
from core.runs import OUTPUT_TAIL_BYTES, ErrorClass, ExecutionResult, RunStatus, tail_text

# How long output may keep arriving after the main process exits before leftover processes are stopped.
_DRAIN_SECONDS = 0.5

# schedops' own credentials are never the jobs' business, even when listed in SCHEDOPS_JOB_ENV.
_WITHHELD = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SCHEDOPS_SIGNING_SECRET", "DATABASE_URL")


def job_environment(environ: Mapping[str, str], inherit: Collection[str] = DEFAULT_JOB_ENV) -> dict[str, str]:
    """The environment a shell job inherits: only the variables named in ``inherit`` (SCHEDOPS_JOB_ENV), so a
    host's cloud or database credentials reach a job only when the operator says so; schedops' own secrets
    (and their *_FILE paths) never."""
    return {
        name: value
        for name, value in environ.items()
        if name in inherit and name.removesuffix("_FILE") not in _WITHHELD
    }


class _Capture(asyncio.SubprocessProtocol):
    """Keeps the last bytes of the merged output and reports the process's exit and the pipe's closing."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # A few bytes over the limit, so tail_text can cut on a character boundary.
        self._limit = OUTPUT_TAIL_BYTES + 4
        self._tail = bytearray()
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        self._tail += data.encode() if isinstance(data, str) else data
        if len(self._tail) > self._limit:
            del self._tail[: -self._limit]

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    @property
    def finished(self) -> bool:
        return self.exited.done() and self.closed.done()

    def output(self) -> str | None:
        return tail_text(bytes(self._tail)) if self._tail else None

    # asyncio.wait, unlike asyncio.timeout, leaves the futures alone when time runs out, so they can be
    # waited for again after the group has been signalled.
    async def wait_exited(self, timeout: float) -> bool:  # noqa: ASYNC109
        done, _ = await asyncio.wait({self.exited}, timeout=timeout)
        return bool(done)

    async def wait_finished(self, timeout: float) -> bool:  # noqa: ASYNC109
        await asyncio.wait({self.exited, self.closed}, timeout=timeout)
        return self.finished


class ShellExecutor:
    """Runs ``ShellJob``s: exit 0 succeeds, anything else fails with the exit code.

    The job runs in a new session, so its whole process group can be stopped: on timeout or cancellation
    the group gets SIGTERM, then SIGKILL after ``kill_grace`` seconds. When the main process exits but
    processes it started still hold the output pipe, they are stopped the same way (as systemd stops a
    service's leftovers); a process that detached from the output is left alone.
    """

    def __init__(self, *, kill_grace: float = 2.0, inherit_env: Collection[str] = DEFAULT_JOB_ENV) -> None:
        self._kill_grace = kill_grace
        self._inherit_env = frozenset(inherit_env)

    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        if not isinstance(spec, ShellJob):
            return ExecutionResult.failure(f"the shell executor cannot run {spec.kind} jobs", ErrorClass.PERMANENT)
        argv = ["/bin/sh", "-c", spec.command] if isinstance(spec.command, str) else list(spec.command)
        capture = _Capture(asyncio.get_running_loop())
        env = {**job_environment(os.environ, self._inherit_env), **spec.env}
        spawning = asyncio.ensure_future(_spawn(argv, spec, env, capture))
        try:
            transport = await asyncio.shield(spawning)
        except (OSError, ValueError) as error:
            return ExecutionResult.failure(_start_failure(error, argv, spec.cwd), ErrorClass.PERMANENT)
        except asyncio.CancelledError:
            await self._abandon(spawning, capture)
            raise
        try:
            return await self._supervise(spec, transport, capture)
        except asyncio.CancelledError:
            await self._stop_group(transport.get_pid(), capture)
            raise
        finally:
            transport.close()

    async def _abandon(self, spawning: asyncio.Future[asyncio.SubprocessTransport], capture: _Capture) -> None:
        # Cancelled while starting: the job may be running already (the child starts before the pipes are
        # connected), and cancelling the start would kill only its main process. Let the start finish, then
        # stop the whole group.
        try:
            transport = await spawning
        except (OSError, ValueError):
            return
        try:
            await self._stop_group(transport.get_pid(), capture)
        finally:
            transport.close()

    async def _supervise(
        self, spec: ShellJob, transport: asyncio.SubprocessTransport, capture: _Capture
    ) -> ExecutionResult:
        if not await capture.wait_exited(spec.timeout.total_seconds()):
            await self._stop_group(transport.get_pid(), capture)
            return ExecutionResult.failure(
                f"timed out after {format_duration(spec.timeout)}",
                ErrorClass.TRANSIENT,
                status=RunStatus.TIMED_OUT,
                output_tail=capture.output(),
            )
        if not await capture.wait_finished(_DRAIN_SECONDS):
            await self._stop_group(transport.get_pid(), capture)
        return _outcome(transport.get_returncode(), capture.output())

    async def _stop_group(self, pid: int, capture: _Capture) -> None:
        _signal_group(pid, signal.SIGTERM)
        try:
            await capture.wait_finished(self._kill_grace)
        finally:
            # Also reached when cancelled again while waiting: never leave the group running.
            if not capture.finished:
                _signal_group(pid, signal.SIGKILL)
        await capture.wait_finished(self._kill_grace)


async def _spawn(
    argv: Sequence[str], spec: ShellJob, env: dict[str, str], capture: _Capture
) -> asyncio.SubprocessTransport:
    transport, _ = await asyncio.get_running_loop().subprocess_exec(
        lambda: capture,
        *argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=spec.cwd,
        env=env,
        start_new_session=True,  # its own process group, so the job and all it started can be stopped
    )
    return transport


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pid, signum)


def _outcome(returncode: int | None, output: str | None) -> ExecutionResult:
    if returncode == 0:
        return ExecutionResult(status=RunStatus.SUCCEEDED, exit_code=0, output_tail=output)
    if returncode is None:
        message = "exited without an exit status"
    elif returncode < 0:
        message = f"killed by signal {_signal_name(-returncode)}"
    else:
        message = f"exited with code {returncode}"
    return ExecutionResult.failure(message, ErrorClass.UNKNOWN, exit_code=returncode, output_tail=output)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def _start_failure(error: OSError | ValueError, argv: Sequence[str], cwd: str | None) -> str:
    if isinstance(error, ValueError):
        return f"cannot start {argv[0]}: {error}"
    if cwd is not None and error.filename == cwd:
        return f"cannot use working directory {cwd}: {error.strerror}"
    if isinstance(error, FileNotFoundError):
        return f"command not found: {argv[0]}"
    return f"cannot start {argv[0]}: {error.strerror}"
