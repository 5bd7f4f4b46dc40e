"""/jobs next: a cron expression's next fire times, in words."""

from __future__ import annotations

from bot.views.common import Message, escape, fallback, inline_code
from core.jobs.next_fires import NextFires


def next_fires_message(answer: NextFires) -> Message:
    """The next fire times, one per line, in the schedule's time zone with its offset."""
    lines = [moment.strftime("%a %d %b %Y %H:%M %Z (UTC%z)") for moment in answer.times]
    heading = f"{inline_code(answer.expression)} in {escape(answer.timezone)} runs next:"
    text = heading + "\n" + "\n".join(f"• {line}" for line in lines)
    return {"text": fallback(text), "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
