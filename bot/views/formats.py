"""Small, shared ways of showing run statuses, health, durations and rates in mrkdwn."""

from __future__ import annotations

from datetime import timedelta

from core.durations import human_duration
from core.runs import ErrorClass, RunStatus, RunTrigger
from core.sitrep.model import HealthLevel

STATUS_EMOJI = {
    RunStatus.RUNNING: ":hourglass_flowing_sand:",
    RunStatus.SUCCEEDED: ":white_check_mark:",
    RunStatus.FAILED: ":x:",
    RunStatus.TIMED_OUT: ":alarm_clock:",
    RunStatus.INTERRUPTED: ":octagonal_sign:",
    RunStatus.SKIPPED: ":fast_forward:",
    RunStatus.MISSED: ":ghost:",
}
HEALTH_EMOJI = {
    HealthLevel.HEALTHY: ":large_green_circle:",
    HealthLevel.DEGRADED: ":large_yellow_circle:",
    HealthLevel.UNHEALTHY: ":red_circle:",
}
ERROR_CLASS_WORDS = {
    ErrorClass.TRANSIENT: "transient (retrying may help)",
    ErrorClass.PERMANENT: "permanent (retrying will not help)",
    ErrorClass.UNKNOWN: "unknown",
}
TRIGGER_WORDS = {
    RunTrigger.SCHEDULE: "scheduled",
    RunTrigger.MANUAL: "manual",
    RunTrigger.RETRY: "retry",
    RunTrigger.FIXIT: "fix-it",
}


def status_words(status: RunStatus) -> str:
    return status.value.replace("_", " ")


def status_label(status: RunStatus) -> str:
    """``:x: failed``"""
    return f"{STATUS_EMOJI[status]} {status_words(status)}"


def duration(delta: timedelta | None) -> str:
    """``850ms``, ``12.3s``, ``4m30s``; ``-`` when unknown."""
    return human_duration(delta)


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
