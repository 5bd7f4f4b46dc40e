"""The executors a schedops process starts with: shell, http and python (the bot adds digest)."""

from __future__ import annotations

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


def default_executors() -> DefaultExecutors:
    """Fresh shell, http and python executors in one registry."""
    return DefaultExecutors(http=HttpExecutor(), shell=ShellExecutor(), python=PythonExecutor())
