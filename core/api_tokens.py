"""API tokens: created with a role (viewer, operator, admin) and optionally acting as a Slack user, shown once,
kept only as a SHA-256 hash, revocable, with the time each was last used.

The token is 256 random bits, so a plain SHA-256 is enough to keep it (a slow password hash guards guessable
secrets; nobody guesses 256 bits) and lets a request find its token by one indexed lookup."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.jobs.spec import SLACK_USER_PATTERN
from core.storage.database import Database
from core.storage.tables import ApiTokenRow

PREFIX = "sops_"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
# Writing last_used_at on every request would make every read a write; a minute is precise enough to tell a
# token in use from an abandoned one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRole(StrEnum):
    """viewer reads; operator asks (its changes need an approval); admin acts directly."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


class TokenError(ValueError):
    """A token that cannot be created or revoked as asked (one line, safe to show)."""


class TokenLookupError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no API token named {name!r}")
        self.name = name


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as stored (never the token itself)."""

    name: str
    role: TokenRole
    acting_as: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise TokenError(f"bad token name {name!r}: use 1-32 of a-z 0-9 _ . - starting with a letter or digit")
    return name


def check_acting_as(user_id: str | None) -> str | None:
    if user_id is not None and not SLACK_USER_PATTERN.match(user_id):
        raise TokenError(f"bad Slack user id {user_id!r} for --acting-as (e.g. U012ABCDEF)")
    return user_id


class ApiTokenStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, name: str, role: TokenRole, *, acting_as: str | None, now: datetime) -> tuple[ApiToken, str]:
        """A new token; returns it with the secret to show once. Raises TokenError for a bad or taken name."""
        check_name(name)
        check_acting_as(acting_as)
        secret = PREFIX + secrets.token_urlsafe(32)
        row = ApiTokenRow(
            name=name, role=role.value, acting_as=acting_as, token_hash=hash_token(secret), created_at=now
        )
        try:
            async with self._db.session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise TokenError(f"an API token named {name!r} exists already (names are never reused)") from None
        return _token(row), secret

    async def list(self) -> list[ApiToken]:
        async with self._db.session() as session:
            return [_token(row) for row in await session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.name))]

    async def revoke(self, name: str, *, now: datetime) -> None:
        """Refuse the token from now on. Its row stays, so its name is never reused and the audit entries that
        name it keep pointing at one token. Raises TokenLookupError."""
        async with self._db.session.begin() as session:
            row = await session.get(ApiTokenRow, name)
            if row is None:
                raise TokenLookupError(name)
            if row.revoked_at is None:
                row.revoked_at = now

    async def authenticate(self, secret: str, *, now: datetime) -> ApiToken | None:
        """The active token ``secret`` belongs to (noting that it was used), or None."""
        if not secret.startswith(PREFIX) or len(secret) > 128:
            return None
        async with self._db.session() as session:
            row = await session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(secret)))
        if row is None or row.revoked_at is not None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            async with self._db.session.begin() as session:
                await session.execute(update(ApiTokenRow).where(ApiTokenRow.name == row.name).values(last_used_at=now))
        return _token(row)


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        name=row.name,
        role=TokenRole(row.role),
        acting_as=row.acting_as,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
