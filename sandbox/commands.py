"""The slash commands the message box offers, with the manifest's usage hints turned into suggestions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
# Without the manifest (an installed wheel has none) the commands still work, without hints.
FALLBACK = ("/sitrep", "/fixit", "/jobs")


@dataclass(frozen=True, slots=True)
class Command:
    command: str
    description: str
    usage_hint: str

    def suggestions(self) -> list[str]:
        """What to offer as the user types: one line per alternative of a `[a | b ID | c]` hint, else the hint whole."""
        hint = self.usage_hint.strip()
        alternatives = re.fullmatch(r"\[([^\[\]]*\|[^\[\]]*)\]", hint)
        if alternatives is None:
            return [self.command, f"{self.command} {hint}".rstrip()] if hint else [self.command]
        return [self.command] + [f"{self.command} {part.strip()}" for part in alternatives.group(1).split("|")]


def load_commands(manifest: Path = MANIFEST) -> list[Command]:
    try:
        data: Any = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        declared = data["features"]["slash_commands"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return [Command(name, "", "") for name in FALLBACK]
    return [
        Command(str(c["command"]), str(c.get("description", "")), str(c.get("usage_hint", "")))
        for c in declared
        if isinstance(c, dict) and "command" in c
    ]
