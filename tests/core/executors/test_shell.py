from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from core.executors.shell import ShellExecutor
from core.runs import OUTPUT_TAIL_BYTES, ErrorClass, RunStatus
from tests.core.executors.specs import job
from tests.support.eventually import eventually

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")


@pytest.fixture
def shell() -> ShellExecutor:
    return ShellExecutor(kill_grace=0.5)


@pytest.fixture
def workdir(tmp_path: Path) -> str:
    return os.path.realpath(tmp_path)  # as pwd prints it


def is_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie waiting for a reaper counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def wait_until_gone(pid: int, within: float = 2.0) -> bool:
    return await eventually(lambda: not is_alive(pid), within=within)


def pid_in(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text())
    except (FileNotFoundError, ValueError):  # not written yet, or half written
        return None


async def read_pid(pidfile: Path, within: float = 5.0) -> int:
    """The pid the job writes to ``pidfile`` once it has started; polled, as it comes from another process."""
    return await eventually(lambda: pid_in(pidfile), within=within)


async def test_it_succeeds_with_exit_code_zero_and_keeps_the_output(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command=["echo", "backup done"]))

    assert result.status is RunStatus.SUCCEEDED
    assert result.exit_code == 0
    assert result.error_class is None
    assert result.output_tail == "backup done\n"


async def test_it_fails_with_the_exit_code(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command=["sh", "-c", "echo disk full; exit 3"]))

    assert result.status is RunStatus.FAILED
    assert result.exit_code == 3
    assert result.error_class is ErrorClass.UNKNOWN
    assert result.error_message == "exited with code 3"
    assert result.output_tail == "disk full\n"


async def test_it_interleaves_stderr_with_stdout(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command="echo one; echo two >&2; echo three"))

    assert result.output_tail == "one\ntwo\nthree\n"


async def test_it_keeps_only_the_last_8_kib_of_a_large_output(shell: ShellExecutor) -> None:
    script = "import sys\nfor n in range(100_000): sys.stdout.write(f'line {n:06d}\\n')"  # about 1.2 MB

    result = await shell.execute(job("shell", command=[sys.executable, "-c", script]))

    assert result.status is RunStatus.SUCCEEDED
    assert result.output_tail is not None
    assert len(result.output_tail.encode()) == OUTPUT_TAIL_BYTES
    assert result.output_tail.endswith("line 099999\n")
    assert "line 000000" not in result.output_tail


async def test_it_runs_a_string_command_through_sh(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command="for word in a b; do echo $word; done | tr a-z A-Z"))

    assert result.status is RunStatus.SUCCEEDED
    assert result.output_tail == "A\nB\n"


async def test_it_does_not_run_an_argv_list_through_a_shell(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command=["echo", "$HOME", "; true"]))

    assert result.output_tail == "$HOME ; true\n"


async def test_it_uses_cwd_and_merges_env_over_the_environment(shell: ShellExecutor, workdir: str) -> None:
    command = 'pwd; echo "$GREETING" "$HOME"; test -n "$PATH" && echo has-path'
    spec = job("shell", command=command, cwd=workdir, env={"GREETING": "hi alice", "HOME": "/home/alice"})

    result = await shell.execute(spec)

    assert result.output_tail == f"{workdir}\nhi alice /home/alice\nhas-path\n"


async def test_it_fails_permanently_when_the_command_is_not_found(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command=["schedops-no-such-command"]))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == "command not found: schedops-no-such-command"
    assert result.exit_code is None


async def test_it_fails_permanently_when_the_command_is_not_executable(shell: ShellExecutor, tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")

    result = await shell.execute(job("shell", command=[str(script)]))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == f"cannot start {script}: Permission denied"


async def test_it_fails_permanently_when_the_cwd_does_not_exist(shell: ShellExecutor, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")

    result = await shell.execute(job("shell", command=["true"], cwd=missing))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == f"cannot use working directory {missing}: No such file or directory"


async def test_it_names_the_signal_that_killed_the_command(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command="echo before; kill -USR1 $$"))

    assert result.status is RunStatus.FAILED
    assert result.exit_code == -10
    assert result.error_message == "killed by signal SIGUSR1"
    assert result.output_tail == "before\n"


async def test_it_times_out_and_keeps_the_output_so_far(shell: ShellExecutor) -> None:
    started = time.monotonic()

    result = await shell.execute(job("shell", command="echo working; sleep 30", timeout="1s"))

    assert time.monotonic() - started < 3
    assert result.status is RunStatus.TIMED_OUT
    assert result.error_class is ErrorClass.TRANSIENT
    assert result.error_message == "timed out after 1s"
    assert result.output_tail == "working\n"


async def test_it_kills_the_whole_process_group_on_timeout(shell: ShellExecutor, tmp_path: Path) -> None:
    pidfile = tmp_path / "pidfile"

    result = await shell.execute(job("shell", command=f"sleep 30 & echo $! > {pidfile}; wait", timeout="1s"))

    assert result.status is RunStatus.TIMED_OUT
    assert await wait_until_gone(await read_pid(pidfile))


async def test_it_escalates_to_sigkill_when_the_group_ignores_sigterm(shell: ShellExecutor, tmp_path: Path) -> None:
    pidfile = tmp_path / "pidfile"
    command = f"trap '' TERM; sleep 30 & echo $! > {pidfile}; wait"

    result = await shell.execute(job("shell", command=command, timeout="1s"))

    assert result.status is RunStatus.TIMED_OUT
    assert await wait_until_gone(await read_pid(pidfile))


async def test_it_kills_the_whole_process_group_when_cancelled(shell: ShellExecutor, tmp_path: Path) -> None:
    pidfile = tmp_path / "pidfile"
    run = asyncio.create_task(shell.execute(job("shell", command=f"sleep 30 & echo $! > {pidfile}; wait")))
    grandchild = await read_pid(pidfile)

    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await run
    assert await wait_until_gone(grandchild)


async def test_it_stops_leftover_processes_that_hold_the_output_once_the_command_exits(
    shell: ShellExecutor, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pidfile"
    started = time.monotonic()

    result = await shell.execute(job("shell", command=f"sleep 30 & echo $! > {pidfile}; echo done"))

    assert time.monotonic() - started < 3
    assert result.status is RunStatus.SUCCEEDED
    assert result.output_tail == "done\n"
    assert await wait_until_gone(await read_pid(pidfile))


async def test_it_does_not_read_our_stdin(shell: ShellExecutor) -> None:
    result = await shell.execute(job("shell", command="cat; echo end", timeout="5s"))

    assert result.status is RunStatus.SUCCEEDED
    assert result.output_tail == "end\n"


async def test_it_refuses_other_job_kinds(shell: ShellExecutor) -> None:
    result = await shell.execute(job("http", url="http://127.0.0.1:1/"))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT
