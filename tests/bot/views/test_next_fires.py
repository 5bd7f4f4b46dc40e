"""/jobs next: the answer lists each fire time with its zone and offset, within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.views.next_fires import next_fires_message
from core.jobs.next_fires import next_fire_times
from tests.bot.views.checks import assert_message_ok


def test_it_lists_each_fire_time_with_its_offset() -> None:
    answer = next_fire_times("30 2 * * *", timezone="Australia/Sydney", now=datetime(2026, 10, 3, tzinfo=UTC))
    message = next_fires_message(answer)
    assert_message_ok(message)
    text = message["blocks"][0]["text"]["text"]
    assert "Sun 04 Oct 2026 03:00 AEDT (UTC+1100)" in text  # the skipped 02:30 runs right after the change
    assert text.count("•") == 5
