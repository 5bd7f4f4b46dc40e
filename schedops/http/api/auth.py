"""Who is calling: the bearer token, looked up by its hash, as a FastAPI dependency yielding the Caller.
Writes also spend from the token's rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.callers import Caller
from application.operations import Operations
from core.api_tokens import ApiTokenStore
from schedops.http.api.problems import ApiProblem
from schedops.http.api.ratelimit import WriteLimiter

# auto_error off: a missing or malformed header gets our own 401 problem rather than FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="An API token from `schedops tokens create`")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="schedops"'}


def operations(request: Request) -> Operations:
    ops: Operations = request.app.state.ops
    return ops


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    if credentials is None:
        raise ApiProblem(401, "send an API token: Authorization: Bearer <token>", headers=_CHALLENGE)
    ops = operations(request)
    token = await ApiTokenStore(ops.services.db).authenticate(credentials.credentials, now=ops.clock())
    if token is None:
        raise ApiProblem(401, "the API token is unknown or revoked", headers=_CHALLENGE)
    return Caller.of(token)


async def writer(request: Request, who: Annotated[Caller, Depends(caller)]) -> Caller:
    """The caller of a write, once its token's write rate allows it (429 with Retry-After otherwise)."""
    limiter: WriteLimiter = request.app.state.write_limiter
    wait = limiter.take(who.token)
    if wait is not None:
        raise ApiProblem(
            429,
            f"too many writes with token {who.token!r}: try again in {wait}s",
            headers={"Retry-After": str(wait)},
        )
    return who


Ops = Annotated[Operations, Depends(operations)]
Reader = Annotated[Caller, Depends(caller)]
Writer = Annotated[Caller, Depends(writer)]
