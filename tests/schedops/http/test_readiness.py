from __future__ import annotations

import pytest

from schedops.http.readiness import ReadinessFacts, Reason, readiness, readiness_body

SCHEDULER = Reason("scheduler_stopped", "The scheduler is not running: no job will fire.")
DATABASE = Reason("database_unreachable", "The database cannot be reached: no answer within 2s.")
SLACK = Reason("slack_disconnected", "Slack is configured but not connected: commands and alerts cannot get through.")


@pytest.mark.parametrize(
    ("facts", "ready", "reasons"),
    [
        (ReadinessFacts(scheduler_running=True), True, []),
        (ReadinessFacts(scheduler_running=True, slack_connected=True), True, []),
        (ReadinessFacts(scheduler_running=True, slack_connected=None), True, []),
        (ReadinessFacts(scheduler_running=False), False, [SCHEDULER]),
        # A standby does not fire, yet serves Slack and HTTP: it is ready.
        (ReadinessFacts(scheduler_running=False, role="standby"), True, []),
        (ReadinessFacts(scheduler_running=True, database_error="no answer within 2s."), False, [DATABASE]),
        (ReadinessFacts(scheduler_running=True, slack_connected=False), False, [SLACK]),
        (
            ReadinessFacts(scheduler_running=False, database_error="no answer within 2s.", slack_connected=False),
            False,
            [SCHEDULER, DATABASE, SLACK],
        ),
    ],
)
def test_readiness(facts: ReadinessFacts, ready: bool, reasons: list[Reason]) -> None:
    assert readiness(facts) == (ready, reasons)


def test_the_body_uses_the_sitreps_health_words() -> None:
    assert readiness_body(True, []) == {"status": "healthy", "role": "leader", "reasons": []}
    assert readiness_body(False, [SCHEDULER]) == {
        "status": "unhealthy",
        "role": "leader",
        "reasons": [{"code": "scheduler_stopped", "text": SCHEDULER.text}],
    }


def test_the_body_names_the_replicas_role() -> None:
    assert readiness_body(True, [], "standby")["role"] == "standby"
