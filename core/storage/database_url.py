"""DATABASE_URL, judged before and while connecting: every problem is one line that names the variable and
says what to do (a bad driver, a bare path, a missing directory, a server that does not answer, a database
that does not exist), and a URL shown to people has its password masked."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SUPPORTED = ("sqlite+aiosqlite", "postgresql+asyncpg")
EXAMPLE = "sqlite+aiosqlite:///schedops.db"
_POSTGRES_NAMES = {"postgres", "postgresql"}
_DRIVER = re.compile(r"[\w+]+")  # SQLAlchemy's own rule for the part before ://


class DatabaseUnavailable(Exception):
    """The database named by DATABASE_URL cannot be used; ``str()`` is the one line to show."""


def url_problem(url: str) -> str | None:
    """What is wrong with ``url`` on its face (no I/O), as a line starting ``DATABASE_URL:``; None if nothing."""
    # The standard library only: every command judges DATABASE_URL when it reads its settings, and importing
    # SQLAlchemy here would cost commands that never open the database (``next``, ``--help``) a third of
    # their start-up. What SQLAlchemy would still refuse is reported when connecting (connect_problem).
    if "://" not in url:
        return f"DATABASE_URL: {url!r} is not a URL; for a SQLite file write sqlite+aiosqlite:///{url}"
    driver = url.split("://", 1)[0]
    if not _DRIVER.fullmatch(driver) or _bad_port(url):
        return f"DATABASE_URL: not a database URL (e.g. {EXAMPLE})"
    if driver in SUPPORTED:
        return None
    backend = driver.split("+", 1)[0]
    if backend == "sqlite":
        return f"DATABASE_URL: use the async driver: sqlite+aiosqlite://{_rest(masked_url(url))} (not {driver}://)"
    if backend in _POSTGRES_NAMES:
        return f"DATABASE_URL: use the async driver: postgresql+asyncpg://{_rest(masked_url(url))} (not {driver}://)"
    return f"DATABASE_URL: {backend} is not supported; use sqlite+aiosqlite:// or postgresql+asyncpg://"


def _bad_port(url: str) -> bool:
    try:
        _ = urlsplit(url).port  # raises for a port that is not a number, or out of range
    except ValueError:
        return True
    return False


def _parsed(url: str) -> URL:
    from sqlalchemy.engine import make_url  # only where the database is used anyway (see url_problem)

    return make_url(url)


def masked_url(url: str) -> str:
    """``url`` fit to print: its password replaced by ``***``."""
    from sqlalchemy.exc import ArgumentError

    try:
        return _parsed(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(not a URL)"


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL and for an in-memory SQLite database)."""
    parsed = _parsed(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe_location(url: str) -> str:
    """Which database this is, for a line on stderr: the SQLite file's absolute path, or the masked URL."""
    path = sqlite_path(url)
    return f"SQLite file {path.absolute()}" if path is not None else masked_url(url)


def sqlite_directory_problem(url: str) -> str | None:
    """A SQLite file that could never be created: its directory is missing or not writable."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return None
    folder = path.absolute().parent
    hint = "" if path.is_absolute() else f" (a relative path is relative to the working directory {Path.cwd()})"
    if not folder.is_dir():
        return f"DATABASE_URL: directory {folder} does not exist{hint}; create it or use four slashes for a full path"
    if not os.access(folder, os.W_OK):
        return f"DATABASE_URL: cannot create {path.absolute()}: directory {folder} is not writable"
    return None


def connect_problem(error: BaseException, url: str) -> str:
    """One line for a failure to connect to or read ``url``, never the password and never a traceback."""
    parsed = _parsed(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    cause = _root_cause(error)
    name = type(cause).__name__
    if parsed.get_backend_name() == "sqlite":
        return sqlite_directory_problem(url) or f"DATABASE_URL: cannot open {describe_location(url)}: {_text(cause)}"
    if name == "InvalidCatalogNameError":
        return f"DATABASE_URL: database {parsed.database!r} does not exist on {where}; create it (createdb)"
    if name == "InvalidPasswordError" or name == "InvalidAuthorizationSpecificationError":
        return f"DATABASE_URL: {where} refused user {parsed.username!r}: {_text(cause)}"
    if isinstance(cause, ConnectionRefusedError):
        return f"DATABASE_URL: nothing is listening on {where}; start PostgreSQL or fix the host and port"
    if isinstance(cause, socket.gaierror):
        return f"DATABASE_URL: unknown host {parsed.host!r}"
    if isinstance(cause, TimeoutError):
        return f"DATABASE_URL: {where} did not answer in time"
    return f"DATABASE_URL: cannot use {masked_url(url)}: {name}: {_text(cause)}"


def _root_cause(error: BaseException) -> BaseException:
    # SQLAlchemy wraps the driver's error (``orig``); OSError subclasses from asyncio keep theirs in __cause__.
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "orig", None) or error.__cause__
        if not isinstance(inner, BaseException):
            break
        error = inner
    return error


def _text(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def _rest(url: str) -> str:
    return url.split("://", 1)[1] if "://" in url else url
