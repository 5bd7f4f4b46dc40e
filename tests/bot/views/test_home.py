from __future__ import annotations

import pytest

from bot import ids
from bot.views.home import MAX_FAILING, home_view
from core.sitrep.model import HealthLevel
from tests.bot.views.checks import all_text, assert_view_ok, buttons
from tests.bot.views.factories import sitrep


@pytest.mark.parametrize(("failing", "limit", "shown"), [(3, 10, 3), (100, 10, 10), (100, 1000, MAX_FAILING)])
def test_each_failing_job_has_a_retry_button(failing: int, limit: int, shown: int) -> None:
    report = sitrep(size=failing)
    view = home_view(report, failing_limit=limit)
    assert_view_ok(view, surface="home")
    retries = buttons(view)
    assert [b["value"] for b in retries] == [job.job_id for job in report.failing_jobs[:shown]]
    assert all(b["text"]["text"] == "Retry" and ids.base(b["action_id"]) == ids.RETRY for b in retries)
    assert (f"and {failing - shown} more failing job" in all_text(view)) == (failing > shown)


def test_home_shows_health_and_next_runs() -> None:
    view = home_view(sitrep(size=30), upcoming_limit=5)
    text = all_text(view)
    assert ":red_circle: schedops: unhealthy" in text
    assert "next-0004" in text and "next-0005" not in text
    assert "and 25 more scheduled runs" in text


def test_a_quiet_home_says_nothing_is_failing() -> None:
    view = home_view(sitrep(size=0, level=HealthLevel.HEALTHY))
    assert "None :tada:" in all_text(view)
    assert buttons(view) == []
