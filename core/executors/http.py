"""HTTP jobs: one request, judged by its status code.

Messages name the status or the connection problem, never the request's headers (they often carry tokens)
nor its URL (whose query string may).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from yarl import URL

from core.durations import format_duration
from core.executors.progress import Progress
from core.jobs.spec import HttpJob, JobSpec
from core.runs import OUTPUT_TAIL_BYTES, ErrorClass, ExecutionResult, RunStatus, tail_text

if TYPE_CHECKING:
    import aiohttp

# aiohttp is imported when an HTTP job runs, not with the executor: every CLI command that changes a job builds
# the executors, and aiohttp was a tenth of such a command's start-up.

_CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# The only job headers that follow a redirect to another origin: none of them can carry a credential.
_PORTABLE_HEADERS = frozenset({"accept", "accept-language", "user-agent", "content-type"})


class _RedirectRefused(Exception):
    """A redirect the executor will not follow (a loop, or a scheme other than http and https)."""


class HttpExecutor:
    """Runs ``HttpJob``s over one lazily created aiohttp session; call ``close()`` when done with it.

    A status in ``expect_status`` succeeds. Connection errors, 408, 429 and 5xx are transient failures
    (retrying may help); any other status is permanent. ``spec.timeout`` bounds the whole exchange,
    reading the body included, and running out of it is TIMED_OUT. The last OUTPUT_TAIL_BYTES of the
    response body are kept as the output tail, whatever the status.
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def execute(self, spec: JobSpec, *, progress: Progress | None = None) -> ExecutionResult:
        if not isinstance(spec, HttpJob):
            return ExecutionResult.failure(f"the http executor cannot run {spec.kind} jobs", ErrorClass.PERMANENT)
        import aiohttp

        try:
            async with asyncio.timeout(spec.timeout.total_seconds()):
                status, reason, body = await self._request(spec)
        except TimeoutError:
            return ExecutionResult.failure(
                f"timed out after {format_duration(spec.timeout)}", ErrorClass.TRANSIENT, status=RunStatus.TIMED_OUT
            )
        except (aiohttp.ClientConnectorCertificateError, aiohttp.InvalidURL) as error:
            return ExecutionResult.failure(_describe(error), ErrorClass.PERMANENT)
        except aiohttp.ClientError as error:
            return ExecutionResult.failure(_describe(error), ErrorClass.TRANSIENT)
        except (TypeError, ValueError) as error:  # a body json.dumps refuses, a header aiohttp refuses
            return ExecutionResult.failure(f"cannot send the request: {error}", ErrorClass.PERMANENT)
        except _RedirectRefused as error:
            return ExecutionResult.failure(str(error), ErrorClass.PERMANENT)
        return _judge(spec, status, reason, tail_text(body) if body else None)

    async def _request(self, spec: HttpJob) -> tuple[int, str, bytes]:
        # Redirects are followed here rather than by aiohttp, which drops only Authorization when the origin
        # changes: a job's own headers (X-API-Key...) and body must never reach a host the job did not name.
        session = self._open_session()
        url, method, headers, body = URL(spec.url), spec.method, dict(spec.headers), spec.body
        for _ in range(MAX_REDIRECTS + 1):
            # json=None sends no body at all.
            async with session.request(method, url, headers=headers, json=body, allow_redirects=False) as response:
                location = response.headers.get("Location") if response.status in _REDIRECTS else None
                if location is None:
                    return response.status, response.reason or "", await _tail(response)
                target = response.url.join(URL(location))
            if target.scheme not in ("http", "https"):
                raise _RedirectRefused(f"HTTP {response.status}: refused a redirect to a {target.scheme}: URL")
            if target.origin() != url.origin():
                headers = {name: value for name, value in headers.items() if name.lower() in _PORTABLE_HEADERS}
                body = None
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", None
            url = target
        raise _RedirectRefused(f"more than {MAX_REDIRECTS} redirects")

    def _open_session(self) -> aiohttp.ClientSession:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # No cookies: one job's responses must not change what another job sends.
                cookie_jar=aiohttp.DummyCookieJar(),
                # The job's own timeout is the only one; aiohttp's default would cut a long call at 5 minutes.
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session


async def _tail(response: aiohttp.ClientResponse) -> bytes:
    tail = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
        tail += chunk
        del tail[: -(OUTPUT_TAIL_BYTES + 4)]  # a few spare bytes so tail_text cuts on a character
    return bytes(tail)


def _judge(spec: HttpJob, status: int, reason: str, output: str | None) -> ExecutionResult:
    if status in spec.expect_status:
        return ExecutionResult(status=RunStatus.SUCCEEDED, http_status=status, output_tail=output)
    expected = ", ".join(str(code) for code in spec.expect_status)
    message = f"HTTP {status} {reason}".rstrip() + f" (expected {expected})"
    transient = status in (408, 429) or status >= 500
    error_class = ErrorClass.TRANSIENT if transient else ErrorClass.PERMANENT
    return ExecutionResult.failure(message, error_class, http_status=status, output_tail=output)


def _describe(error: aiohttp.ClientError) -> str:
    import aiohttp

    if isinstance(error, aiohttp.InvalidURL):
        return "invalid URL"
    if isinstance(error, aiohttp.ClientConnectorError):
        # Names host and port and the OS error; never the path, query or headers.
        return f"cannot connect to {error.host}:{error.port}: {error.strerror or error.os_error}"
    if isinstance(error, aiohttp.ClientResponseError):
        return f"bad response: {type(error).__name__} {error.status} {error.message}".rstrip()
    return f"{type(error).__name__}: {error}".rstrip(": ")
