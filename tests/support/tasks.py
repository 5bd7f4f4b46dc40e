"""Python job targets used by tests (``tests.support.tasks:NAME``)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any


async def nap(seconds: float) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


async def hold(gate: str) -> dict[str, bool]:
    """Runs until the file ``gate`` exists: a job the test ends when it chooses, however loaded the machine.

    A file, not an event: a job's arguments are data in its spec. Async, so a shutdown cancels it."""
    while not Path(gate).exists():  # noqa: ASYNC110, ASYNC240 (a stat every 20 ms)
        await asyncio.sleep(0.02)
    return {"released": True}


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


def report_progress(gate: str, label: str = "", progress: Any = None) -> dict[str, bool]:
    """A long job that says how far it got: many reports in a tight loop, then 40% with ``label`` in its
    text, then a bad call (ignored), then it waits for ``gate`` to exist."""
    for step in range(1000):
        progress(step / 2500, f"warming up {step}")
    progress(0.4, f"copying table 3/7 {label}".strip())
    progress(7, "seven is not a fraction")
    progress("half", object())
    while not Path(gate).exists():
        time.sleep(0.02)
    progress(1.0, "done")
    return {"done": True}
