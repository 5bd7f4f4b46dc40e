"""Block Kit limit checks on plain dicts: what Slack rejects with `invalid_blocks`.

Pure functions: a message's blocks or a view in, a list of precise reasons out (empty when valid).
Limits from Slack's Block Kit reference (summarised in /work/shared/SLACK.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MESSAGE_MAX_BLOCKS = 50
SURFACE_MAX_BLOCKS = 100  # modals and the Home tab

BLOCK_TYPES = frozenset(
    {"section", "header", "actions", "context", "divider", "image", "input", "rich_text", "file", "video", "markdown"}
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
BUTTON_STYLES = frozenset({"primary", "danger"})
OPTION_ELEMENTS = frozenset(
    {"static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes", "external_select"}
)
ACTION_ELEMENTS = frozenset(
    OPTION_ELEMENTS
    | {
        "button",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "rich_text_input",
        "workflow_button",
    }
)
CONTEXT_ELEMENTS = frozenset({"plain_text", "mrkdwn", "image"})


class _Checker:
    """Walks blocks, collecting reasons; tracks the ids that must be unique within one message or view."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def fail(self, path: str, reason: str) -> None:
        self.reasons.append(f"{path}: {reason}")

    def max_len(self, path: str, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(path, f"{len(value)} characters, more than {limit}")

    def text(self, path: str, obj: Any, limit: int, *, plain: bool = False, minimum: int = 1) -> None:
        if not isinstance(obj, dict):
            self.fail(path, "must be a text object")
            return
        kind = obj.get("type")
        if plain and kind != "plain_text":
            self.fail(f"{path}.type", f"must be plain_text, not {kind!r}")
        elif kind not in TEXT_TYPES:
            self.fail(f"{path}.type", f"unknown text type {kind!r}")
        value = obj.get("text")
        if not isinstance(value, str):
            self.fail(f"{path}.text", "missing")
            return
        if len(value) < minimum:
            self.fail(f"{path}.text", f"{len(value)} characters, fewer than {minimum}")
        self.max_len(f"{path}.text", value, limit)

    def unique(self, path: str, seen: set[str], value: Any, what: str, limit: int = 255) -> None:
        if value is None:
            return
        self.max_len(path, value, limit)
        if value in seen:
            self.fail(path, f"duplicate {what} {value!r}")
        seen.add(value)

    def blocks(self, path: str, blocks: Any, limit: int) -> None:
        if not isinstance(blocks, list):
            self.fail(path, "must be a list")
            return
        if len(blocks) > limit:
            self.fail(path, f"{len(blocks)} blocks, more than {limit}")
        for i, block in enumerate(blocks):
            self.block(f"{path}[{i}]", block)

    def block(self, path: str, block: Any) -> None:
        if not isinstance(block, dict):
            self.fail(path, "must be an object")
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"{path}.type", f"unknown block type {kind!r}")
            return
        self.unique(f"{path}.block_id", self.block_ids, block.get("block_id"), "block_id")
        check = _BLOCK_CHECKS.get(kind)
        if check is not None:
            check(self, path, block)

    def element(self, path: str, element: Any, allowed: frozenset[str] = ACTION_ELEMENTS) -> None:
        if not isinstance(element, dict):
            self.fail(path, "must be an object")
            return
        kind = element.get("type")
        if kind == "image":
            self.image(path, element)
            return
        if kind not in allowed:
            self.fail(f"{path}.type", f"element type {kind!r} not allowed here")
            return
        self.unique(f"{path}.action_id", self.action_ids, element.get("action_id"), "action_id")
        if "placeholder" in element:
            self.text(f"{path}.placeholder", element["placeholder"], 150, plain=True)
        if "confirm" in element:
            self.confirm(f"{path}.confirm", element["confirm"])
        if kind == "button":
            self.button(path, element)
        elif kind in OPTION_ELEMENTS:
            self.options_of(path, element)

    def button(self, path: str, button: dict[str, Any]) -> None:
        self.text(f"{path}.text", button.get("text"), 75, plain=True)
        self.max_len(f"{path}.value", button.get("value"), 2000)
        self.max_len(f"{path}.url", button.get("url"), 3000)
        style = button.get("style")
        if style is not None and style not in BUTTON_STYLES:
            self.fail(f"{path}.style", f"{style!r} is not primary or danger")

    def options_of(self, path: str, element: dict[str, Any]) -> None:
        options = element.get("options", [])
        limit = 5 if element.get("type") == "overflow" else 100
        if len(options) > limit:
            self.fail(f"{path}.options", f"{len(options)} options, more than {limit}")
        for i, option in enumerate(options):
            self.option(f"{path}.options[{i}]", option)
        for g, group in enumerate(element.get("option_groups", [])):
            self.text(f"{path}.option_groups[{g}].label", group.get("label"), 75, plain=True)
            for i, option in enumerate(group.get("options", [])):
                self.option(f"{path}.option_groups[{g}].options[{i}]", option)

    def option(self, path: str, option: Any) -> None:
        if not isinstance(option, dict):
            self.fail(path, "must be an object")
            return
        self.text(f"{path}.text", option.get("text"), 75)
        self.max_len(f"{path}.value", option.get("value"), 150)
        if "description" in option:
            self.text(f"{path}.description", option["description"], 75)

    def confirm(self, path: str, confirm: Any) -> None:
        if not isinstance(confirm, dict):
            self.fail(path, "must be an object")
            return
        self.text(f"{path}.title", confirm.get("title"), 100, plain=True)
        self.text(f"{path}.text", confirm.get("text"), 300)
        self.text(f"{path}.confirm", confirm.get("confirm"), 30, plain=True)
        self.text(f"{path}.deny", confirm.get("deny"), 30, plain=True)
        style = confirm.get("style")
        if style is not None and style not in BUTTON_STYLES:
            self.fail(f"{path}.style", f"{style!r} is not primary or danger")

    def image(self, path: str, image: dict[str, Any]) -> None:
        if not (image.get("image_url") or image.get("slack_file")):
            self.fail(f"{path}.image_url", "missing")
        self.max_len(f"{path}.image_url", image.get("image_url"), 3000)
        alt = image.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.fail(f"{path}.alt_text", "missing")
        self.max_len(f"{path}.alt_text", alt, 2000)


