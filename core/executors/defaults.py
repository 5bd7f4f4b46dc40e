"""The executors a schedops process starts with: shell, http and python (the bot adds digest)."""

from __future__ import annotations

from collections.abc import Collection

from core.config import DEFAULT_JOB_ENV
from core.executors.base import Executors
from core.executors.http import HttpExecutor
from core.executors.python import PythonExecutor
from core.executors.shell import ShellExecutor


class DefaultExecutors(Executors):
    """``Executors`` that also own the HTTP executor's connection pool; ``aclose()`` it on shutdown."""

    def __init__(self, *, http: HttpExecutor, shell: ShellExecutor, python: PythonExecutor) -> None:
        super().__init__({"shell": shell, "http": http, "python": python})
        self._http = http

    async def aclose(self) -> None:
        await self._http.close()


def default_executors(*, job_env: Collection[str] = DEFAULT_JOB_ENV) -> DefaultExecutors:
    """Fresh shell, http and python executors in one registry; shell jobs inherit only ``job_env``."""
    return DefaultExecutors(http=HttpExecutor(), shell=ShellExecutor(inherit_env=job_env), python=PythonExecutor())
