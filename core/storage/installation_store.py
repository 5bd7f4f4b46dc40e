"""The installation's id: generated once, by whichever process first asks, and stored in the database, so every
replica and every restart of one installation agrees on it, and two installations (or two test databases)
sharing a broker never do."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.storage.database import Database
from core.storage.tables import InstallationRow

_KEY = 1


def new_installation_id() -> str:
    return secrets.token_hex(6)  # 48 random bits: short in a task id, and no clash between a few installations


async def installation_id(db: Database) -> str:
    """This installation's id, generated and stored on the first call (two processes racing: one row wins,
    both read it)."""
    stored = await _read(db)
    if stored is not None:
        return stored
    try:
        async with db.session.begin() as session:
            session.add(InstallationRow(key=_KEY, installation_id=new_installation_id()))
    except IntegrityError:
        pass  # another process stored it first: read theirs
    stored = await _read(db)
    if stored is None:
        raise RuntimeError("the installation id could not be stored")
    return stored


async def _read(db: Database) -> str | None:
    async with db.session() as session:
        return (await session.execute(select(InstallationRow.installation_id))).scalar_one_or_none()
