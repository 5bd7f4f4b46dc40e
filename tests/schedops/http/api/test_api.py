"""Every endpoint of /api/v1, through the real server over a socket, with each role."""

from __future__ import annotations

import pytest
import yaml

from core.jobs.spec import parse_job
from tests.schedops.http.api.conftest import APPROVER, REQUESTER, nap_job
from tests.support.api import Api, start_api


async def _add(api: Api, **fields: object) -> None:
    await api.ops.services.engine.add_job(parse_job(nap_job(**fields)), actor=None)  # type: ignore[arg-type]


def _http_job(api: Api, job_id: str = "ping") -> dict[str, object]:
    return {
        "id": job_id,
        "kind": "http",
        "url": f"http://127.0.0.1:{api.server.port}/healthz",
        "schedule": {"interval": "1h"},
    }


async def test_it_refuses_a_call_without_a_token_or_with_an_unknown_one(api: Api) -> None:
    status, body, headers = await api.call("GET", "/jobs", as_=None)
    assert status == 401 and headers["Content-Type"] == "application/problem+json"
    assert body["detail"].startswith("send an API token") and "Bearer" in headers["WWW-Authenticate"]
    status, body, _ = await api.call("GET", "/jobs", as_="sops_not-a-token")
    assert status == 401 and body["detail"] == "the API token is unknown or revoked"


async def test_a_revoked_token_is_refused(api: Api) -> None:
    assert (await api.call("GET", "/health", as_="viewer"))[0] == 200
    from core.api_tokens import ApiTokenStore

    await ApiTokenStore(api.ops.services.db).revoke("viewer", now=api.ops.clock())
    status, body, _ = await api.call("GET", "/health", as_="viewer")
    assert status == 401 and "revoked" in body["detail"]


async def test_a_viewer_reads_but_changes_nothing(api: Api) -> None:
    await _add(api)
    assert (await api.call("GET", "/jobs/nap", as_="viewer"))[0] == 200
    status, body, _ = await api.call("POST", "/jobs/nap/pause", as_="viewer")
    assert status == 403 and "viewer" in body["detail"]
    assert not (await api.ops.job("nap")).paused


async def test_an_admin_acts_directly_and_the_audit_log_names_the_token(api: Api) -> None:
    await _add(api)
    status, body, _ = await api.call("POST", "/jobs/nap/pause", as_="admin")
    assert status == 200 and body["status"] == "done" and (await api.ops.job("nap")).paused
    status, body, _ = await api.call("POST", "/jobs/nap/resume", as_="admin")
    assert status == 200 and not (await api.ops.job("nap")).paused
    _, audit, _ = await api.call("GET", "/audit?action=pause_job", as_="viewer")
    [entry] = audit["entries"]
    assert entry["actor"] == "token:admin" and entry["detail"].endswith("(via API token admin)")


async def test_an_operator_asks_and_an_approver_token_decides(api: Api) -> None:
    await _add(api)
    status, asked, _ = await api.call("POST", "/jobs/nap/pause", as_="operator")
    assert status == 202 and asked["status"] == "approval_requested"
    approval = asked["approval"]
    assert approval["requested_by"] == REQUESTER and approval["status"] == "pending"
    assert not (await api.ops.job("nap")).paused

    own = await api.call("POST", f"/approvals/{approval['id']}/decision", as_="operator", json={"decision": "approve"})
    assert own[0] == 403 and "own request" in own[1]["detail"]
    nobody = await api.call("POST", f"/approvals/{approval['id']}/decision", as_="admin", json={"decision": "approve"})
    assert nobody[0] == 403 and "--acting-as" in nobody[1]["detail"]

    status, decided, _ = await api.call(
        "POST", f"/approvals/{approval['id']}/decision", as_="approver", json={"decision": "approve"}
    )
    assert status == 200 and decided["status"] == "executed" and decided["decided_by"] == APPROVER
    assert (await api.ops.job("nap")).paused
    again = await api.call("POST", f"/approvals/{approval['id']}/decision", as_="approver", json={"decision": "deny"})
    assert again[0] == 409

    _, listed, _ = await api.call("GET", "/approvals?status=executed", as_="viewer")
    assert [item["id"] for item in listed] == [approval["id"]]
    _, one, _ = await api.call("GET", f"/approvals/{approval['id']}", as_="viewer")
    assert one["summary"] == "pause job nap"
    assert (await api.call("GET", "/approvals/nope", as_="viewer"))[0] == 404


