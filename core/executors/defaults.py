"""The executors a schedops process starts with: shell, http, python and celery (the bot adds digest)."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import SecretStr

from core.config import DEFAULT_JOB_ENV, Settings
from core.executors.base import Executors
from core.executors.celery import CeleryExecutor
from core.executors.http import HttpExecutor
from core.executors.python import PythonExecutor
from core.executors.shell import ShellExecutor


class DefaultExecutors(Executors):
    """``Executors`` that also own the HTTP executor's connection pool and the Celery clients; ``aclose()``
    them on shutdown."""

    def __init__(
        self, *, http: HttpExecutor, shell: ShellExecutor, python: PythonExecutor, celery: CeleryExecutor
    ) -> None:
        super().__init__({"shell": shell, "http": http, "python": python, "celery": celery})
        self._http = http
        self._celery = celery

    async def aclose(self) -> None:
        try:
            await self._http.close()
        finally:
            await self._celery.aclose()


def default_executors(
    *,
    job_env: Collection[str] = DEFAULT_JOB_ENV,
    celery_broker_url: str | None = None,
    celery_result_backend: str | None = None,
) -> DefaultExecutors:
    """Fresh executors in one registry; shell jobs inherit only ``job_env``, and celery jobs that name no
    broker or result backend use ``celery_broker_url`` and ``celery_result_backend``."""
    return DefaultExecutors(
        http=HttpExecutor(),
        shell=ShellExecutor(inherit_env=job_env),
        python=PythonExecutor(),
        celery=CeleryExecutor(broker_url=celery_broker_url, result_backend=celery_result_backend),
    )


def executors_for(settings: Settings) -> DefaultExecutors:
    """The executors a schedops process (scheduler or worker) runs jobs with, as ``settings`` configure them."""

    def secret(value: SecretStr | None) -> str | None:
        return None if value is None else value.get_secret_value()

    return default_executors(
        job_env=settings.job_env,
        celery_broker_url=secret(settings.celery_broker_url),
        celery_result_backend=secret(settings.celery_result_backend),
    )
