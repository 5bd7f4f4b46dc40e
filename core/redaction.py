"""Job definitions as they may be shown to people in chat: values that tend to hold credentials (environment
and header values, request bodies, python kwargs, celery args and kwargs, URL user names, passwords and query
strings, and the path of URLs whose path is itself the secret, such as Slack incoming webhooks) are hidden.

Nothing here raises: a definition stored before URLs were fully validated must still be shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from core.jobs.spec import CeleryJob, HttpJob, JobSpec, PythonJob, ShellJob, job_to_data

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
    if isinstance(spec, CeleryJob):
        data.update(_redacted_celery(spec))
    if isinstance(spec, HttpJob):
        data["url"] = redacted_url(spec.url)
        if spec.headers:
            data["headers"] = dict.fromkeys(spec.headers, HIDDEN)
        if spec.body is not None:
            data["body"] = HIDDEN
    return data


def _redacted_celery(spec: CeleryJob) -> dict[str, Any]:
    # A task's arguments are the python kwargs of another process: as likely to carry a token.
    hidden: dict[str, Any] = {}
    if spec.args:
        hidden["args"] = [HIDDEN] * len(spec.args)
    if spec.kwargs:
        hidden["kwargs"] = dict.fromkeys(spec.kwargs, HIDDEN)
    for field in ("broker", "result_backend"):
        url = getattr(spec, field)
        if url is not None:
            hidden[field] = redacted_url(url)
    return hidden


# Shorter values ("1", "yes") are not credentials, and masking them would garble every line of output.
MIN_SECRET_LENGTH = 4


def secret_values(spec: JobSpec) -> list[str]:
    """The values of ``spec`` that may be credentials, longest first: environment, header, body, args and
    kwargs values, the user name, password and query values of its URLs (a celery job's broker and result
    backend included), and the path of a secret-bearing URL."""
    values: list[str] = []
    if isinstance(spec, ShellJob):
        values += spec.env.values()
    if isinstance(spec, PythonJob):
        values += _leaves(spec.kwargs)
    if isinstance(spec, CeleryJob):
        values += _leaves(spec.args) + _leaves(spec.kwargs)
        # A broker's user name ("guest", the app's name) is no credential, and masking it would garble output.
        brokers = (spec.broker, spec.result_backend)
        values += [secret for url in brokers if url for secret in url_secrets(url, user=False)]
    if isinstance(spec, HttpJob):
        for value in spec.headers.values():
            values.append(value)
            values += value.split()[1:]  # the token of "Bearer <token>"
        values += _leaves(spec.body)
        values += url_secrets(spec.url)
    unique = {value for value in values if len(value) >= MIN_SECRET_LENGTH}
    return sorted(unique, key=len, reverse=True)


def mask_secrets(text: str | None, spec: JobSpec) -> str | None:
    """``text`` (a run's output or error) with every secret value of ``spec`` replaced by ``[hidden]``."""
    if not text:
        return text
    for value in secret_values(spec):
        text = text.replace(value, HIDDEN)
    return text


def mask_result(value: Any, spec: JobSpec) -> Any:
    """A python job's JSON-able return value with the job's secret values masked in every string in it."""
    if isinstance(value, str):
        return mask_secrets(value, spec)
    if isinstance(value, dict):
        return {key: mask_result(item, spec) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_result(item, spec) for item in value]
    return value


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]


def url_secrets(url: str, *, user: bool = True) -> list[str]:
    """The parts of ``url`` that may be credentials (user name unless ``user`` is False, password, query
    values, a secret path), each also in its percent-decoded form."""
    try:
        parts = urlsplit(url)
        values = [(parts.username or "") if user else "", parts.password or ""]
        values += [pair.partition("=")[2] for pair in parts.query.split("&")]
        if secret_path(parts.hostname or ""):
            values.append(parts.path)
            values += parts.path.strip("/").split("/")[1:]
    except ValueError:
        return []
    return [form for value in values if value for form in (value, unquote(value))]
