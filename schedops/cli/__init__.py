"""The ``schedops`` command line: run the service, check configuration, and look at jobs and runs.

Each command's module is imported only when that command runs, so a command that needs no Slack and no
server (``check``, ``jobs list``, ``runs``) starts without importing them."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.config import Settings

EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2

# command name -> the module under schedops.cli.commands that carries it out (``execute(args, settings)``)
_MODULES = {
    "run": "serve",
    "check": "check",
    "jobs": "jobs",
    "sitrep": "sitrep",
    "audit": "audit",
    "runs": "runs",
    "tokens": "tokens",
    "next": "next",
    "worker": "worker",
}
_JOB_CONTROL = {"run", "pause", "resume", "remove"}  # jobs subcommands that change a job, through Operations


def _examples(*lines: str) -> str:
    return "examples:\n" + "".join(f"  {line}\n" for line in lines)


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked (importlib.metadata is not free)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("schedops")
        except PackageNotFoundError:
            shown = "unknown (not installed)"
        print(f"schedops {shown}")
        parser.exit()


def _count(text: str) -> int:
    """A count of at least 1 (``-n 0`` or ``-n -1`` would list nothing or, worse, everything)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add(commands: Any, name: str, summary: str, *examples: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + ".", epilog=_examples(*examples)
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedops",
        description="Scheduled jobs you can run from Slack, or from here.",
        epilog=_examples("schedops check", "schedops run", "schedops jobs list", "schedops runs health-check"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add(
        commands,
        "run",
        "run the scheduler (and the Slack bot when configured)",
        "schedops run",
        "PORT=9090 schedops run",
    )
    check = _add(
        commands,
        "check",
        "validate the configuration, the database connection and a jobs file, starting nothing",
        "schedops check",
        "schedops check other-jobs.yml",
    )
    check.add_argument("file", nargs="?", type=Path, help="the jobs file to check (default: SCHEDOPS_JOBS_FILE)")
    _jobs_parser(commands)
    sitrep = _add(
        commands,
        "sitrep",
        "the situation report (or one job's report)",
        "schedops sitrep",
        "schedops sitrep backup --window 7d",
    )
    sitrep.add_argument("job_id", nargs="?", metavar="JOB", help="one job's report instead")
    sitrep.add_argument("--window", default="24h", help="how far back to look (default 24h)")
    audit = _add(
        commands, "audit", "the audit log, newest first", "schedops audit", "schedops audit --action job.pause -n 10"
    )
    audit.add_argument("--actor", help="only this actor (e.g. cli:alice, a Slack user id, jobs-file)")
    audit.add_argument("--action", help="only this action (e.g. job.update, run_job, approval.approve)")
    audit.add_argument("-n", "--limit", type=_count, default=50, help="how many entries (default 50)")
    runs = _add(
        commands,
        "runs",
        "a job's recent runs with the end of their output, or one run in full",
        "schedops runs backup",
        "schedops runs backup -n 5",
        "schedops runs show 42      (run 42: its whole stored output and result)",
        "schedops runs cancel 42    (stop running run 42, here or on its worker)",
    )
    runs.add_argument("job_id", metavar="JOB | show | cancel", help="the job, or `show`/`cancel` and a run id")
    runs.add_argument("run_id", nargs="?", type=_count, metavar="RUN_ID", help="with `show` or `cancel`: the run")
    runs.add_argument("-n", "--limit", type=_count, default=20, help="how many runs (default 20)")
    _token_commands(commands)
    upcoming = _add(
        commands,
        "next",
        "the next fire times of a cron expression, read as Debian's cron reads it (one ISO 8601 time per line)",
        'schedops next "0 2 * * *" --timezone Europe/Berlin',
        'schedops next "30 4 1,15 * 5" --after 2026-01-01T00:00:00+00:00 --count 10',
    )
    upcoming.add_argument("cron", help="a cron expression (five fields, or @daily and the like)")
    upcoming.add_argument("--timezone", help="the schedule's time zone (default SCHEDOPS_TIMEZONE)")
    upcoming.add_argument("--after", help="ISO 8601 time to count from (default now)")
    upcoming.add_argument("--count", type=_count, default=5, help="how many fire times (default 5)")
    _worker_parser(commands)
    return parser


def _worker_parser(commands: Any) -> None:
    worker = _add(
        commands,
        "worker",
        "carry out runs sent through SCHEDOPS_BROKER_URL (when SCHEDOPS_EXECUTION=celery) on this host",
        "schedops worker",
        "schedops worker --queue db-host --queue schedops --concurrency 4",
    )
    worker.add_argument(
        "--queue",
        dest="queues",
        action="append",
        metavar="Q",
        help="a queue to take runs from (repeatable; default schedops)",
    )
    worker.add_argument("--concurrency", type=_count, default=2, metavar="N", help="runs at once (default 2)")
    worker.add_argument("--hostname", help="this worker's name (default: celery@<host>)")


def _token_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="create, list or revoke HTTP API tokens").add_subparsers(
        dest="tokens_command", required=True, metavar="ACTION"
    )
    create = tokens.add_parser("create", help="create a token and print it (once)")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=["viewer", "operator", "admin"])
    create.add_argument("--acting-as", metavar="SLACK_USER_ID", help="the Slack user the token speaks for")
    tokens.add_parser("list", help="list tokens (never the tokens themselves)")
    revoke = tokens.add_parser("revoke", help="refuse a token from now on")
    revoke.add_argument("name")


