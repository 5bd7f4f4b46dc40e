"""A job's state in one word, with one precedence, for every renderer (terminal and Slack alike)."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


def job_state(*, enabled: bool, paused: bool) -> JobState:
    """Disabled wins over paused: a job the jobs file no longer has stays off even when it is resumed, so that is
    the fact worth showing first."""
    if not enabled:
        return JobState.DISABLED
    return JobState.PAUSED if paused else JobState.ACTIVE
