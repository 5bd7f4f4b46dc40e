"""One way for a test to wait for something that happens in the background: poll it until it holds."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T] | T], *, within: float = 15.0, every: float = 0.02) -> T:
    """Call `probe` (plain or async) until it returns something truthy, and return that value.

    Fails with an AssertionError showing the last value when `within` seconds pass first; `every` is the pause
    between calls. `within` is a deadline, not a measurement: generous, because a passing test never waits for
    it and the suite runs tests in parallel on two cores, where a subprocess can take seconds to start. Prefer
    an event when the code under test offers one (FakeSlack.wait_for, Engine.wait_idle).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() >= deadline:
            raise AssertionError(f"not true within {within}s; last value: {value!r}")
        await asyncio.sleep(every)
