"""Python job targets used by tests (``tests.support.tasks:NAME``)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path


async def nap(seconds: float) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


def boom(message: str = "it broke") -> None:
    raise RuntimeError(message)


def fail_until(counter: str, failures: int) -> dict[str, int]:
    """Fail the first ``failures`` calls, then succeed: a flapping job."""
    path = Path(counter)
    calls = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(calls))
    if calls <= failures:
        raise ConnectionError(f"call {calls} failed")
    return {"calls": calls}


async def nap_then_fail(seconds: float) -> None:
    await asyncio.sleep(seconds)
    raise TimeoutError(f"gave up after {seconds}s")


def doze(seconds: float) -> dict[str, float]:
    """A plain function that blocks its thread (a timeout cannot stop it)."""
    time.sleep(seconds)
    return {"dozed": seconds}


def echo(**values: object) -> dict[str, object]:
    """Returns its arguments: a job whose result holds its own kwargs."""
    return dict(values)
