from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.views.common import (
    ago,
    chunks,
    code_block,
    error_message,
    escape,
    mention,
    more_line,
    notice_message,
    truncate,
    when,
)
from tests.bot.views.checks import assert_message_ok, unescape
from tests.bot.views.factories import HOSTILE, hostile_output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("backup", "backup"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<http://evil.example|click here>", "&lt;http://evil.example|click here&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),  # already looks escaped: still shown as written
        ("", ""),
    ],
)
def test_it_escapes_slack_control_characters(text: str, expected: str) -> None:
    assert escape(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "keep_end", "expected"),
    [
        ("short", 10, False, "short"),
        ("exactly10!", 10, False, "exactly10!"),
        ("0123456789abc", 10, False, "012345678…"),
        ("0123456789abc", 10, True, "…456789abc"),
        ("abcdefgh&amp;xyz", 10, False, "abcdefgh…"),  # never half an entity
        ("abc&lt;defghijklm", 6, False, "abc…"),
        ("xyz&gt;abcdefgh", 10, True, "…abcdefgh"),
        ("anything", 1, False, "…"),
    ],
)
def test_it_truncates_with_a_marker(text: str, limit: int, keep_end: bool, expected: str) -> None:
    assert truncate(text, limit, keep_end=keep_end) == expected
    assert len(truncate(text, limit, keep_end=keep_end)) <= limit


@pytest.mark.parametrize("limit", [20, 100, 3000])
@pytest.mark.parametrize("keep_end", [False, True])
def test_a_code_block_is_bounded_escaped_and_cannot_be_closed_early(limit: int, keep_end: bool) -> None:
    block = code_block(hostile_output(), limit, keep_end=keep_end)
    assert len(block) <= limit
    assert block.startswith("```\n") and block.endswith("\n```")
    inner = block[4:-4]
    assert "`" not in inner
    assert "<" not in inner and ">" not in inner


def test_a_code_block_keeps_the_end_of_an_output_tail() -> None:
    text = "\n".join(f"line {n}" for n in range(1000))
    assert code_block(text, 200, keep_end=True).endswith("line 999\n```")
    assert code_block(text, 200).startswith("```\nline 0\n")


@pytest.mark.parametrize(
    ("shown", "total", "expected"),
    [(10, 10, ""), (10, 11, "and 1 more job"), (10, 500, "and 490 more jobs"), (0, 2, "and 2 more jobs")],
)
def test_more_line_counts_what_was_left_out(shown: int, total: int, expected: str) -> None:
    assert more_line(shown, total, "job") == expected


def test_when_uses_slack_date_formatting_with_a_utc_fallback() -> None:
    moment = datetime(2026, 11, 22, 12, 30, tzinfo=UTC)
    assert when(moment) == "<!date^1795350600^{date_short_pretty} {time}|2026-11-22 12:30 UTC>"
    assert when(moment.replace(tzinfo=None)) == when(moment)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=1), "1 second ago"),
        (timedelta(seconds=59), "59 seconds ago"),
        (timedelta(minutes=5, seconds=10), "5 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(days=3, hours=4), "3 days ago"),
        (timedelta(hours=-2), "in 2 hours"),
    ],
)
def test_ago_says_how_long_ago_in_words(delta: timedelta, expected: str) -> None:
    assert ago(delta) == expected


@pytest.mark.parametrize("size", [10, 100, 2990])
def test_chunks_fit_when_escaped_and_lose_nothing(size: int) -> None:
    text = hostile_output() + "\n" + "&" * 5000  # one line longer than any chunk
    pieces = chunks(text, size)
    assert "".join(pieces) == text
    assert all(len(escape(piece)) <= size for piece in pieces)


@pytest.mark.parametrize(
    ("user", "expected"),
    [("U0ALICE", "<@U0ALICE>"), ("W0BOB", "<@W0BOB>"), ("cli:alice", "cli:alice"), ("<!channel>", "&lt;!channel&gt;")],
)
def test_mention_only_mentions_slack_user_ids(user: str, expected: str) -> None:
    assert mention(user) == expected


def test_an_error_message_says_what_was_wrong_and_how_to_use_the_command() -> None:
    message = error_message("`<!channel>` is not a job id", "`/sitrep JOB_ID`")
    assert_message_ok(message)
    assert message["blocks"][0]["text"]["text"] == ":warning: `&lt;!channel&gt;` is not a job id"
    assert "`/sitrep JOB_ID`" in message["blocks"][1]["elements"][0]["text"]
    assert "Usage" in message["text"]


def test_a_notice_shows_its_words_as_written() -> None:
    message = notice_message(f"Nothing to retry: {HOSTILE}")
    assert_message_ok(message)
    assert unescape(message["blocks"][0]["text"]["text"]) == f"Nothing to retry: {HOSTILE}"