def _section(c: _Checker, path: str, block: dict[str, Any]) -> None:
    fields = block.get("fields")
    if "text" not in block and not fields:
        c.fail(path, "section needs text or fields")
    if "text" in block:
        c.text(f"{path}.text", block["text"], 3000)
    if fields is not None:
        if len(fields) > 10:
            c.fail(f"{path}.fields", f"{len(fields)} fields, more than 10")
        for i, field in enumerate(fields):
            c.text(f"{path}.fields[{i}]", field, 2000)
    if "accessory" in block:
        c.element(f"{path}.accessory", block["accessory"])


def _header(c: _Checker, path: str, block: dict[str, Any]) -> None:
    c.text(f"{path}.text", block.get("text"), 150, plain=True)


def _actions(c: _Checker, path: str, block: dict[str, Any]) -> None:
    elements = block.get("elements", [])
    if not 1 <= len(elements) <= 25:
        c.fail(f"{path}.elements", f"{len(elements)} elements, must be 1 to 25")
    for i, element in enumerate(elements):
        c.element(f"{path}.elements[{i}]", element)


def _context(c: _Checker, path: str, block: dict[str, Any]) -> None:
    elements = block.get("elements", [])
    if not 1 <= len(elements) <= 10:
        c.fail(f"{path}.elements", f"{len(elements)} elements, must be 1 to 10")
    for i, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") in TEXT_TYPES:
            c.text(f"{path}.elements[{i}]", element, 3000)
        else:
            c.element(f"{path}.elements[{i}]", element, allowed=CONTEXT_ELEMENTS)


def _input(c: _Checker, path: str, block: dict[str, Any]) -> None:
    c.text(f"{path}.label", block.get("label"), 2000, plain=True)
    if "hint" in block:
        c.text(f"{path}.hint", block["hint"], 2000, plain=True)
    c.element(f"{path}.element", block.get("element"))


def _image(c: _Checker, path: str, block: dict[str, Any]) -> None:
    c.image(path, block)
    if "title" in block:
        c.text(f"{path}.title", block["title"], 2000, plain=True)


_BLOCK_CHECKS: dict[str, Callable[[_Checker, str, dict[str, Any]], None]] = {
    "section": _section,
    "header": _header,
    "actions": _actions,
    "context": _context,
    "input": _input,
    "image": _image,
}


def message_violations(blocks: Any) -> list[str]:
    """Reasons Slack would refuse these message blocks; empty when they are valid."""
    checker = _Checker()
    checker.blocks("blocks", blocks, MESSAGE_MAX_BLOCKS)
    return checker.reasons


def view_violations(view: Any, *, surface: str = "modal") -> list[str]:
    """Reasons Slack would refuse this view (`modal` or `home`); empty when it is valid."""
    if not isinstance(view, dict):
        return ["view: must be an object"]
    checker = _Checker()
    if view.get("type") != surface:
        checker.fail("view.type", f"must be {surface!r}, not {view.get('type')!r}")
    if surface == "modal":
        checker.text("view.title", view.get("title"), 24, plain=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text(f"view.{key}", view[key], 24, plain=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks", []))
        if has_input and "submit" not in view:
            checker.fail("view.submit", "required when the view has input blocks")
    checker.max_len("view.private_metadata", view.get("private_metadata"), 3000)
    checker.max_len("view.callback_id", view.get("callback_id"), 255)
    checker.max_len("view.external_id", view.get("external_id"), 255)
    checker.blocks("view.blocks", view.get("blocks", []), SURFACE_MAX_BLOCKS)
    return checker.reasons
