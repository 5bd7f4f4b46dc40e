"""POST /api/v1/runs/{id}/cancel: the same rule as Slack and the CLI (whoever may run a job now without an
approval: an admin token), every attempt audited, errors as one-line problems."""

from __future__ import annotations

from core.abc import RunHandle
from core.jobs.spec import parse_job
from core.runs import RunStatus
from tests.schedops.http.api.conftest import REQUESTER, nap_job
from tests.support.api import Api


async def napping(api: Api, seconds: float = 300) -> RunHandle:
    engine = api.ops.services.engine
    await engine.add_job(parse_job(nap_job(kwargs={"seconds": seconds})), actor=None)
    return await engine.run_now("nap", actor=None)


async def cancel_audit(api: Api) -> list[tuple[str, str, str]]:
    _, page, _ = await api.call("GET", "/audit?action=run.cancel", as_="viewer")
    return [(entry["actor"], entry["outcome"], entry["detail"]) for entry in page["entries"]]


async def test_an_admin_token_cancels_a_run_and_waits_for_it_to_stop(api: Api) -> None:
    handle = await napping(api)

    status, body, _ = await api.call("POST", f"/runs/{handle.run.id}/cancel?wait=30", as_="admin")

    assert status == 200 and body["status"] == "stopped"
    assert body["run"]["status"] == "interrupted" and body["run"]["error_message"] == "cancelled by token:admin"
    assert body["run"]["error_class"] == "permanent"
    assert await cancel_audit(api) == [("token:admin", "ok", f"run {handle.run.id} (via API token admin)")]


async def test_without_a_wait_the_answer_is_202_while_the_run_stops(api: Api) -> None:
    handle = await napping(api)

    status, body, _ = await api.call("POST", f"/runs/{handle.run.id}/cancel", as_="admin")

    assert status == 202 and body["status"] == "stopping" and body["run"]["status"] == "running"
    assert (await handle.wait()).status is RunStatus.INTERRUPTED


async def test_operator_and_viewer_tokens_are_refused_and_the_run_goes_on(api: Api) -> None:
    handle = await napping(api)

    for token in ("operator", "viewer"):
        status, body, headers = await api.call("POST", f"/runs/{handle.run.id}/cancel", as_=token)
        assert status == 403 and headers["Content-Type"] == "application/problem+json"
        assert body["detail"] == (
            f"token '{token}' ({token}) may not cancel run {handle.run.id} of nap: only an admin token may, as only "
            "it runs a job now without an approval"
        )

    assert (await api.ops.run(handle.run.id)).status is RunStatus.RUNNING
    assert [(actor, outcome) for actor, outcome, _ in await cancel_audit(api)] == [
        ("token:viewer", "refused"),
        (REQUESTER, "refused"),  # the operator token acts as a Slack user: the audit names them
    ]


async def test_a_run_that_ended_is_a_conflict_and_an_unknown_one_is_not_found(api: Api) -> None:
    handle = await napping(api, seconds=0)
    run = await handle.wait()

    status, body, _ = await api.call("POST", f"/runs/{run.id}/cancel", as_="admin")
    assert status == 409 and body["detail"] == f"run {run.id} of nap is not running: it succeeded"

    status, body, _ = await api.call("POST", "/runs/999999/cancel", as_="admin")
    assert status == 404
    for bad in ("0", "-1", "x", "9" * 30):
        assert (await api.call("POST", f"/runs/{bad}/cancel", as_="admin"))[0] == 422
    assert [outcome for _, outcome, _ in await cancel_audit(api)] == ["refused"]


async def test_the_openapi_document_describes_the_cancel(api: Api) -> None:
    _, document, _ = await api.call("GET", "/openapi.json", as_=None)
    operation = document["paths"]["/api/v1/runs/{run_id}/cancel"]["post"]
    assert {"200", "202", "403", "404", "409"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CancelOut"
    }
