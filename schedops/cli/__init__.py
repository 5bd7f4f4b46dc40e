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

from core.config import ConfigError, Settings, load_settings
from core.logs import configure_logging

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
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schedops", description="Scheduled jobs you can run from Slack.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the scheduler (and the Slack bot when configured)")
    commands.add_parser("check", help="validate the configuration and the jobs file")
    jobs = commands.add_parser("jobs", help="list, export or import jobs").add_subparsers(
        dest="jobs_command", required=True, metavar="ACTION"
    )
    jobs.add_parser("list", help="list jobs with their state and next run")
    jobs.add_parser("export", help="print every job as a jobs file (YAML) on stdout")
    importer = jobs.add_parser("import", help="create or update the jobs in FILE")
    importer.add_argument("file", type=Path)
    sitrep = commands.add_parser("sitrep", help="the situation report (or one job's report)")
    sitrep.add_argument("job_id", nargs="?")
    sitrep.add_argument("--window", default="24h", help="how far back to look (default 24h)")
    audit = commands.add_parser("audit", help="the audit log, newest first")
    audit.add_argument("--actor")
    audit.add_argument("--action")
    audit.add_argument("-n", "--limit", type=int, default=50)
    runs = commands.add_parser("runs", help="recent runs of a job")
    runs.add_argument("job_id")
    runs.add_argument("-n", "--limit", type=int, default=20)
    _token_commands(commands)
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(os.environ)
    except ConfigError as error:
        for line in error.lines:
            print(f"schedops: configuration: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    configure_logging(
        json_lines=settings.log_format == "json", level=settings.log_level, secrets=_secret_values(settings)
    )
    command = importlib.import_module(f"schedops.cli.commands.{_MODULES[args.command]}")
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


def _secret_values(settings: Settings) -> list[str]:
    values = [settings.database_url.get_secret_value()]
    for secret in (settings.slack_bot_token, settings.slack_app_token, settings.signing_secret):
        if secret is not None:
            values.append(secret.get_secret_value())
    values.extend(endpoint.secret for endpoint in settings.webhook_endpoints)
    return values
