"""The CLI as a complete door, tried as a new operator would, without Slack: real SQLite files (and the local
PostgreSQL for its connection errors); ``run``, the installed script and imports in real processes, the other
commands through ``main()`` in this process (tests/support/cli_in_process.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.schedops.test_cli import _env, schedops

pytestmark = pytest.mark.slow

JOBS = """\
jobs:
  - id: hello
    name: Say hello
    kind: shell
    command: ["sh", "-c", "echo first line; echo hello world"]
    schedule: {interval: 1h}
    timeout: 30s
  - id: count
    kind: python
    target: mytasks:count
    kwargs: {n: 3}
    schedule: {interval: 1h}
  - id: broken
    kind: shell
    command: ["sh", "-c", "echo about to fail; exit 3"]
    schedule: {interval: 1h}
"""
TASKS = "def count(n):\n    print('counting', n)\n    return {'counted': n}\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "jobs.yml").write_text(JOBS)
    (tmp_path / "mytasks.py").write_text(TASKS)
    return tmp_path


def console_script(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed ``schedops`` script (not ``python -m``): the working directory is not on its path by itself."""
    script = Path(sys.executable).parent / "schedops"
    environ = _env(workdir, env)
    environ.pop("PYTHONPATH")
    return subprocess.run([str(script), *args], cwd=workdir, env=environ, capture_output=True, text=True, timeout=60)


# -- DATABASE_URL -------------------------------------------------------------------------------------------


BAD_URLS = [
    ("sqlite:///s.db", "DATABASE_URL: use the async driver: sqlite+aiosqlite:///s.db (not sqlite://)"),
    ("s.db", "DATABASE_URL: 's.db' is not a URL; for a SQLite file write sqlite+aiosqlite:///s.db"),
    ("postgresql://u:sekrit@db/x", "DATABASE_URL: use the async driver: postgresql+asyncpg://u:***@db/x"),
    ("mysql://db/x", "DATABASE_URL: mysql is not supported; use sqlite+aiosqlite:// or postgresql+asyncpg://"),
]


@pytest.mark.parametrize("command", ["check", "run", "jobs list"])
@pytest.mark.parametrize(("url", "line"), BAD_URLS)
def test_a_bad_database_url_is_one_line_in_check_and_at_start_up(
    workdir: Path, command: str, url: str, line: str
) -> None:
    result = schedops(workdir, *command.split(), env={"DATABASE_URL": url})
    assert result.returncode == 2
    [shown] = result.stderr.splitlines()
    assert shown.startswith(f"schedops: configuration: {line}") and "sekrit" not in result.stderr


UNREACHABLE = [
    (
        "postgresql+asyncpg://postgres:sekrit@127.0.0.1:5999/x",
        "schedops: DATABASE_URL: nothing is listening on 127.0.0.1:5999; start PostgreSQL or fix the host and port",
    ),
    (
        "postgresql+asyncpg://postgres:sekrit@127.0.0.1:5432/schedops_no_such_database",
        "schedops: DATABASE_URL: database 'schedops_no_such_database' does not exist on 127.0.0.1:5432; "
        "create it (createdb)",
    ),
    ("sqlite+aiosqlite:///no/such/dir/s.db", "schedops: DATABASE_URL: directory {workdir}/no/such/dir does not exist"),
]


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["check", "run", "jobs import jobs.yml"])
@pytest.mark.parametrize(("url", "line"), UNREACHABLE)
def test_a_database_that_cannot_be_used_is_one_line_and_check_really_connects(
    workdir: Path, command: str, url: str, line: str
) -> None:
    result = schedops(workdir, *command.split(), env={"DATABASE_URL": url})
    assert result.returncode == 1, result.stderr
    announced, problem = result.stderr.splitlines()
    assert announced.startswith("schedops: database: ")
    assert problem.startswith(line.format(workdir=workdir))
    assert "sekrit" not in result.stderr and "Traceback" not in result.stderr


def test_every_command_names_its_database_with_the_password_masked(workdir: Path) -> None:
    result = schedops(workdir, "check", env={"DATABASE_URL": "postgresql+asyncpg://bob:sekrit@127.0.0.1:5999/x"})
    assert result.stderr.splitlines()[0] == "schedops: database: postgresql+asyncpg://bob:***@127.0.0.1:5999/x"
    assert schedops(workdir, "jobs", "import", "jobs.yml").stderr.startswith(
        f"schedops: database: SQLite file {workdir}/s.db\n"
    )


