"""SCHEDOPS_WEBHOOKS: comma-separated URLs, each carrying its own secret as the URL fragment
(``https://n8n.example.com/webhook/schedops#s3cret-of-16-chars``). A fragment is never sent to the server,
so the secret stays out of the request line and of any access log."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

MIN_SECRET = 16


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    url: str  # without the fragment
    secret: str = field(repr=False)


def parse_webhooks(value: str) -> tuple[WebhookEndpoint, ...]:
    """Raises ValueError naming the entry (never its secret)."""
    endpoints = []
    for position, entry in enumerate((part.strip() for part in value.split(",") if part.strip()), start=1):
        url, _, secret = entry.partition("#")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"webhook {position}: {url[:80]!r} is not an http(s) URL")
        if len(secret) < MIN_SECRET:
            raise ValueError(
                f"webhook {position} ({url[:80]}): add its secret as the URL fragment, #<at least {MIN_SECRET} chars>"
            )
        endpoints.append(WebhookEndpoint(url, secret))
    return tuple(endpoints)