async def test_an_operator_acting_as_an_admin_still_asks(api: Api) -> None:
    await _add(api)
    await api.token("boss-op", "operator", acting_as="U0ALICE")
    status, asked, _ = await api.call("POST", "/jobs/nap/pause", as_="boss-op")
    assert status == 202 and asked["approval"]["requested_by"] == "U0ALICE"


async def test_jobs_are_created_read_changed_and_removed(api: Api) -> None:
    job = _http_job(api)
    status, body, _ = await api.call("POST", "/jobs", as_="admin", json=job)
    assert status == 201 and body["outcome"]["job_id"] == "ping"
    assert (await api.call("POST", "/jobs", as_="admin", json=job))[0] == 409
    _, got, _ = await api.call("GET", "/jobs/ping", as_="viewer")
    assert got["kind"] == "http" and got["state"] == "active"
    changed = {**job, "schedule": {"interval": "2h"}}
    assert (await api.call("PUT", "/jobs/ping", as_="admin", json=changed))[0] == 200
    assert (await api.ops.job("ping")).spec.schedule.interval.total_seconds() == 7200  # type: ignore[union-attr]
    mismatch = await api.call("PUT", "/jobs/other", as_="admin", json=changed)
    assert mismatch[0] == 422
    assert (await api.call("DELETE", "/jobs/ping", as_="admin"))[0] == 200
    assert (await api.call("GET", "/jobs/ping", as_="viewer"))[0] == 404


async def test_a_bad_job_gets_one_precise_problem_and_nothing_is_stored(api: Api) -> None:
    status, body, headers = await api.call(
        "POST", "/jobs", as_="admin", json={**_http_job(api), "schedule": {"cron": "61 * * * *"}}
    )
    assert status == 422 and headers["Content-Type"] == "application/problem+json"
    assert "bad cron expression" in body["detail"] and "Traceback" not in str(body)
    assert await api.ops.find_job("ping") is None


async def test_code_running_kinds_are_refused_over_the_api(api: Api) -> None:
    status, body, _ = await api.call("POST", "/jobs", as_="admin", json=nap_job())
    assert status == 403 and "SCHEDOPS_ALLOW_SHELL_FROM_SLACK" in body["detail"]
    _, kinds, _ = await api.call("GET", "/job-kinds", as_="viewer")
    assert {kind["kind"]: kind["allowed"] for kind in kinds} == {
        "shell": False,
        "http": True,
        "python": False,
        "celery": False,
        "digest": True,
    }


CELERY_JOB = {
    "id": "sync",
    "kind": "celery",
    "task": "app.tasks.sync",
    "kwargs": {"token": "tok-123456"},
    "task_queue": "sync",
    "broker": "amqp://team:s3cret-pw@broker.internal:5672//",
    "schedule": {"interval": "1h"},
}


async def test_a_celery_job_is_refused_over_the_api_and_shown_without_its_broker_password(api: Api) -> None:
    status, body, _ = await api.call("POST", "/jobs", as_="admin", json=CELERY_JOB)
    assert status == 403
    assert body["detail"].startswith("Celery jobs run any task of your Celery app with any arguments")
    assert await api.ops.find_job("sync") is None
    await api.ops.services.engine.add_job(parse_job(CELERY_JOB), actor=None)  # the jobs file's way in

    status, got, _ = await api.call("GET", "/jobs/sync", as_="viewer")

    assert status == 200 and got["kind"] == "celery"
    assert got["spec"]["task"] == "app.tasks.sync" and got["spec"]["task_queue"] == "sync"
    assert got["spec"]["broker"] == "amqp://[hidden]@broker.internal:5672//"
    assert got["spec"]["kwargs"] == {"token": "[hidden]"}
    assert "s3cret-pw" not in str(got) and "tok-123456" not in str(got)


