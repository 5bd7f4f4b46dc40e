"""Nearest-rank percentiles of the durations of runs in a time window: exact on both backends.

PostgreSQL: percentile_disc, every fraction from one sort. SQLite has no percentile function, and sorting a
day of durations (34,000 in the benchmark) was the sitrep's slowest step, so it reads the window twice and
sorts only a little in Python: first the count and a random sample of about one duration in 32; then, for
each percentile, how many durations lie below a bracket the sample places around it, and the few thousand
inside it. A bracket that misses its rank (a sample unlike the window: for the median of a day like the
benchmark's, about once in 40,000) costs one bounded sort instead; the answer is exact either way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, true
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncConnection

from core.sitrep.window import in_window
from core.storage.tables import RunRow

SAMPLE_EVERY = 32
Bracket = tuple[int | None, int | None]  # (lowest, highest) duration inside; None: unbounded


def nearest_rank(fraction: float, count: int) -> int:
    """The 1-based rank of the ``fraction`` percentile among ``count`` sorted values (PostgreSQL's
    percentile_disc picks the same one)."""
    return min(count, max(1, math.ceil(fraction * count)))


def bracket(sample: Sequence[int], rank: int, count: int) -> Bracket:
    """Bounds that hold the ``rank``-th of ``count`` values, judging by a sorted random ``sample`` of them.

    Where the rank falls in the sample is off by a binomial error of standard deviation at most half the
    square root of the sample's size; each bound lies four of those (and two values) away.
    """
    if not sample:
        return None, None
    at = rank * len(sample) / count
    margin = 2 * math.sqrt(len(sample)) + 2
    low, high = math.floor(at - margin), math.ceil(at + margin)
    return (sample[low] if low >= 0 else None, sample[high] if high < len(sample) else None)


async def duration_percentiles(
    connection: AsyncConnection, start: datetime, end: datetime, fractions: Sequence[float]
) -> list[int | None]:
    """The nearest-rank ``fractions`` percentiles of duration_ms among the runs created in [start, end] that
    have one (None each when none has)."""
    timed = and_(in_window(start, end), RunRow.duration_ms.is_not(None))
    if connection.dialect.name == "postgresql":
        percentiles = func.percentile_disc(array(fractions)).within_group(RunRow.duration_ms)
        values = await connection.scalar(select(percentiles).where(timed))
        return [None if value is None else int(value) for value in values or [None] * len(fractions)]
    sampled = func.json_group_array(RunRow.duration_ms).filter(func.random() % SAMPLE_EVERY == 0)
    count, sample = (await connection.execute(select(func.count(), sampled).where(timed))).one()
    if not count:
        return [None] * len(fractions)
    ordered = sorted(json.loads(sample))
    brackets = [bracket(ordered, nearest_rank(fraction, count), count) for fraction in fractions]
    return await _within(connection, timed, fractions, brackets)


async def _within(
    connection: AsyncConnection, timed: ColumnElement[bool], fractions: Sequence[float], brackets: list[Bracket]
) -> list[int | None]:
    """Per fraction, its value from the durations inside its bracket, or from one bounded sort if missed."""
    columns: list[ColumnElement[Any]] = [func.count()]
    for low, high in brackets:
        bounds = [RunRow.duration_ms >= low] if low is not None else []
        bounds += [RunRow.duration_ms <= high] if high is not None else []
        columns.append(literal(0) if low is None else func.count().filter(RunRow.duration_ms < low))
        columns.append(func.json_group_array(RunRow.duration_ms).filter(and_(true(), *bounds)))
    # One statement, one snapshot: the count that decides each rank is the count of what is bracketed.
    row: Any = (await connection.execute(select(*columns).where(timed))).one()
    count, values = int(row[0]), []
    for index, fraction in enumerate(fractions):
        below, inside = int(row[1 + 2 * index]), sorted(json.loads(row[2 + 2 * index]))
        rank = nearest_rank(fraction, count)
        if below < rank <= below + len(inside):
            values.append(inside[rank - below - 1])
        else:
            values.append(await _ranked(connection, timed, rank, count) if count else None)
    return values


async def _ranked(connection: AsyncConnection, timed: ColumnElement[bool], rank: int, count: int) -> int | None:
    """The ``rank``-th duration by one bounded sort, ORDER BY ... LIMIT 1 OFFSET k from whichever end is
    nearer, so the sorter holds at most half the window's rows."""
    ascending = rank <= count - rank + 1
    order = RunRow.duration_ms.asc() if ascending else RunRow.duration_ms.desc()
    offset = rank - 1 if ascending else count - rank
    value = await connection.scalar(select(RunRow.duration_ms).where(timed).order_by(order).limit(1).offset(offset))
    return None if value is None else int(value)
