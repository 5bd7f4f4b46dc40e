"""Text helpers every view shares, and the two simplest messages.

Convention: strings handed to a view are plain text and are escaped here; only this package writes mrkdwn.
Slack parses ``&``, ``<`` and ``>`` as control characters in every mrkdwn text (and in a message's ``text``),
so an unescaped job name or output line could ping ``<!channel>`` or forge a ``<http://…|link>``.
https://docs.slack.dev/messaging/formatting-message-text#escaping
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from core.durations import roughly

FALLBACK_LIMIT = 1000  # a message's `text`: notifications show one line; Slack cuts it at 40,000
SECTION_LIMIT = 3000
LINE_LIMIT = 600  # one line of a list: views bound each part well below this
ELLIPSIS = "…"
# A backtick inside a code block could close it; U+02CB looks the same and is no delimiter.
_BACKTICK_STANDIN = "\u02cb"
_FENCE = "```"
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,})&gt;")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class Message(TypedDict):
    """What ``chat.postMessage``, ``respond`` and ``ack`` take: blocks and the `text` fallback."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    """``text`` safe to put in mrkdwn: it shows as written and never pings, links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_keeping_mentions(text: str) -> str:
    """Like escape, but a user mention written by the bot (``<@U123>``) stays a mention."""
    return _MENTION.sub(r"<@\1>", escape(text))


def mention(user: str | None) -> str:
    """``<@U123>`` for a Slack user id; any other actor (a CLI user, ``None``) as escaped text."""
    if user is None:
        return "someone"
    return f"<@{user}>" if _USER_ID.match(user) else truncate(escape(user), 80)


def truncate(text: str, limit: int, *, keep_end: bool = False) -> str:
    """At most ``limit`` characters, ``…`` marking what was cut (the end, or the start with ``keep_end``).
    Never cuts through an ``&amp;``-style entity, so escaped text stays valid."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    if keep_end:
        start = _entity_safe(text, len(text) - (limit - len(ELLIPSIS)), forward=True)
        return ELLIPSIS + text[start:]
    end = _entity_safe(text, limit - len(ELLIPSIS), forward=False)
    return text[:end] + ELLIPSIS


def _entity_safe(text: str, index: int, *, forward: bool) -> int:
    for match in _ENTITY.finditer(text, max(0, index - 4), min(len(text), index + 4)):
        if match.start() < index < match.end():
            return match.end() if forward else match.start()
    return index


def code_block(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` escaped in a triple-backtick block of at most ``limit`` characters, backticks neutralised.
    ``keep_end`` keeps the last lines (an output tail) rather than the first."""
    body = escape(text).replace("`", _BACKTICK_STANDIN).strip("\n") or " "
    return f"{_FENCE}\n{truncate(body, limit - 2 * len(_FENCE) - 2, keep_end=keep_end)}\n{_FENCE}"


def inline_code(text: str, limit: int = 300) -> str:
    """``text`` as inline code (cron's ``*`` would otherwise turn bold), escaped and bounded."""
    return f"`{truncate(escape(text).replace('`', _BACKTICK_STANDIN), limit)}`"


def more_line(shown: int, total: int, noun: str) -> str:
    """``and 3 more jobs`` for what a bounded list left out; empty when nothing was."""
    rest = total - shown
    if rest <= 0:
        return ""
    return f"and {rest} more {noun}{'' if rest == 1 else 's'}"


def bounded_lines(lines: Sequence[str], *, limit: int, noun: str, budget: int = SECTION_LIMIT - 200) -> str:
    """Escaped-mrkdwn ``lines``, at most ``limit`` of them and at most ``budget`` characters in all (room is
    left for a heading), then an "and N more" line for the rest."""
    shown: list[str] = []
    used = 0
    for line in lines[:limit]:
        line = truncate(line, LINE_LIMIT)
        if used + len(line) + 1 > budget - 40:  # keep room for the "and N more" line
            break
        shown.append(line)
        used += len(line) + 1
    more = more_line(len(shown), len(lines), noun)
    return "\n".join([*shown, f"_{more}_"] if more else shown)


def packed_sections(lines: Sequence[str]) -> list[dict[str, Any]]:
    """Escaped-mrkdwn ``lines`` in as few sections as fit (3000 characters each)."""
    sections: list[dict[str, Any]] = []
    current: list[str] = []
    for line in (truncate(line, LINE_LIMIT) for line in lines):
        if current and len("\n".join([*current, line])) > SECTION_LIMIT:
            sections.append(_section("\n".join(current)))
            current = []
        current.append(line)
    if current:
        sections.append(_section("\n".join(current)))
    return sections


def chunks(text: str, size: int) -> list[str]:
    """``text`` in pieces whose escaped form fits ``size``, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        for part in _split_long(line, size):
            if current and len(escape(current + part)) > size:
                pieces.append(current)
                current = ""
            current += part
    if current:
        pieces.append(current)
    return pieces


def _split_long(line: str, size: int) -> list[str]:
    if len(escape(line)) <= size:
        return [line]
    parts: list[str] = []
    current, length = "", 0
    for char in line:
        width = len(escape(char))
        if length + width > size:
            parts.append(current)
            current, length = "", 0
        current += char
        length += width
    return [*parts, current] if current else parts


def when(moment: datetime) -> str:
    """Slack date formatting: each reader sees the time in their own zone; the fallback is UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = f"{aware.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def ago(delta: timedelta) -> str:
    """``5 minutes ago``; ``just now`` under a second; ``in 2 hours`` for a time still to come."""
    if abs(delta) < timedelta(seconds=1):
        return "just now"
    return f"in {roughly(delta)}" if delta < timedelta(0) else f"{roughly(delta)} ago"


def fallback(text: str) -> str:
    """A message's `text` from plain words: escaped (Slack parses it like mrkdwn, and notifications show it),
    on one line, bounded, never empty."""
    return fallback_mrkdwn(escape(text))


def fallback_mrkdwn(text: str) -> str:
    """A message's `text` from mrkdwn this package wrote (escaped already): on one line, bounded."""
    return truncate(" ".join(text.split()), FALLBACK_LIMIT) or "schedops"


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, SECTION_LIMIT)}}


def error_message(problem: str, usage: str) -> Message:
    """The ephemeral answer to bad input: what was wrong, and how to use the command."""
    return {
        "text": fallback(f"{problem}. Usage: {usage}"),
        "blocks": [
            _section(f":warning: {truncate(escape(problem), 2000)}"),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"*Usage:* {truncate(escape(usage), 2000)}"}]},
        ],
    }


def notice_message(text: str) -> Message:
    """A short answer in plain words (escaped: it may quote job data)."""
    return {"text": fallback(text), "blocks": [_section(escape(text))]}


def unknown_job_message(job_id: str, usage: str) -> Message:
    """The answer to a job id that does not exist."""
    return error_message(f"no job with id `{job_id}` — `/jobs` lists them", usage)
