"""The one signing module: short, URL-safe, expiring HMAC-SHA256 tokens.

A token is ``<value>.<expiry>.<signature>``: the value as given, the expiry as Unix seconds in base 36, and a
HMAC-SHA256 over both in URL-safe base64. The key is derived from the secret and a per-purpose salt,
so a token minted for one purpose never verifies for another.

Verification goes structure, then signature (``hmac.compare_digest``), then expiry against a ``now`` passed
in; only a caller holding a verified value should touch the database. Error messages never contain the secret
or the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

# The full 32-byte HMAC is 43 characters: an approval token is about 90, far below Slack's 2,000-character
# limit on a button's value (https://api.slack.com/reference/block-kit/block-elements#button).
_VALUE = re.compile(r"[A-Za-z0-9_:-]{1,200}")
_TOKEN = re.compile(r"(?P<value>[A-Za-z0-9_:-]{1,200})\.(?P<expiry>[0-9a-z]{1,8})\.(?P<signature>[A-Za-z0-9_-]{43})")
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class SigningError(Exception):
    """A token that must not be acted on. The message is safe to show a user."""


class BadSignature(SigningError):
    """Malformed, truncated, tampered with, or signed with another key or for another purpose."""

    def __init__(self) -> None:
        super().__init__("this link or button is not valid (its signature does not match)")


class SignatureExpired(SigningError):
    """Correctly signed, but past its expiry. ``value`` is trustworthy (the signature matched)."""

    def __init__(self, value: str, expired_at: datetime) -> None:
        super().__init__(f"this link or button expired at {expired_at:%Y-%m-%d %H:%M} UTC")
        self.value = value
        self.expired_at = expired_at


class Signer:
    """Signs and verifies values for one ``purpose`` (the salt) with a secret that never leaves this object."""

    def __init__(self, secret: str | bytes, *, purpose: str) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("the signing secret must not be empty")
        if not purpose:
            raise ValueError("a signing purpose is required")
        self.purpose = purpose
        # Key separation: one secret, one derived key per purpose.
        self._key = hmac.new(raw, b"schedops.signing/" + purpose.encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"Signer(purpose={self.purpose!r})"

    def sign(self, value: str, *, expires_at: datetime) -> str:
        """A token for ``value`` (letters, digits, ``_``, ``:``, ``-``) valid until ``expires_at``."""
        if not _VALUE.fullmatch(value):
            raise ValueError("a signed value may hold only letters, digits, '_', ':' and '-' (1 to 200)")
        if expires_at.tzinfo is None:
            raise ValueError("naive expiry given to the signer; pass an aware UTC time")
        payload = f"{value}.{_to_base36(int(expires_at.timestamp()))}"
        return f"{payload}.{self._signature(payload)}"

    def unsign(self, token: str, *, now: datetime) -> str:
        """The value inside ``token``; raises BadSignature, then SignatureExpired (when ``now`` >= expiry)."""
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            raise BadSignature()
        payload = f"{match['value']}.{match['expiry']}"
        if not hmac.compare_digest(self._signature(payload).encode(), match["signature"].encode()):
            raise BadSignature()
        expires_at = datetime.fromtimestamp(int(match["expiry"], 36), UTC)
        if now >= expires_at:
            raise SignatureExpired(match["value"], expires_at)
        return match["value"]

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _to_base36(number: int) -> str:
    if number < 0:
        raise ValueError("expiry before 1970")
    digits = ""
    while True:
        number, remainder = divmod(number, 36)
        digits = _BASE36[remainder] + digits
        if number == 0:
            return digits
