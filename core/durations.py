"""Durations as people write them in configuration: ``30s``, ``5m``, ``2h``, ``1d``, ``1h30m`` or seconds.

Every duration is finite and bounded where it is parsed: ``float()`` accepts ``inf``, ``nan`` and ``1e20``,
and a timedelta that large overflows (``OverflowError``, not a ValueError) as soon as it is added to a date,
which would pass validation and crash the scheduler later. Each use names its own bound (``maximum``).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_FORMS = "a duration like 30s, 5m, 2h, 1d or a number of seconds"

# Ten years: no use of schedops needs more, and any date in range plus this stays a valid datetime.
MAX_DURATION = timedelta(days=3650)
A_YEAR = timedelta(days=365)
A_DAY = timedelta(days=1)
# How far back a sitrep or a fix-it plan may look, from any door.
MAX_WINDOW = timedelta(days=30)


class DurationError(ValueError):
    """A value that is not a duration, or (``too_long``) one beyond the bound of its use."""

    def __init__(self, message: str, *, too_long: bool = False) -> None:
        super().__init__(message)
        self.too_long = too_long


def parse_duration(value: object, *, maximum: timedelta = MAX_DURATION) -> timedelta:
    """Parse ``value`` into a timedelta from 0 to ``maximum`` (at most MAX_DURATION).

    Accepts a timedelta, a number of seconds (int, float or numeric string) or unit strings such as ``90s``,
    ``5m``, ``1h30m``, ``2d``. Raises DurationError, with one line naming the accepted forms or the bound,
    for anything else: never OverflowError, whatever the input.
    """
    maximum = min(maximum, MAX_DURATION)
    seconds = _seconds(value)
    if math.isnan(seconds) or (math.isinf(seconds) and seconds > 0):
        raise DurationError(f"expected {_FORMS}, got {_shown(value)}")
    if seconds < 0:
        raise DurationError(f"a duration cannot be negative, got {_shown(value)}")
    if seconds > maximum.total_seconds():
        raise DurationError(f"must be at most {format_duration(maximum)}, got {_shown(value)}", too_long=True)
    return timedelta(seconds=seconds)


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DurationError(f"expected {_FORMS}, got {_shown(value)}")
    if isinstance(value, str):
        return _parse_text(value)
    try:
        return float(value)
    except OverflowError:  # an int too large for a float
        return math.inf


def _parse_text(text: str) -> float:
    compact = text.strip().lower().replace(" ", "")
    if _NUMBER.fullmatch(compact):  # digits only: float() would also take "inf", "nan" and "1_000"
        return float(compact)
    if not compact or not _WHOLE.fullmatch(compact):
        raise DurationError(f"expected {_FORMS}, got {_shown(text)}")
    return sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(compact))


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def format_duration(delta: timedelta) -> str:
    """The exact unit form of ``delta`` (``1h30m``, ``45s``, ``0.25s``, ``0s``); parse_duration reads it back."""
    total = delta.total_seconds()
    if total != int(total):
        return f"{total:.6f}".rstrip("0") + "s"
    remaining = int(total)
    if remaining == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def human_duration(delta: timedelta | None) -> str:
    """A measured duration for people: ``850ms``, ``12.3s``, ``4m30s``; ``-`` when unknown."""
    if delta is None:
        return "-"
    seconds = delta.total_seconds()
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:.1f}s" if seconds < 60 else format_duration(timedelta(seconds=round(seconds)))


_WORD_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))
_SPELLED_UNITS = (("week", 604_800), *_WORD_UNITS)


def spelled_out(delta: timedelta) -> str:
    """Every unit, for definitions: ``1 hour 30 minutes``, ``2 weeks``; sub-second parts are rounded away."""
    remaining = round(abs(delta.total_seconds()))
    parts = []
    for name, size in _SPELLED_UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(_counted(count, name))
    return " ".join(parts) or "0 seconds"


def roughly(delta: timedelta) -> str:
    """The largest whole unit, for ages and distances in time: ``3 hours``, ``45 seconds``, ``2 days``."""
    seconds = abs(int(delta.total_seconds()))
    for name, size in _WORD_UNITS:
        if seconds >= size:
            return _counted(seconds // size, name)
    return "0 seconds"


def _counted(count: int, name: str) -> str:
    return f"{count} {name}{'' if count == 1 else 's'}"
