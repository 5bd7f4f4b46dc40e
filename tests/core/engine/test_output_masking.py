"""Issue 9, item 4: a run's output and error are masked of the job's own secrets before they are stored."""

from __future__ import annotations

from core.jobs.spec import parse_job
from core.redaction import HIDDEN, mask_secrets
from core.runs import RunStatus
from tests.core.engine.conftest import EngineFactory, job

TOKEN = "tok-7f3a9c1e5b"


async def test_a_shell_job_that_echoes_its_token_stores_it_masked(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    spec = parse_job(
        {
            "id": "leaky",
            "kind": "shell",
            "command": 'set -x; curl_like() { echo "using $API_TOKEN"; return 3; }; curl_like "$API_TOKEN"',
            "env": {"API_TOKEN": TOKEN},
            "schedule": {"interval": "1h"},
        }
    )
    await engine.add_job(spec, actor="U_ALICE")
    final = await (await engine.run_now("leaky", actor="U_ALICE")).wait()
    stored = await engine.runs.get(final.id)
    assert stored.status is RunStatus.FAILED
    assert TOKEN not in (stored.output_tail or "") and HIDDEN in (stored.output_tail or "")


def test_headers_bodies_kwargs_and_url_credentials_are_masked() -> None:
    http = parse_job(
        {
            "id": "h",
            "kind": "http",
            "url": "https://bob:pa55word@h/x?key=q-s3cret",
            "headers": {"Authorization": f"Bearer {TOKEN}"},
            "body": {"nested": ["b0dy-secret"]},
            "schedule": {"interval": "1h"},
        }
    )
    text = f"sent {TOKEN} and b0dy-secret to bob with pa55word and q-s3cret"
    assert mask_secrets(text, http) == f"sent {HIDDEN} and {HIDDEN} to bob with {HIDDEN} and {HIDDEN}"
    python = parse_job(
        {
            "id": "p",
            "kind": "python",
            "target": "m:f",
            "kwargs": {"key": "kw-s3cret", "n": 1},
            "schedule": {"interval": "1h"},
        }
    )
    assert mask_secrets("kw-s3cret 1", python) == f"{HIDDEN} 1"
    hook = parse_job(
        {
            "id": "w",
            "kind": "http",
            "url": "https://hooks.slack.com/services/T0/B0/XyZsecret",
            "schedule": {"interval": "1h"},
        }
    )
    assert "XyZsecret" not in (mask_secrets("posted to https://hooks.slack.com/services/T0/B0/XyZsecret", hook) or "")


async def test_a_python_jobs_error_and_result_are_masked_of_its_kwargs(make_engine: EngineFactory) -> None:
    engine = make_engine()
    await engine.start()
    await engine.add_job(job("failing", target="tests.support.tasks:boom", kwargs={"message": TOKEN}), actor=None)
    await engine.add_job(job("echoing", target="tests.support.tasks:echo", kwargs={"key": TOKEN, "n": 2}), actor=None)

    failed = await (await engine.run_now("failing", actor=None)).wait()
    echoed = await (await engine.run_now("echoing", actor=None)).wait()

    assert TOKEN not in str(await engine.runs.get(failed.id))
    assert (await engine.runs.get(echoed.id)).result == {"key": HIDDEN, "n": 2}
