"""Signing webhook bodies the way Slack signs its requests: HMAC-SHA256 over ``v1:<timestamp>:<body>`` with the
endpoint's secret, sent as ``X-Schedops-Signature: v1=<hex>`` beside ``X-Schedops-Request-Timestamp``. A
receiver recomputes it, compares in constant time, and refuses timestamps older than five minutes, so a
captured delivery cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-Schedops-Signature"
TIMESTAMP_HEADER = "X-Schedops-Request-Timestamp"
MAX_AGE = timedelta(minutes=5)


class BadWebhookSignature(ValueError):
    """The signature does not match the body and timestamp."""


class StaleWebhook(ValueError):
    """The timestamp is too far from now: a replay, or a clock far off."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v1:" + str(timestamp).encode() + b":" + body
    return "v1=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(secret: str, body: bytes, *, timestamp: str, signature: str, now: datetime) -> None:
    """What a receiver does. Raises BadWebhookSignature or StaleWebhook."""
    try:
        when = int(timestamp)
    except ValueError:
        raise BadWebhookSignature("the timestamp is not a whole number of seconds") from None
    if not hmac.compare_digest(sign(secret, when, body), signature):
        raise BadWebhookSignature("the signature does not match")
    if abs(now.timestamp() - when) > MAX_AGE.total_seconds():
        raise StaleWebhook(f"the timestamp is more than {MAX_AGE} away from now")
