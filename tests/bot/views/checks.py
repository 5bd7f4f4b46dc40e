"""What every rendered message and view must satisfy: Slack's limits, a text fallback, nothing forged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sandbox.fake_slack.blockkit import message_violations, view_violations
from tests.bot.views.factories import FORGERIES

TEXT_LIMIT = 40_000
# The only <...> sequences the views write themselves: Slack dates and mentions of real user ids.
_OWN_CONTROL = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|]+>|<@U0[A-Z]+>")


def mrkdwn_texts(node: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn: mrkdwn text objects, anywhere in the tree."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def assert_message_ok(message: Any) -> None:
    assert set(message) == {"text", "blocks"}
    assert isinstance(message["text"], str) and message["text"].strip(), "every message needs a text fallback"
    assert len(message["text"]) <= TEXT_LIMIT
    assert message["blocks"], "a message with no blocks"
    assert message_violations(message["blocks"]) == []
    assert_nothing_forged([message["text"], *mrkdwn_texts(message["blocks"])])


def assert_view_ok(view: Any, surface: str = "modal") -> None:
    assert view_violations(view, surface=surface) == []
    assert_nothing_forged(list(mrkdwn_texts(view["blocks"])))


def assert_nothing_forged(texts: list[str]) -> None:
    for text in texts:
        for forgery in FORGERIES:
            assert forgery not in text, f"{forgery!r} reached mrkdwn: {text[:200]!r}"
        leftover = _OWN_CONTROL.sub("", text)
        assert "<" not in leftover and ">" not in leftover, f"unescaped control character in {text[:200]!r}"


def blocks_of(message: Any, kind: str) -> list[dict[str, Any]]:
    return [block for block in message["blocks"] if block["type"] == kind]


def buttons(message: Any) -> list[dict[str, Any]]:
    found = []
    for block in message["blocks"]:
        if block["type"] == "actions":
            found += [element for element in block["elements"] if element["type"] == "button"]
        elif block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def all_text(message: Any) -> str:
    """Everything a reader sees, entities decoded, for content assertions."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"} and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message["blocks"])
    return unescape("\n".join(texts))


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\u02cb", "`")
