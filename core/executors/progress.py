"""A python job's progress: a job function with a ``progress`` parameter is given a callable
``progress(fraction, text="")`` and may call it as often as it likes, from any thread.

A call only keeps the latest value in memory (under a lock: a plain function runs in a thread of its own).
Whoever executes the run saves the newest unsaved value once per poll of the run's row
(core.execution.cancel.CANCEL_POLL_SECONDS), so a job reporting in a tight loop costs at most one write a
second. A bad call (a fraction that is not a number in [0, 1]) is ignored and logged once per run; nothing a
job passes can make the call raise.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

log = logging.getLogger(__name__)

PROGRESS_PARAMETER = "progress"
PROGRESS_TEXT_CHARS = 200


@dataclass(frozen=True, slots=True)
class ProgressReport:
    fraction: float  # 0.0 to 1.0
    text: str  # one line, at most PROGRESS_TEXT_CHARS


class Progress:
    """What one run's job last reported. ``mask`` is applied when a value is handed over for saving (the
    job's secret values hidden, as in its output), not on every call."""

    def __init__(self, job_id: str = "", *, mask: Callable[[str], str] | None = None) -> None:
        self._job_id = job_id
        self._mask = mask
        self._lock = threading.Lock()
        # (fraction, text) tuples: a call builds no object it does not need (it may be made a million times).
        self._latest: tuple[float, str] | None = None
        self._saved: tuple[float, str] | None = None
        self._handed: tuple[float, str] | None = None
        self._warned = False

    def report(self, fraction: float, text: str = "") -> None:
        """The callable a job is given. Never raises."""
        try:
            value = _fraction(fraction)
            if value is None:
                self._warn(f"progress fraction must be a number from 0 to 1, got {_shown(fraction)}: ignored")
                return
            report = (value, _line(text))
        except Exception:  # a str() that raises, say: the job must go on regardless
            self._warn("a progress call could not be read: ignored")
            return
        with self._lock:
            self._latest = report

    def pending(self) -> ProgressReport | None:
        """The newest value not saved yet (masked), or None. One poller asks, then says ``saved()``."""
        with self._lock:
            latest = self._latest
            if latest is None or latest == self._saved:
                return None
            self._handed = latest
        fraction, text = latest
        return ProgressReport(fraction, self._mask(text) if self._mask else text)

    def saved(self) -> None:
        """The value ``pending`` last handed over is stored. A save that failed is not marked: the next poll
        tries again with whatever is newest then."""
        with self._lock:
            self._saved = self._handed

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("%s: %s (further bad progress calls of this run are ignored silently)", self._job_id, message)


def _fraction(value: object) -> float | None:
    if type(value) is float or type(value) is int:  # the usual case, without the slower ABC check
        number = float(value)
    elif isinstance(value, bool) or not isinstance(value, Real):
        return None
    else:
        number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        return None
    return number


def _line(text: object) -> str:
    # One line: newlines and tabs become spaces (a printable str, the usual case, needs only a strip).
    line = text.strip() if type(text) is str and text.isprintable() else " ".join(str(text).split())
    return line if len(line) <= PROGRESS_TEXT_CHARS else line[: PROGRESS_TEXT_CHARS - 1] + "…"


def _shown(value: object) -> str:
    try:
        shown = repr(value)
    except Exception:
        shown = f"a {type(value).__name__}"
    return shown if len(shown) <= 40 else shown[:39] + "…"