# -- the first hour ----------------------------------------------------------------------------------------


def test_run_now_prints_the_output_and_runs_lists_it_with_its_tail(workdir: Path) -> None:
    assert schedops(workdir, "jobs", "import", "jobs.yml").returncode == 0

    ran = schedops(workdir, "jobs", "run", "hello")
    assert ran.returncode == 0, ran.stderr
    assert "status:       succeeded" in ran.stdout and ran.stdout.endswith("first line\nhello world\n")

    failed = schedops(workdir, "jobs", "run", "broken")
    assert failed.returncode == 1 and "exit code:    3" in failed.stdout and "about to fail" in failed.stdout

    listed = schedops(workdir, "runs", "hello")
    assert listed.returncode == 0 and re.search(r"^1 +succeeded +manual .* hello world$", listed.stdout, re.M)


def test_runs_show_prints_the_whole_output_and_the_result(workdir: Path) -> None:
    schedops(workdir, "jobs", "import", "jobs.yml")
    assert schedops(workdir, "jobs", "run", "count").returncode == 0
    shown = schedops(workdir, "runs", "show", "1")
    assert shown.returncode == 0, shown.stderr
    result = shown.stdout.split("result:\n", 1)[1].split("\noutput", 1)[0]
    assert json.loads(result) == {"counted": 3}
    unknown = schedops(workdir, "runs", "show", "99")
    assert unknown.returncode == 1 and unknown.stderr.splitlines()[-1] == "schedops: no run with id 99"


def test_pause_resume_remove_and_show_act_as_the_local_admin_and_are_audited(workdir: Path) -> None:
    schedops(workdir, "jobs", "import", "jobs.yml")
    user = "cli:" + schedops(workdir, "jobs", "pause", "hello").stdout.split("(by cli:", 1)[1].split(",")[0]
    assert "paused by " + user in schedops(workdir, "jobs", "show", "hello").stdout
    assert schedops(workdir, "jobs", "resume", "hello").returncode == 0
    assert schedops(workdir, "jobs", "remove", "broken").returncode == 0
    assert "broken" not in schedops(workdir, "jobs", "list").stdout

    audit = schedops(workdir, "audit").stdout
    assert re.search(rf"{user} +pause_job +job:hello +ok +direct \(admin\)", audit)
    assert re.search(rf"{user} +job.pause +job:hello +ok +via cli: paused: False -> True", audit)
    assert re.search(rf"{user} +job.remove +job:broken +ok +via cli:", audit)
    assert re.search(rf"{user} +job.add +job:hello +ok +via import:", audit)
    missing = schedops(workdir, "jobs", "pause", "nope")
    assert missing.returncode == 1 and missing.stderr.splitlines()[-1] == "schedops: no job with id 'nope'"


def test_import_says_plainly_that_it_replaces_and_shows_what_it_dropped(workdir: Path) -> None:
    schedops(workdir, "jobs", "import", "jobs.yml")
    (workdir / "less.yml").write_text(JOBS.replace("    name: Say hello\n", "").replace("    timeout: 30s\n", ""))
    result = schedops(workdir, "jobs", "import", "less.yml")
    assert "1 updated (hello), 2 unchanged" in result.stdout
    assert "hello replaced: name: 'Say hello' -> (default); timeout: '30s' -> (default)" in result.stdout
    assert "replaces each listed job's definition whole" in result.stdout


def test_the_installed_script_imports_python_jobs_like_python_m_bot(workdir: Path) -> None:
    assert schedops(workdir, "jobs", "import", "jobs.yml").returncode == 0
    result = console_script(workdir, "jobs", "run", "count")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "counting 3" in result.stdout or '"counted": 3' in result.stdout


# -- check, help, version ------------------------------------------------------------------------------------


def test_check_takes_a_file_and_warns_about_what_would_fail_only_when_run(workdir: Path) -> None:
    (workdir / "other.yml").write_text(
        "jobs:\n"
        "  - {id: a, kind: shell, command: [no-such-program-xyz], schedule: {interval: 1m}}\n"
        "  - {id: b, kind: shell, command: 'true', cwd: /no/such/dir, schedule: {interval: 1m}}\n"
        "  - {id: c, kind: shell, command: 'true', schedule: {at: '2020-01-01T00:00:00Z'}}\n"
    )
    result = schedops(workdir, "check", "other.yml")
    assert result.returncode == 0 and "other.yml: 3 job(s) valid" in result.stdout
    assert result.stderr.splitlines()[1:] == [
        "warning: other.yml: job 'a': command: program 'no-such-program-xyz' not found on this machine's PATH",
        "warning: other.yml: job 'b': cwd: no directory /no/such/dir on this machine",
        "warning: other.yml: job 'c': schedule.at 2020-01-01T00:00:00+00:00 is in the past: it will never fire",
    ]
    assert not (workdir / "s.db").exists()  # check connects, but never creates a database


