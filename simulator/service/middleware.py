"""The one middleware: request ids, injected faults, the Graph error envelope for every failure, and the journal.

Kept in one coroutine because it runs on every request: one timer, one try, one journal append. Faults run inside
it (``faulting.with_faults``), so injected errors get request ids and journal entries like any other answer.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.errors import ContractViolation, DomainError
from simulator.service.faulting import with_faults
from simulator.service.http import error_response, route_of
from simulator.service.keys import REQUEST_INFO, STATE
from simulator.service.state import JournalEntry, RequestInfo

__all__ = ["HTTP_CODES", "context_middleware"]

log = logging.getLogger("mtdsim.service")

# Graph-like codes for errors aiohttp raises itself (routing, body size).
HTTP_CODES = {
    400: "invalidRequest",
    401: "unauthenticated",
    403: "accessDenied",
    404: "itemNotFound",
    405: "methodNotAllowed",
    406: "notAcceptable",
    411: "lengthRequired",
    413: "requestEntityTooLarge",
    415: "unsupportedMediaType",
    429: "TooManyRequests",
}


@web.middleware
async def context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    state = request.app[STATE]
    request_id = state.next_request_id()
    info = RequestInfo(request_id, request.headers.get("client-request-id") or request_id)
    request[REQUEST_INFO] = info
    try:
        if state.faults.idle or request.path.startswith("/_sim/"):
            response = await handler(request)
        else:
            response = await with_faults(request, handler, state)
    except Exception as exc:  # every failure becomes a Graph error envelope, never a bare 500
        response = _failure(request, exc)
    if not response.prepared:  # a transport fault may have sent (part of) a response already
        headers = response.headers
        headers["request-id"] = request_id
        headers["client-request-id"] = info.client_request_id
    state.status_counts[response.status] += 1
    state.journal.append(
        JournalEntry(
            time=state.clock.now(),
            method=request.method,
            route=route_of(request),
            path=request.path,
            status=response.status,
            duration_ms=(time.perf_counter() - started) * 1000,
            request_id=request_id,
            tenant=info.tenant,
            partner=info.partner,
            client_id=info.client_id,
            device=info.device or request.match_info.get("azureADDeviceId"),
        )
    )
    return response


def _failure(request: web.Request, exc: Exception) -> web.Response:
    """The error envelope for what a handler raised; a redirect or other non-error HTTPException is re-raised."""
    if isinstance(exc, DomainError):
        return error_response(request, exc.status, exc.code, exc.message, target=exc.target)
    if isinstance(exc, ContractViolation):
        details = [{"code": "invalidRequest", "message": p.message, "target": p.pointer} for p in exc.problems]
        return error_response(request, 400, "invalidRequest", f"The body breaks contract {exc.contract}.",
                              details=details)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return _http_error(request, exc)
    log.error("unexpected error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "generalException", "An unexpected error occurred in mtdsim.")


def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    if exc.status == 404:
        message = f"No route matches {request.method} {request.path}."
    elif exc.status == 405:
        message = f"{request.method} is not allowed on {request.path}."
    elif exc.status == 413:
        limit = request.app[STATE].settings.max_body_size
        message = f"Request bodies are limited to {limit} bytes."
    else:
        message = exc.reason
    code = HTTP_CODES.get(exc.status, "invalidRequest" if exc.status < 500 else "generalException")
    return error_response(request, exc.status, code, message, headers=headers)
