"""The order `make test` runs the suite in: each xdist worker's share starts with its slow tests.

pytest-xdist's ``worksteal`` mode hands each of N workers one contiguous slice of the collected tests, and a
worker that runs out takes the later half of the busiest worker's remaining slice. In collection order the slow
modules (real Celery workers, replicas, a browser, waits on real time) sit together, most of them late: one or
two workers got them all, and the run ended with several workers idle while the last of them ran serially.
Laid out here, every slice begins with its even share of the slow tests and ends with quick tests, so the
end of the run is short tests that stealing spreads evenly. Tests are only reordered, never dropped; tests that
share something costly (a module-scoped fixture) stay together as one group, so it still starts once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def slice_sizes(count: int, workers: int) -> list[int]:
    """The sizes of the slices worksteal first hands out: ``remaining // workers_left``, worker by worker."""
    sizes = []
    for left in range(workers, 0, -1):
        size = count // left
        sizes.append(size)
        count -= size
    return sizes


def lay_out(items: Sequence[T], workers: int, group: Callable[[T], str], slow: Callable[[T], bool]) -> list[T]:
    """``items`` reordered so that each of ``workers`` slices starts with an even share of the slow tests.

    Groups of slow tests (``group`` names each test's) go, largest first, to the slice with the fewest slow
    tests so far; each slice is then filled up to its size with quick tests in collection order.
    """
    if workers < 2:
        return list(items)
    groups: dict[str, list[T]] = {}
    quick: list[T] = []
    for item in items:
        if slow(item):
            groups.setdefault(group(item), []).append(item)
        else:
            quick.append(item)
    shares: list[list[T]] = [[] for _ in range(workers)]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(shares, key=len).extend(group)
    ordered: list[T] = []
    taken = 0
    for share, size in zip(shares, slice_sizes(len(items), workers), strict=True):
        fill = max(0, size - len(share))
        ordered += share + quick[taken : taken + fill]
        taken += fill
    return ordered + quick[taken:]
