from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from core.executors.http import HttpExecutor
from core.runs import OUTPUT_TAIL_BYTES, ErrorClass, RunStatus
from tests.core.executors.specs import job

TOKEN = "xoxb-alice-secret-token"


@dataclass
class Server:
    url: str
    received: list[Any] = field(default_factory=list)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    """A real aiohttp server on 127.0.0.1 with one route per behaviour."""
    received: list[Any] = []

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="all good")

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="upstream says no")

    async def echo(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"method": request.method})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="too late")

    async def large(request: web.Request) -> web.Response:
        return web.Response(text="".join(f"row {n:06d}\n" for n in range(50_000)))

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_route("*", "/status/{code}", status)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/slow", slow)
    app.router.add_get("/large", large)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield Server(url=f"http://{host}:{port}", received=received)
    await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[HttpExecutor]:
    executor = HttpExecutor()
    yield executor
    await executor.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_it_succeeds_on_an_expected_status_and_keeps_the_body(server: Server, http: HttpExecutor) -> None:
    result = await http.execute(job("http", url=f"{server.url}/ok"))

    assert result.status is RunStatus.SUCCEEDED
    assert result.http_status == 200
    assert result.error_class is None
    assert result.output_tail == "all good"


async def test_it_keeps_only_the_tail_of_a_large_body(server: Server, http: HttpExecutor) -> None:
    result = await http.execute(job("http", url=f"{server.url}/large"))

    assert result.output_tail is not None
    assert len(result.output_tail.encode()) == OUTPUT_TAIL_BYTES
    assert result.output_tail.endswith("row 049999\n")


async def test_it_accepts_any_status_listed_in_expect_status(server: Server, http: HttpExecutor) -> None:
    result = await http.execute(job("http", url=f"{server.url}/status/204", expect_status=[200, 204]))

    assert result.status is RunStatus.SUCCEEDED
    assert result.http_status == 204


async def test_it_fails_permanently_on_an_unexpected_404(server: Server, http: HttpExecutor) -> None:
    result = await http.execute(job("http", url=f"{server.url}/status/404"))

    assert result.status is RunStatus.FAILED
    assert result.http_status == 404
    assert result.error_class is ErrorClass.PERMANENT
    assert result.error_message == "HTTP 404 Not Found (expected 200)"
    assert result.output_tail == "upstream says no"


@pytest.mark.parametrize("code", [503, 500, 429, 408])
async def test_it_fails_transiently_on_server_errors_and_throttling(
    server: Server, http: HttpExecutor, code: int
) -> None:
    result = await http.execute(job("http", url=f"{server.url}/status/{code}"))

    assert result.status is RunStatus.FAILED
    assert result.http_status == code
    assert result.error_class is ErrorClass.TRANSIENT


async def test_it_fails_transiently_when_the_connection_is_refused(http: HttpExecutor) -> None:
    port = closed_port()

    result = await http.execute(job("http", url=f"http://127.0.0.1:{port}/ping"))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.TRANSIENT
    assert result.http_status is None
    assert result.error_message is not None
    assert result.error_message.startswith(f"cannot connect to 127.0.0.1:{port}")


async def test_it_times_out(server: Server, http: HttpExecutor) -> None:
    result = await http.execute(job("http", url=f"{server.url}/slow", timeout="1s"))

    assert result.status is RunStatus.TIMED_OUT
    assert result.error_class is ErrorClass.TRANSIENT
    assert result.error_message == "timed out after 1s"


async def test_it_sends_the_body_as_json(server: Server, http: HttpExecutor) -> None:
    body = {"user": "bob", "steps": [1, 2], "dry_run": False}

    result = await http.execute(job("http", url=f"{server.url}/echo", method="post", body=body))

    assert result.status is RunStatus.SUCCEEDED
    assert server.received == [body]
    assert result.output_tail == '{"method": "POST"}'


async def test_it_never_puts_request_headers_or_the_query_into_the_result(server: Server, http: HttpExecutor) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for url in (f"{server.url}/status/503?key={TOKEN}", f"http://127.0.0.1:{closed_port()}/?key={TOKEN}"):
        result = await http.execute(job("http", url=url, headers=headers))

        assert result.status is RunStatus.FAILED
        assert TOKEN not in repr(result)


async def test_it_stops_the_request_when_cancelled(server: Server, http: HttpExecutor) -> None:
    run = asyncio.create_task(http.execute(job("http", url=f"{server.url}/slow")))
    await asyncio.sleep(0.2)

    run.cancel()

    with pytest.raises(asyncio.CancelledError):
        await run


async def test_it_refuses_other_job_kinds(http: HttpExecutor) -> None:
    result = await http.execute(job("shell", command=["true"]))

    assert result.status is RunStatus.FAILED
    assert result.error_class is ErrorClass.PERMANENT


@pytest.fixture
async def elsewhere() -> AsyncIterator[Server]:
    """A second server: another origin, recording the headers it receives."""
    received: list[Any] = []

    async def record(request: web.Request) -> web.Response:
        received.append({**request.headers, "_body": await request.text(), "_method": request.method})
        return web.Response(text="recorded")

    app = web.Application()
    app.router.add_route("*", "/record", record)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield Server(url=f"http://{host}:{port}", received=received)
    await runner.cleanup()


async def redirector(to: str, status: int = 307, seen: list[Any] | None = None) -> tuple[web.AppRunner, str]:
    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": to})

    async def record(request: web.Request) -> web.Response:
        (seen if seen is not None else []).append(dict(request.headers))
        return web.Response(text="recorded")

    app = web.Application()
    app.router.add_route("*", "/go", redirect)
    app.router.add_route("*", "/here", record)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/go"


async def test_custom_credential_headers_and_the_body_do_not_follow_a_cross_origin_redirect(
    elsewhere: Server,
) -> None:
    runner, start = await redirector(f"{elsewhere.url}/record")
    headers = {"X-API-Key": TOKEN, "Authorization": f"Bearer {TOKEN}", "Accept": "text/plain"}
    spec = job(kind="http", url=start, method="PUT", headers=headers, body={"secret": TOKEN})
    executor = HttpExecutor()
    try:
        result = await executor.execute(spec)
    finally:
        await executor.close()
        await runner.cleanup()
    assert result.status is RunStatus.SUCCEEDED
    (seen,) = elsewhere.received
    assert TOKEN not in str(seen)
    assert seen["Accept"] == "text/plain"


async def test_headers_still_follow_a_redirect_within_the_same_origin() -> None:
    seen: list[Any] = []
    runner, start = await redirector("/here", status=302, seen=seen)  # relative: the same server
    executor = HttpExecutor()
    try:
        result = await executor.execute(job(kind="http", url=start, headers={"X-API-Key": TOKEN}))
    finally:
        await executor.close()
        await runner.cleanup()
    assert result.status is RunStatus.SUCCEEDED
    assert [headers["X-API-Key"] for headers in seen] == [TOKEN]


async def test_a_redirect_loop_fails_permanently_with_one_line() -> None:
    runner, start = await redirector("/go")
    executor = HttpExecutor()
    try:
        result = await executor.execute(job(kind="http", url=start))
    finally:
        await executor.close()
        await runner.cleanup()
    assert result.error_class is ErrorClass.PERMANENT and result.error_message == "more than 10 redirects"
