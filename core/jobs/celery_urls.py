"""The Celery URLs schedops accepts: brokers and result backends, checked by scheme against a short list.

A list rather than whatever Celery would take: Celery and kombu resolve an unknown scheme as a dotted class
path and import it, and schedops never imports code because a job definition says so. Messages never repeat
the URL, which may carry a password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# The Celery brokers schedops talks to (kombu transport names).
BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps")
# Result backends schedops can follow a task in. rpc:// sends a result back only to the process that sent
# the task, over one connection per thread; a stored backend can be read from anywhere, at any time.
RESULT_BACKEND_SCHEMES = ("redis", "rediss")

BROKER_EXAMPLE = "a redis://host[:port][/db] or amqp://user:password@host[:port][/vhost] URL"
BACKEND_EXAMPLE = "a redis://host[:port][/db] URL"


def _parts_problem(url: str) -> tuple[str, str] | str:
    """(scheme, host) of ``url``, or why it cannot be read."""
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL (check the port and any [IPv6] host)"
    if port == 0:
        return "port must be from 1 to 65535"
    return parts.scheme.lower(), parts.hostname or ""


def broker_url_problem(url: str) -> str | None:
    """Why ``url`` is not a broker schedops can send tasks through, or None."""
    read = _parts_problem(url)
    if isinstance(read, str):
        return f"broker URL {read}"
    scheme, host = read
    if scheme not in BROKER_SCHEMES or not host:
        return f"expected {BROKER_EXAMPLE}"
    return None


def result_backend_problem(url: str) -> str | None:
    """Why ``url`` is not a result backend schedops can follow tasks in, or None."""
    read = _parts_problem(url)
    if isinstance(read, str):
        return f"result backend URL {read}"
    scheme, host = read
    if scheme == "rpc":
        return (
            "rpc:// returns results only to the process that sent the task; use a stored backend "
            f"({BACKEND_EXAMPLE}) or none (the run succeeds once the task is sent)"
        )
    if scheme not in RESULT_BACKEND_SCHEMES or not host:
        return f"expected {BACKEND_EXAMPLE} (schedops follows results in Redis)"
    return None
