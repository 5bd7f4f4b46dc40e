from __future__ import annotations

import re

from bot import ids
from bot.views.sitrep import job_report_message, sitrep_help, sitrep_message
from core.sitrep.model import HealthLevel
from tests.bot.views.checks import all_text, assert_message_ok, buttons
from tests.bot.views.factories import sitrep
from tests.bot.views.test_limits import _job_report


def test_a_sitrep_shows_health_with_reasons_and_the_figures() -> None:
    message = sitrep_message(sitrep(size=3))
    assert_message_ok(message)
    text = all_text(message)
    assert ":red_circle: Sitrep: unhealthy" in text
    assert "30 defined · 27 enabled · 3 paused" in text
    for figure in ("90.0%", "p50 12.5s · p95 4m30s", "83.3% of 80 scheduled (6 late, 4 missed)"):
        assert figure in text
    for heading in ("*Failing jobs (3)*", "*Running now (3)*", "*Next runs (3)*", "*Paused jobs (3)*"):
        assert heading in text
    assert "*stuck*" in text
    assert message["text"] == "Sitrep: unhealthy: 3 failing, 3 running, 3 paused"


def test_long_lists_say_how_many_more() -> None:
    text = all_text(sitrep_message(sitrep(size=100)))
    for noun in ("failing jobs", "running jobs", "scheduled runs", "paused jobs"):
        shown = re.search(rf"and (\d+) more {noun}", text)
        assert shown is not None and 90 <= int(shown.group(1)) < 100


def test_a_healthy_quiet_sitrep_leaves_out_empty_sections() -> None:
    text = all_text(sitrep_message(sitrep(size=0, level=HealthLevel.HEALTHY)))
    assert ":large_green_circle: Sitrep: healthy" in text
    assert "Failing jobs" not in text and "Paused jobs" not in text


def test_a_sitrep_without_the_database_says_so() -> None:
    message = sitrep_message(sitrep(size=0, database_error="connection refused"))
    assert "*Database unreachable:* connection refused" in all_text(message)
    assert "database unreachable" in message["text"]


def test_a_job_report_explains_the_job_and_offers_its_buttons() -> None:
    message = job_report_message(_job_report(3))
    assert_message_ok(message)
    text = all_text(message)
    assert "*What it does*" in text and "*Last runs*" in text and "50.0% of the last 3 succeeded" in text
    assert [(b["action_id"], b["value"]) for b in buttons(message)] == [
        *[(ids.keyed(ids.CANCEL_RUN, run_id), str(run_id)) for run_id in (1000, 1001, 1002)],
        (ids.JOB_RUN, "backup"),
        (ids.JOB_RESUME, "backup"),
        (ids.JOB_HISTORY, "backup"),
    ]


def test_sitrep_help_shows_the_usage() -> None:
    message = sitrep_help()
    assert_message_ok(message)
    assert "/sitrep JOB_ID" in all_text(message)
