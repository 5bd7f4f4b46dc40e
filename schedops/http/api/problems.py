"""Errors as RFC 9457 problem details (application/problem+json): one precise sentence, the status that
fits, never a stack trace. Domain errors are mapped here once, so routes just let them propagate."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.callers import NotAllowed, NowhereToAsk
from application.job_kinds import KindRefused
from application.operations import NothingToRetry
from application.run_cancel import CancelNotAllowed, RunNotRunning
from core.approvals import ApprovalLookupError, ApprovalRefused, NoApprovers
from core.approvals.errors import RefusalReason
from core.fixit.errors import FixitJobLookupError
from core.jobs.jobsfile import JobsFileError
from core.storage.jobs_store import JobLookupError
from core.storage.runs_store import RunLookupError
from schedops.http.api.models import Problem

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """A problem a route raises itself (401, 409, 422, 429 ...)."""

    def __init__(
        self, status: int, detail: str, *, headers: dict[str, str] | None = None, errors: list[str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, instance=request.url.path, errors=errors
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers)


_PROBLEM_CONTENT = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Every problem a route may answer, in the OpenAPI document (validation errors included, as problems).
DOCUMENTED: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": HTTPStatus(status).phrase, "content": _PROBLEM_CONTENT}
    for status in (400, 401, 403, 404, 409, 413, 422, 429, 500)
}

# Which status each refusal of the approval workflow gets: a decision that can no longer be made conflicts
# with the request's state; a decider who may not decide is forbidden.
_REFUSAL_STATUS = {
    RefusalReason.BAD_TOKEN: 422,
    RefusalReason.EXPIRED: 409,
    RefusalReason.ALREADY_DECIDED: 409,
    RefusalReason.NOT_AN_APPROVER: 403,
    RefusalReason.OWN_REQUEST: 403,
    RefusalReason.NO_APPROVERS: 409,
    RefusalReason.UNKNOWN_REQUEST: 404,
}


def install(app: FastAPI) -> None:
    """Map every error a route may raise to its problem response."""

    def simple(status: int) -> object:
        async def handler(request: Request, error: Exception) -> JSONResponse:
            return problem_response(request, status, _first_line(error))

        return handler

    async def api_problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiProblem)
        return problem_response(request, error.status, error.detail, headers=error.headers, errors=error.errors)

    async def refused(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApprovalRefused)
        return problem_response(request, _REFUSAL_STATUS.get(error.reason, 409), str(error))

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        lines = [_validation_line(item) for item in error.errors()]
        return problem_response(request, 422, lines[0] if lines else "invalid request", errors=lines)

    async def jobs_file(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, JobsFileError)
        return problem_response(request, 422, error.lines[0], errors=error.lines)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        headers = dict(error.headers) if error.headers else None
        return problem_response(request, error.status_code, str(error.detail), headers=headers)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # The full error goes to the log for the operator; the caller gets one plain sentence.
        log.error("API %s %s failed", request.method, request.url.path, exc_info=error)
        return problem_response(request, 500, "schedops could not complete the request; the details are in its log")

    handlers: dict[type[Exception], object] = {
        ApiProblem: api_problem,
        ApprovalRefused: refused,
        RequestValidationError: invalid,
        JobsFileError: jobs_file,
        StarletteHTTPException: http_error,
        JobLookupError: simple(404),
        RunLookupError: simple(404),
        ApprovalLookupError: simple(404),
        FixitJobLookupError: simple(404),
        NotAllowed: simple(403),
        CancelNotAllowed: simple(403),
        RunNotRunning: simple(409),
        KindRefused: simple(403),
        NowhereToAsk: simple(409),
        NothingToRetry: simple(409),
        NoApprovers: simple(409),
        Exception: unexpected,
    }
    for error_type, handler in handlers.items():
        app.add_exception_handler(error_type, handler)  # type: ignore[arg-type]


def _validation_line(item: Any) -> str:
    where = ".".join(str(part) for part in item.get("loc") or ()) or "request"
    return f"{where}: {item.get('msg')}"


def _first_line(error: Exception) -> str:
    text = str(error.args[0]) if error.args else str(error)
    return text.splitlines()[0] if text else type(error).__name__
