"""Issue 9, item 1: `/fixit --window` answers an endless or huge window with one line, never a traceback."""

from __future__ import annotations

import pytest

from bot.parsing import ParseError, parse_fixit


@pytest.mark.parametrize("window", ["inf", "nan", "1e20", "-inf", "1e400", "99999999999999999999999d"])
def test_fixit_refuses_an_endless_window_with_one_line(window: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_fixit(f"--window {window}")
    assert "\n" not in str(raised.value)


def test_fixit_says_the_window_bounds_when_it_is_too_long() -> None:
    with pytest.raises(ParseError, match="between 1m and 30d"):
        parse_fixit("--window 31d")
