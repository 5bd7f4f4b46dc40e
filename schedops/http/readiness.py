"""Whether this process is ready to do its work: a pure decision over facts the health server gathers.

Readiness is narrower than the sitrep's health. A failing job makes schedops *degraded*, but only a process
that cannot schedule, cannot reach its database or has lost Slack should be taken out of rotation. The words
(``healthy``/``unhealthy``) and reason codes are the sitrep's where it has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.sitrep.model import HealthLevel, ReasonCode

SLACK_DISCONNECTED = "slack_disconnected"


@dataclass(frozen=True, slots=True)
class ReadinessFacts:
    """``database_error`` is None when the database answered; ``slack_connected`` is None when Slack is not
    configured (and so not required)."""

    scheduler_running: bool
    database_error: str | None = None
    slack_connected: bool | None = None
    role: str = "leader"  # a standby is ready too: it serves Slack and HTTP, and fires once it leads


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


def readiness(facts: ReadinessFacts) -> tuple[bool, list[Reason]]:
    """Ready when nothing is wrong; otherwise every reason, in the sitrep's order (scheduler, database), then Slack."""
    reasons: list[Reason] = []
    if not facts.scheduler_running and facts.role == "leader":
        reasons.append(Reason(ReasonCode.SCHEDULER_STOPPED.value, "The scheduler is not running: no job will fire."))
    if facts.database_error is not None:
        text = f"The database cannot be reached: {facts.database_error}"
        reasons.append(Reason(ReasonCode.DATABASE_UNREACHABLE.value, text))
    if facts.slack_connected is False:
        text = "Slack is configured but not connected: commands and alerts cannot get through."
        reasons.append(Reason(SLACK_DISCONNECTED, text))
    return not reasons, reasons


def readiness_body(ok: bool, reasons: list[Reason], role: str = "leader") -> dict[str, Any]:
    """The JSON body of /readyz."""
    status = HealthLevel.HEALTHY if ok else HealthLevel.UNHEALTHY
    return {
        "status": status.value,
        "role": role,
        "reasons": [{"code": reason.code, "text": reason.text} for reason in reasons],
    }
