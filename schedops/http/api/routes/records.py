"""The audit log (paged), and the jobs as a jobs file: export (YAML or JSON) and import."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from core.approvals import Approval
from core.jobs.jobsfile import parse_jobs_document
from schedops.http.api.auth import Ops, Reader, Writer
from schedops.http.api.models import ActionOut, AuditEntryOut, AuditPageOut, ImportOut
from schedops.http.api.problems import ApiProblem

router = APIRouter()

# A jobs file of a few thousand jobs fits well within this; aiohttp refuses bodies over its own 1 MiB cap first.
IMPORT_LIMIT = 1024 * 1024


@router.get("/audit", response_model=AuditPageOut, tags=["audit"], summary="The audit log, newest first")
async def audit(
    ops: Ops,
    _caller: Reader,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="next_before of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPageOut:
    entries = await ops.audit(actor=actor, action=action, limit=limit, before_id=before)
    next_before = entries[-1].id if len(entries) == limit else None
    return AuditPageOut(entries=[AuditEntryOut.of(entry) for entry in entries], next_before=next_before)


_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The jobs file, with credential-bearing values hidden",
        "content": {
            "application/yaml": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


@router.get("/export", tags=["transfer"], summary="Every job as a jobs file", responses=_EXPORT_RESPONSES)
async def export(ops: Ops, _caller: Reader, format: Literal["yaml", "json"] = "yaml") -> Response:
    text = await ops.export(redact=True)
    if format == "json":
        return JSONResponse(yaml.safe_load(text))
    return PlainTextResponse(text, media_type="application/yaml")


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": 'A jobs file, `{"jobs": [...]}`, as JSON or YAML (Content-Type application/yaml)',
        "content": {"application/json": {"schema": {"type": "object", "properties": {"jobs": {"type": "array"}}}}},
    }
}


@router.post(
    "/import", response_model=ImportOut, tags=["transfer"], summary="Create or change jobs", openapi_extra=_IMPORT_BODY
)
async def import_jobs(request: Request, ops: Ops, caller: Writer) -> ImportOut:
    body = await request.body()
    if len(body) > IMPORT_LIMIT:
        raise ApiProblem(413, f"the jobs file is over {IMPORT_LIMIT} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiProblem(422, "the body is not UTF-8 text") from None
    specs = parse_jobs_document(text, "body")  # JobsFileError: 422 with every problem
    results, unchanged = await ops.import_as(specs, caller)
    rendered = {}
    for job_id, result in results.items():
        if isinstance(result, Approval):
            rendered[job_id] = ActionOut.requested(result, await ops.describe_request(result))
        else:
            rendered[job_id] = ActionOut.done(result)
    return ImportOut(results=rendered, unchanged=unchanged)
