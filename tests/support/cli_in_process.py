"""The `schedops` command run inside the test process: the same ``main()`` that ``python -m schedops`` calls,
with the environment, working directory, import path, logging and standard streams a fresh process would
have, all restored afterwards.

A fresh interpreter costs each call about 0.6 s of CPU re-importing SQLAlchemy, pydantic and the product; the
command-line tests made a hundred such calls, about a quarter of the suite's CPU. What only a real process shows (the
exit status the shell sees, the installed script, what a command imports, signals, ``schedops run``) stays
with the real-process tests beside them."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

# Loggers whose level configure_logging() sets; restored with the root logger's.
_CONFIGURED = ("", "apscheduler", "alembic")


def run_in_process(args: list[str], *, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``schedops *args`` in ``cwd`` under exactly ``env``: its exit code and what it printed."""
    from schedops.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _as_a_fresh_process(cwd, env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as stop:  # argparse: --help, --version and usage errors
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return subprocess.CompletedProcess(["schedops", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _as_a_fresh_process(cwd: Path, env: Mapping[str, str]) -> Iterator[None]:
    saved_env, saved_cwd, saved_path = dict(os.environ), os.getcwd(), list(sys.path)
    saved_modules = set(sys.modules)
    loggers = [logging.getLogger(name) for name in _CONFIGURED]
    saved_logging = [(logger, logger.handlers[:], logger.level) for logger in loggers]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        for logger, handlers, level in saved_logging:
            logger.handlers[:] = handlers
            logger.setLevel(level)
        # Python jobs imported from the working directory (``target: mytasks:count``): the next test's
        # directory holds a different module of the same name.
        for name in set(sys.modules) - saved_modules:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin.startswith(str(cwd)):
                del sys.modules[name]