def _jobs_parser(commands: Any) -> None:
    jobs = _add(
        commands,
        "jobs",
        "look at and operate jobs (as the local operator, an admin)",
        "schedops jobs list",
        "schedops jobs show backup",
        "schedops jobs run backup",
        "schedops jobs pause backup",
    ).add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    _add(jobs, "list", "list jobs with their state and next run", "schedops jobs list")
    _add(jobs, "export", "print every job as a jobs file (YAML) on stdout", "schedops jobs export > jobs-backup.yml")
    importer = _add(
        jobs,
        "import",
        "create the jobs in FILE, and replace those that exist with FILE's definition (fields left out take "
        "their defaults; other jobs are left alone); a running schedops picks it up within seconds",
        "schedops jobs import jobs-backup.yml",
    )
    importer.add_argument("file", type=Path, metavar="FILE")
    for name, summary in (
        ("show", "one job: its definition, state, next run and last runs"),
        ("run", "run a job now, wait for it to end, and print its output"),
        ("pause", "pause a job (it stays defined; nothing fires until resumed)"),
        ("resume", "resume a paused job"),
        ("remove", "remove a job (its run history stays readable)"),
    ):
        command = _add(jobs, name, summary, f"schedops jobs {name} backup")
        command.add_argument("job_id", metavar="JOB")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # before the configuration's imports: --help and usage errors need none
    from core.config import ConfigError, load_settings
    from core.logs import configure_logging

    try:
        settings = load_settings(os.environ)
    except ConfigError as error:
        for line in error.lines:
            print(f"schedops: configuration: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    configure_logging(
        json_lines=settings.log_format == "json", level=settings.log_level, secrets=_secret_values(settings)
    )
    _import_path_like_python_m()
    module = _MODULES[args.command]
    if args.command == "jobs" and args.jobs_command in _JOB_CONTROL:
        module = "job_control"
    command = importlib.import_module(f"schedops.cli.commands.{module}")
    try:
        code: int = command.execute(args, settings)
    except CommandError as error:
        for line in error.lines:
            print(f"schedops: {line}", file=sys.stderr)
        return error.exit_code
    except LookupError as error:
        print(f"schedops: {error.args[0] if error.args else error}", file=sys.stderr)
        return EXIT_PROBLEM
    return code


class CommandError(Exception):
    """What a command refuses, in lines for stderr, with its exit code."""

    def __init__(self, lines: Sequence[str], exit_code: int) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.exit_code = exit_code


def _import_path_like_python_m() -> None:
    """Put the working directory first on the import path, as ``python -m bot`` does, so python jobs
    (``target: examples.tasks:count_files``) import the same under ``schedops run`` as under ``python -m``."""
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def _secret_values(settings: Settings) -> list[str]:
    values = [settings.database_url.get_secret_value()]
    for secret in (settings.slack_bot_token, settings.slack_app_token, settings.signing_secret):
        if secret is not None:
            values.append(secret.get_secret_value())
    values.extend(endpoint.secret for endpoint in settings.webhook_endpoints)
    if settings.broker_url is not None:
        values.append(settings.broker_url.get_secret_value())
    return values
