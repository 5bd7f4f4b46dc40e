from __future__ import annotations

from core.executors.defaults import default_executors
from core.runs import RunStatus
from tests.core.executors.specs import job


async def test_it_runs_shell_http_and_python_jobs() -> None:
    executors = default_executors()
    try:
        shell = await executors.execute(job("shell", command=["true"]))
        python = await executors.execute(job("python", target="json:dumps", kwargs={"obj": [1]}))
        http = await executors.execute(job("http", url="http://127.0.0.1:1/", timeout="5s"))
    finally:
        await executors.aclose()

    assert shell.status is RunStatus.SUCCEEDED
    assert python.result == "[1]"
    assert http.status is RunStatus.FAILED  # connection refused, but the http executor answered


async def test_it_leaves_digest_jobs_to_the_bot() -> None:
    executors = default_executors()

    result = await executors.execute(job("digest", channel="C0123"))

    assert result.status is RunStatus.SKIPPED
    await executors.aclose()


async def test_it_can_be_closed_before_any_http_job_ran() -> None:
    executors = default_executors()

    await executors.aclose()
    await executors.aclose()
