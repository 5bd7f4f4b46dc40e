"""What ``schedops check`` warns about: definitions that are valid but would fail, or never fire, when their
time comes (a program that is not installed, a working directory that does not exist, a one-time run whose
time has passed). Warnings, not errors: the file may be meant for another machine."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterable
from datetime import datetime

from core.jobs.spec import CeleryJob, JobSpec, OnceSchedule, ShellJob

# Words a shell runs itself: no program to look for.
_SHELL_WORDS = frozenset(
    [
        "!",
        ".",
        ":",
        "[",
        "[[",
        "alias",
        "bg",
        "break",
        "case",
        "cd",
        "command",
        "continue",
        "echo",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fg",
        "for",
        "if",
        "kill",
        "local",
        "printf",
        "pwd",
        "read",
        "return",
        "set",
        "shift",
        "source",
        "test",
        "times",
        "trap",
        "true",
        "type",
        "ulimit",
        "umask",
        "unset",
        "wait",
        "while",
    ]
)


def preflight_warnings(specs: Iterable[JobSpec], *, now: datetime, celery_broker: bool = True) -> list[str]:
    """One line per problem, each naming the job. ``celery_broker``: whether SCHEDOPS_CELERY_BROKER_URL is
    set, for celery jobs that name no broker of their own."""
    warnings: list[str] = []
    for spec in specs:
        problems = _problems(spec, now)
        if isinstance(spec, CeleryJob):
            problems += _celery_problems(spec, celery_broker)
        warnings += [f"job {spec.id!r}: {problem}" for problem in problems]
    return warnings


def _celery_problems(spec: CeleryJob, celery_broker: bool) -> list[str]:
    problems = []
    if spec.broker is None and not celery_broker:
        problems.append("broker: none given and SCHEDOPS_CELERY_BROKER_URL is not set: its runs will fail")
    if "queue" in spec.model_fields_set and spec.task_queue is None:
        problems.append(
            f"queue: {spec.queue!r} names the schedops workers that send the task (SCHEDOPS_EXECUTION=celery); "
            "the task itself goes to task_queue (default: celery)"
        )
    return problems


def _problems(spec: JobSpec, now: datetime) -> list[str]:
    problems = []
    if isinstance(spec.schedule, OnceSchedule) and spec.schedule.at <= now and spec.enabled:
        problems.append(f"schedule.at {spec.schedule.at.isoformat()} is in the past: it will never fire")
    if isinstance(spec, ShellJob):
        if spec.cwd is not None and not os.path.isdir(spec.cwd):
            problems.append(f"cwd: no directory {spec.cwd} on this machine")
        program = _program(spec.command)
        if program is not None and not _found(program, spec.cwd):
            problems.append(f"command: program {program!r} not found on this machine's PATH")
    return problems


def _program(command: list[str] | str) -> str | None:
    if isinstance(command, list):
        return command[0]
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    words = [word for word in words if "=" not in word.split("/")[0]]  # FOO=bar cmd: the program is cmd
    if not words or words[0] in _SHELL_WORDS or any(char in words[0] for char in "$`(){};|&<>*"):
        return None
    return words[0]


def _found(program: str, cwd: str | None) -> bool:
    if "/" in program:
        path = program if os.path.isabs(program) or cwd is None else os.path.join(cwd, program)
        return os.access(path, os.X_OK)
    return shutil.which(program) is not None
