"""Job definitions as they may be shown to people in chat: values that tend to hold credentials (environment
and header values, request bodies, URL passwords and query strings) are hidden."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from core.jobs.spec import HttpJob, JobSpec, ShellJob, job_to_data

HIDDEN = "[hidden]"


def redacted_url(url: str) -> str:
    """``url`` without its password and with its query string elided (``?…``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{parts.path}{query}"


def redacted_job_data(spec: JobSpec) -> dict[str, Any]:
    """The job in jobs-file form, safe to show: secret-bearing values replaced by ``[hidden]``."""
    data = job_to_data(spec)
    if isinstance(spec, ShellJob) and spec.env:
        data["env"] = dict.fromkeys(spec.env, HIDDEN)
    if isinstance(spec, HttpJob):
        data["url"] = redacted_url(spec.url)
        if spec.headers:
            data["headers"] = dict.fromkeys(spec.headers, HIDDEN)
        if spec.body is not None:
            data["body"] = HIDDEN
    return data