async def test_run_now_with_wait_returns_the_result(api: Api) -> None:
    await api.call("POST", "/jobs", as_="admin", json=_http_job(api))
    status, body, _ = await api.call("POST", "/jobs/ping/run?wait=10", as_="admin")
    assert status == 200 and body["run"]["status"] == "succeeded" and body["run"]["http_status"] == 200
    run_id = body["run"]["id"]
    _, run, _ = await api.call("GET", f"/runs/{run_id}", as_="viewer")
    assert run["output_tail"] == '{"status": "ok"}'
    _, runs, _ = await api.call("GET", "/jobs/ping/runs", as_="viewer")
    assert [item["id"] for item in runs] == [run_id]
    _, stats, _ = await api.call("GET", "/jobs/ping/stats?days=7", as_="viewer")
    assert stats["runs"] == 1 and stats["succeeded"] == 1 and stats["success_rate"] == 1.0
    assert (await api.call("GET", "/runs/999999", as_="viewer"))[0] == 404


async def test_the_job_list_pages_and_filters_by_owner(api: Api) -> None:
    for number in range(5):
        await _add(api, job_id=f"job{number}", owner=REQUESTER if number % 2 else None)
    _, page, _ = await api.call("GET", "/jobs?page=2&size=2", as_="viewer")
    assert [job["id"] for job in page["jobs"]] == ["job2", "job3"] and page["total"] == 5
    _, mine, _ = await api.call("GET", "/jobs?owner=me", as_="operator")
    assert [job["id"] for job in mine["jobs"]] == ["job1", "job3"] and mine["total"] == 2
    assert (await api.call("GET", "/jobs?owner=me", as_="admin"))[0] == 422


async def test_a_job_asked_for_over_the_api_belongs_to_the_token_user(api: Api) -> None:
    status, asked, _ = await api.call("POST", "/jobs", as_="operator", json=_http_job(api))
    assert status == 202
    await api.call(
        "POST", f"/approvals/{asked['approval']['id']}/decision", as_="approver", json={"decision": "approve"}
    )
    assert (await api.ops.job("ping")).spec.owner == REQUESTER


async def test_sitrep_health_and_a_jobs_report(api: Api) -> None:
    await _add(api)
    status, sitrep, _ = await api.call("GET", "/sitrep?window=1h", as_="viewer")
    assert status == 200 and sitrep["jobs"]["total"] == 1 and sitrep["health"]["level"] == "healthy"
    assert (await api.call("GET", "/sitrep?window=forever", as_="viewer"))[0] == 422
    _, report, _ = await api.call("GET", "/sitrep/nap", as_="viewer")
    assert report["job_id"] == "nap"
    _, health, _ = await api.call("GET", "/health", as_="viewer")
    assert health == {"level": "healthy", "reasons": []}


async def test_fixit_plan_is_a_dry_run_and_a_request_needs_something_to_retry(api: Api) -> None:
    status, planned, _ = await api.call("POST", "/fixit/plan", as_="viewer", json={"mode": "balanced", "window": "6h"})
    assert status == 200 and planned["plan"]["items"] == []
    status, body, _ = await api.call("POST", "/fixit/requests", as_="operator", json={})
    assert status == 409 and body["detail"].startswith("Nothing to retry")
    assert (await api.call("POST", "/fixit/plan", as_="viewer", json={"job_ids": ["nope"]}))[0] == 404


async def test_a_failed_job_gets_a_fixit_request_decided_over_the_api(api: Api) -> None:
    await api.ops.services.engine.add_job(
        parse_job(
            {"id": "bad", "kind": "python", "target": "tests.support.tasks:boom", "schedule": {"interval": "1h"}}
        ),
        actor=None,
    )
    await (await api.ops.services.engine.run_now("bad", actor=None)).wait()
    status, asked, _ = await api.call("POST", "/fixit/requests", as_="operator", json={"mode": "greedy"})
    assert status == 202 and asked["approval"]["action"] == "fixit"
    status, decided, _ = await api.call(
        "POST", f"/approvals/{asked['approval']['id']}/decision", as_="approver", json={"decision": "approve"}
    )
    assert status == 200 and decided["status"] in {"executed", "failed"}
    assert any(run.trigger.value == "fixit" for run in await api.ops.history("bad", 10))


