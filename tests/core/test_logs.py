from __future__ import annotations

import json
import logging

import pytest

from core.logs import JsonFormatter, RedactSecrets


def _render(record_message: str, *args: object, secrets: tuple[str, ...] = (), exc: bool = False) -> str:
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, record_message, args, None)
    if exc:
        try:
            raise RuntimeError("connect to postgresql://app:hunter22@db/app failed")
        except RuntimeError:
            import sys

            record.exc_info = sys.exc_info()
    RedactSecrets(secrets).filter(record)
    return JsonFormatter().format(record)


@pytest.mark.parametrize(
    "leak",
    ["xoxb-1234-5678-abcdef", "xapp-1-A0-123-abc", "xoxp-99-zz", "my-signing-secret"],
)
def test_it_masks_tokens_and_configured_secrets(leak: str) -> None:
    line = _render("posting with %s", leak, secrets=("my-signing-secret",))
    assert leak not in line and "[redacted]" in line


def test_it_masks_passwords_in_urls_and_in_tracebacks() -> None:
    line = _render("db is %s", "postgresql+asyncpg://app:hunter22@db/app", exc=True)
    assert "hunter22" not in line
    entry = json.loads(line)
    assert entry["level"] == "error" and "RuntimeError" in entry["error"]