@pytest.mark.parametrize(
    "command", ["run", "check", "jobs", "jobs list", "jobs show", "jobs run", "jobs import", "runs", "sitrep", "audit"]
)
def test_every_subcommand_has_help_with_examples(workdir: Path, command: str) -> None:
    result = schedops(workdir, *command.split(), "--help")
    assert result.returncode == 0 and "examples:\n  schedops " in result.stdout


def test_version_and_a_count_below_one_refused(workdir: Path) -> None:
    assert re.fullmatch(r"schedops \d+\.\d+\.\d+\n", schedops(workdir, "--version").stdout)
    refused = schedops(workdir, "runs", "hello", "-n", "-1")
    assert refused.returncode == 2 and "must be at least 1, got -1" in refused.stderr


def _imported_by(workdir: Path, *command: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "schedops", *command],
        cwd=workdir,
        env=_env(workdir, None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}


@pytest.mark.parametrize("command", [("check",), ("jobs", "list"), ("runs", "hello")])
def test_fast_commands_import_no_slack_no_web_server_and_no_alembic(workdir: Path, command: tuple[str, ...]) -> None:
    schedops(workdir, "jobs", "import", "jobs.yml")
    imported = _imported_by(workdir, *command)
    assert "core.config" in imported
    assert not {name for name in imported if name.split(".")[0] in {"slack_bolt", "slack_sdk", "aiohttp", "alembic"}}
    if command != ("check",):  # check reads the jobs file; of the rest only export, show and import use YAML
        assert "yaml" not in imported


def test_commands_without_a_database_import_no_sqlalchemy(workdir: Path) -> None:
    imported = _imported_by(workdir, "next", "0 3 * * *")
    assert "core.config" in imported and "cronsim" in imported
    assert not {name for name in imported if name.split(".")[0] in {"sqlalchemy", "yaml", "aiosqlite", "asyncpg"}}


# -- a running schedops follows changes ---------------------------------------------------------------------


@pytest.fixture
def running(workdir: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    env = _env(workdir, {"SCHEDOPS_JOB_WATCH_INTERVAL": "1s", "SCHEDOPS_JOBS_FILE_RELOAD": "1s"})
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stderr=subprocess.PIPE, text=True
    ) as process:
        lines: list[str] = []
        wait_for(process, lines, "scheduler started")
        yield process, lines
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wait_for(process: subprocess.Popen[str], lines: list[str], text: str, seconds: float = 30) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        lines.append(line)
        if text in line:
            return line
    raise AssertionError(f"{text!r} not logged; got:\n{''.join(lines)}")


def test_a_running_schedops_picks_up_cli_changes_and_edits_of_its_jobs_file(
    workdir: Path, running: tuple[subprocess.Popen[str], list[str]]
) -> None:
    process, lines = running
    assert schedops(workdir, "jobs", "pause", "hello").returncode == 0
    assert "hello" in wait_for(process, lines, "jobs changed outside this process, rescheduled")

    (workdir / "jobs.yml").write_text(JOBS.replace("timeout: 30s", "timeout: 45s"))
    assert "1 updated (hello)" in wait_for(process, lines, "jobs file jobs.yml changed")
    (workdir / "jobs.yml").write_text(JOBS.replace("interval: 1h", "interval: 1 hour"))
    wait_for(process, lines, "jobs file changed but was not applied")
    os.utime(workdir / "jobs.yml")


def test_every_command_in_the_readme_table_exists() -> None:
    from schedops.cli import _parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Command line", 1)[1].split("\n\n")[1]
    commands = re.findall(r"^\| `schedops ([^`]+)`", table, re.M)
    assert len(commands) >= 12
    samples = {"JOB": "backup", "FILE": "jobs.yml", "RUN_ID": "1", "N": "5", "A": "cli:alice", "X": "job.pause"}
    samples |= {"NAME": "ci", "ROLE": "viewer", "U…": "U123"}
    for command in commands:
        words = [samples.get(word.strip("[]"), word.strip("[]")) for word in command.split()]
        if words[0].startswith("--"):
            continue
        assert _parser().parse_args(words).command == words[0], command
