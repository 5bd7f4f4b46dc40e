"""Issue 9, item 5: URLs are validated fully (scheme, host, port) and redaction never raises."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from core.jobs.describe import describe_job
from core.jobs.export import export_jobs_yaml
from core.jobs.spec import HttpJob, PythonJob, parse_job
from core.redaction import HIDDEN, INVALID_URL, redacted_url

BAD_URLS = ["http://h:99999/", "http://h:abc/", "http://[::1/x", "http://h:0/", "http:///x", "ftp://h/", "http://h /x"]


def http_job(url: str) -> dict[str, object]:
    return {"id": "ping", "kind": "http", "url": url, "schedule": {"interval": "1h"}}


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_with_a_bad_port_host_or_scheme_is_refused_with_one_line(url: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_job(http_job(url))
    (error,) = raised.value.errors()
    assert error["loc"][-1] == "url" and "\n" not in error["msg"]


@pytest.mark.parametrize("url", ["https://example.com/x?y=1", "http://[::1]:8080/", "http://127.0.0.1:1/"])
def test_good_urls_still_pass(url: str) -> None:
    assert parse_job(http_job(url)).url == url


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_stored_malformed_url_still_exports_and_describes(url: str) -> None:
    # As stored by an older version: built past validation.
    spec = HttpJob.model_construct(**{**parse_job(http_job("http://h/")).__dict__, "url": url})
    assert "ping" in export_jobs_yaml([spec], redact=True)
    assert describe_job(spec, default_misfire_grace=timedelta(minutes=5))


@given(st.text(max_size=80))
def test_redaction_never_raises(url: str) -> None:
    assert isinstance(redacted_url(url), str)
    assert isinstance(redacted_url("http://" + url), str)


def test_slack_webhook_paths_and_url_credentials_are_hidden() -> None:
    assert redacted_url("https://hooks.slack.com/services/T0/B0/s3cr3t") == f"https://hooks.slack.com/services/{HIDDEN}"
    assert redacted_url("https://bob:pw@h/x?token=1") == f"https://{HIDDEN}@h/x?…"
    assert redacted_url("http://h:99999/") == INVALID_URL


def test_export_hides_python_kwargs_values() -> None:
    spec = parse_job(
        {"id": "p", "kind": "python", "target": "m:f", "kwargs": {"key": "s3cr3t"}, "schedule": {"interval": "1h"}}
    )
    assert isinstance(spec, PythonJob)
    shown = export_jobs_yaml([spec], redact=True)
    assert "s3cr3t" not in shown and "key" in shown
