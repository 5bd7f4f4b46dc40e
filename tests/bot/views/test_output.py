from __future__ import annotations

import json
from typing import Any

from bot import ids
from bot.views.output import output_modal
from core.runs import OUTPUT_TAIL_BYTES
from tests.bot.views.checks import assert_view_ok, unescape
from tests.bot.views.factories import hostile_output, hostile_run, run


def _code(view: dict[str, Any]) -> list[str]:
    return [
        unescape(block["text"]["text"][4:-4])
        for block in view["blocks"]
        if block["type"] == "section" and block["text"]["text"].startswith("```")
    ]


def test_the_whole_kept_output_is_shown_across_sections() -> None:
    view = output_modal(run(output=hostile_output(), error=None))
    assert_view_ok(view)
    assert "".join(_code(view)).replace("\n", "") == hostile_output().replace("\n", "")
    assert all(len(block["text"]["text"]) <= 3000 for block in view["blocks"] if block["type"] == "section")


def test_an_output_longer_than_what_is_kept_shows_its_end() -> None:
    output = "first line\n" + "y" * OUTPUT_TAIL_BYTES
    view = output_modal(run(output=output, error=None))
    assert "first line" not in "".join(_code(view))


def test_the_modal_shows_the_error_and_the_result_too() -> None:
    view = output_modal(run(error="boom <!channel>", result={"rows": 3}))
    assert_view_ok(view)
    code = _code(view)
    assert code[0] == "boom <!channel>"
    assert json.loads(code[-1]) == {"rows": 3}


def test_the_modal_title_fits_even_for_a_huge_run_id() -> None:
    view = output_modal(hostile_run(10**20))
    assert_view_ok(view)
    assert len(view["title"]["text"]) <= 24
    assert view["callback_id"] == ids.OUTPUT_MODAL
    assert "submit" not in view
