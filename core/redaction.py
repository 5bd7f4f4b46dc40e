"""Job definitions as they may be shown to people in chat: values that tend to hold credentials (environment
and header values, request bodies, python kwargs, URL user names, passwords and query strings, and the path
of URLs whose path is itself the secret, such as Slack incoming webhooks) are hidden.

Nothing here raises: a definition stored before URLs were fully validated must still be shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from core.jobs.spec import HttpJob, JobSpec, PythonJob, ShellJob, job_to_data

HIDDEN = "[hidden]"
INVALID_URL = "[invalid URL]"

# Hosts whose URL path is the credential: whoever knows it may post (Slack, Teams, Discord, Zapier hooks).
_SECRET_PATH_HOSTS = ("hooks.slack.com", "webhook.office.com", "discord.com", "discordapp.com", "hooks.zapier.com")


def secret_path(host: str) -> bool:
    """Whether a URL on ``host`` carries its credential in the path."""
    host = host.lower().rstrip(".")
    return any(host == known or host.endswith(f".{known}") for known in _SECRET_PATH_HOSTS)


def redacted_url(url: str) -> str:
    """``url`` without its user name and password, with its query string elided (``?…``) and, on hosts
    whose path is the secret, its path hidden after the first segment. ``[invalid URL]`` for a URL that
    cannot be read, never an exception."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        if parts.port is not None:
            host += f":{parts.port}"
    except ValueError:
        return INVALID_URL
    if parts.username or parts.password:
        host = f"{HIDDEN}@{host}"
    path = parts.path
    if secret_path(parts.hostname or "") and path.strip("/"):
        first = path.strip("/").split("/")[0]
        path = f"/{first}/{HIDDEN}"
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{path}{query}"


def redacted_job_data(spec: JobSpec) -> dict[str, Any]:
    """The job in jobs-file form, safe to show: secret-bearing values replaced by ``[hidden]``."""
    data = job_to_data(spec)
    if isinstance(spec, ShellJob) and spec.env:
        data["env"] = dict.fromkeys(spec.env, HIDDEN)
    if isinstance(spec, PythonJob) and spec.kwargs:
        data["kwargs"] = dict.fromkeys(spec.kwargs, HIDDEN)
    if isinstance(spec, HttpJob):
        data["url"] = redacted_url(spec.url)
        if spec.headers:
            data["headers"] = dict.fromkeys(spec.headers, HIDDEN)
        if spec.body is not None:
            data["body"] = HIDDEN
    return data
