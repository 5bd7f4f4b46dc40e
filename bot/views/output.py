"""The Show output modal: a run's whole kept output (up to 8 KiB), its error and its result."""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from bot.views import blocks
from bot.views.common import SECTION_LIMIT, chunks, code_block, truncate, when
from bot.views.formats import TRIGGER_WORDS, duration, status_label
from core.runs import OUTPUT_TAIL_BYTES, RunRecord, tail_text

MODAL_TITLE_LIMIT = 24
ERROR_SECTIONS = 3
RESULT_SECTIONS = 10
_CODE_ROOM = SECTION_LIMIT - 10  # the fences and their newlines


def output_modal(run: RunRecord) -> dict[str, Any]:
    """A modal (no submit) with the output split across sections of at most 3000 characters."""
    body: list[blocks.Block] = [blocks.context(_facts(run))]
    if run.error_message:
        body += _code_sections("Error", run.error_message, ERROR_SECTIONS)
    output = tail_text(run.output_tail or "", OUTPUT_TAIL_BYTES)
    if output.strip():
        # 8 KiB escapes to at most 40 KiB (every "&" becomes "&amp;"): 14 sections, well inside 100 blocks.
        body += _code_sections("Output", output, None)
    else:
        body.append(blocks.section("_No output was kept for this run._"))
    if run.result is not None:
        result = json.dumps(run.result, indent=2, ensure_ascii=False, default=str)
        body += _code_sections("Result", result, RESULT_SECTIONS)
    return {
        "type": "modal",
        "callback_id": ids.OUTPUT_MODAL,
        "title": blocks.plain(truncate(f"Run {run.id} output", MODAL_TITLE_LIMIT), MODAL_TITLE_LIMIT),
        "close": blocks.plain("Close", MODAL_TITLE_LIMIT),
        "private_metadata": str(run.id),
        "blocks": body,
    }


def _facts(run: RunRecord) -> str:
    started = run.started_at or run.scheduled_at or run.created_at
    parts = [
        f"`{run.job_id}`",
        status_label(run.status),
        TRIGGER_WORDS[run.trigger] + (f" #{run.attempt}" if run.attempt > 1 else ""),
        f"started {when(started)}",
        duration(run.duration),
    ]
    if run.exit_code is not None:
        parts.append(f"exit code {run.exit_code}")
    if run.http_status is not None:
        parts.append(f"HTTP {run.http_status}")
    return " · ".join(parts)


def _code_sections(title: str, text: str, limit: int | None) -> list[blocks.Block]:
    pieces = chunks(text, _CODE_ROOM)
    shown = pieces if limit is None else pieces[:limit]
    sections = [blocks.section(f"*{title}*")]
    sections += [blocks.section(code_block(piece, SECTION_LIMIT)) for piece in shown]
    if len(shown) < len(pieces):
        sections.append(blocks.context(f"_{title} cut short: {len(pieces) - len(shown)} more part(s) not shown._"))
    return sections
