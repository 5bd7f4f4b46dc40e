"""Issue 9, item 2: the health port binds loopback by default, cuts off half-sent requests and idle
connections, and serves a bounded number of connections, so it can never starve the process of descriptors."""

from __future__ import annotations

import asyncio
import inspect

import aiohttp

from core.config import load_settings
from schedops.http.server import HealthServer
from tests.schedops.http.conftest import ServerFactory, url


async def test_it_listens_on_loopback_unless_told_otherwise(serve: ServerFactory) -> None:
    assert load_settings({}, env_file=None).http_host == "127.0.0.1"
    assert inspect.signature(HealthServer).parameters["host"].default == "127.0.0.1"
    server = await serve()
    assert server.host == "127.0.0.1"


async def half_sent(server: HealthServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the blank line that ends the headers never comes
    await writer.drain()
    return reader, writer


async def test_a_half_sent_request_is_cut_off(serve: ServerFactory) -> None:
    server = await serve(request_timeout=0.3)
    reader, writer = await half_sent(server)
    async with asyncio.timeout(10):  # a bound for the test itself, far above the server's timeout
        assert await reader.read() == b""  # the server closed the connection
    writer.close()


async def test_connections_beyond_the_cap_are_turned_away_and_healthz_still_answers(
    serve: ServerFactory, client: aiohttp.ClientSession
) -> None:
    server = await serve(max_connections=3, request_timeout=0.5)
    idle = [await half_sent(server) for _ in range(3)]
    reader, writer = await asyncio.open_connection(server.host, server.port)
    async with asyncio.timeout(10):
        assert (await reader.read()).startswith(b"HTTP/1.1 503")
    writer.close()
    async with asyncio.timeout(10):  # once the idle ones are cut off, a probe gets through again
        for idle_reader, _ in idle:
            await idle_reader.read()
    async with client.get(url(server, "/healthz")) as response:
        assert response.status == 200
    for _, idle_writer in idle:
        idle_writer.close()
