"""The local operator: whoever runs the ``schedops`` command on the server itself.

They can already read and write the database and the jobs file, so the application treats them as an admin:
their changes are carried out directly, never turned into an approval request. The audit log names them
``cli:<unix user>``, which no Slack user id can be (those have no colon), so a Slack user can never pass for
the local operator."""

from __future__ import annotations

import getpass
import os
from dataclasses import replace

from application.operations import Operations
from application.services import Services

LOCAL_PREFIX = "cli:"


def local_actor(user: str | None = None) -> str:
    """``cli:<unix user>`` (the user this process runs as, unless ``user`` is given)."""
    return f"{LOCAL_PREFIX}{user or _unix_user()}"


def is_local_operator(actor: str) -> bool:
    return actor.startswith(LOCAL_PREFIX)


async def local_operations(services: Services, actor: str) -> Operations:
    """Operations over ``services`` in which ``actor`` (a local operator) is an admin."""
    if not is_local_operator(actor):
        raise ValueError(f"{actor!r} is not a local operator")
    settings = services.settings.model_copy(update={"admins": services.settings.admins | {actor}})
    return await Operations.create(replace(services, settings=settings))


def _unix_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        return str(os.getuid())