async def test_the_audit_log_pages_backwards(api: Api) -> None:
    await _add(api)
    for _ in range(3):
        await api.call("POST", "/jobs/nap/pause", as_="admin")
    _, everything, _ = await api.call("GET", "/audit?limit=100", as_="viewer")
    paged, before = [], ""
    while True:
        _, page, _ = await api.call("GET", f"/audit?limit=2{before}", as_="viewer")
        paged += [entry["id"] for entry in page["entries"]]
        if page["next_before"] is None:
            break
        before = f"&before={page['next_before']}"
    assert paged == [entry["id"] for entry in everything["entries"]] == sorted(set(paged), reverse=True)
    assert len(paged) > 2


async def test_export_and_import_in_yaml_and_json(api: Api) -> None:
    await api.call("POST", "/jobs", as_="admin", json=_http_job(api))
    status, text, headers = await api.call("GET", "/export", as_="viewer")
    assert status == 200 and headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(text)["jobs"][0]["id"] == "ping"
    _, data, _ = await api.call("GET", "/export?format=json", as_="viewer")
    assert data["jobs"][0]["id"] == "ping"

    again = await api.call("POST", "/import", as_="admin", json=data)
    assert again[0] == 200 and again[1] == {"results": {}, "unchanged": ["ping"]}
    new = yaml.safe_dump({"jobs": [_http_job(api, "pong")]})
    status, body, _ = await api.call(
        "POST", "/import", as_="operator", data=new, headers={"Content-Type": "application/yaml"}
    )
    assert status == 200 and body["results"]["pong"]["status"] == "approval_requested"
    bad = await api.call("POST", "/import", as_="admin", data="jobs: [{id: x}]")
    assert bad[0] == 422 and bad[1]["errors"]
    assert await api.ops.find_job("pong") is None


async def test_presets_are_valid_schedules(api: Api) -> None:
    _, presets, _ = await api.call("GET", "/schedule-presets", as_="viewer")
    for preset in presets:
        parse_job({**_http_job(api), "schedule": preset["schedule"]})
    assert {"hourly", "daily-9am"} <= {preset["name"] for preset in presets}


async def test_writes_beyond_the_rate_limit_get_429_with_retry_after(api: Api) -> None:
    limited = await start_api(api.ops, write_burst=2, writes_per_minute=1)
    limited.tokens = api.tokens
    try:
        await _add(api)
        statuses = [(await limited.call("POST", "/jobs/nap/pause", as_="admin"))[0] for _ in range(2)]
        status, body, headers = await limited.call("POST", "/jobs/nap/pause", as_="admin")
        assert statuses == [200, 200] and status == 429 and int(headers["Retry-After"]) >= 1
        assert "too many writes" in body["detail"]
        assert (await limited.call("GET", "/jobs/nap", as_="admin"))[0] == 200  # reads are not limited
        assert (await limited.call("POST", "/jobs/nap/pause", as_="operator"))[0] == 202  # per token
    finally:
        await limited.session.close()
        await limited.server.stop()


async def test_the_openapi_document_is_3_1_and_the_docs_page_is_served(api: Api) -> None:
    status, document, _ = await api.call("GET", "/openapi.json", as_=None)
    assert status == 200 and document["openapi"].startswith("3.1")
    assert "/api/v1/jobs/{job_id}/run" in document["paths"]
    status, page, _ = await api.call("GET", "/docs", as_=None)
    assert status == 200 and "swagger" in page.lower()


@pytest.mark.parametrize("path", ["/nope", "/jobs/UPPER"])
async def test_unknown_paths_and_bad_ids_are_problems(api: Api, path: str) -> None:
    status, _, headers = await api.call("GET", path, as_="viewer")
    assert status in {404, 422} and headers["Content-Type"] == "application/problem+json"
