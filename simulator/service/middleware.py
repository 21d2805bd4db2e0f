"""The request context every route runs in: request ids, injected faults, the Graph error envelope for every
failure, and the journal.

``in_context(app, handler, route)`` wraps each route's handler when the app is built, rather than registering an
aiohttp middleware: any middleware makes aiohttp run two more coroutine layers per request (its chain and its
``current_app`` fix), ~3% of the single-report path. Requests no route matches land on ``unmatched``, registered
last, which answers 404 or 405 like aiohttp's router would. Kept in one coroutine because it runs on every request:
one timer, one try, one journal append. Faults run inside it (``faulting.with_faults``), so injected errors get
request ids and journal entries like any other answer.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.errors import ContractViolation, DomainError, InvalidRequest
from simulator.service.faulting import with_faults
from simulator.service.http import UNMATCHED, error_response
from simulator.service.keys import CONTRACTS, REQUEST_INFO, STATE
from simulator.service.state import RequestInfo, ServiceState

__all__ = ["CLIENT_REQUEST_ID_LIMIT", "HTTP_CODES", "in_context", "unmatched"]

log = logging.getLogger("mtdsim.service")
CLIENT_REQUEST_ID_LIMIT = 256  # Graph's are GUIDs (36); a longer one is refused, not echoed or journalled
_BAD_CLIENT_REQUEST_ID = (
    f"client-request-id must be printable ASCII of at most {CLIENT_REQUEST_ID_LIMIT} characters (Graph uses a GUID)."
)

# Graph-like codes for errors aiohttp raises itself (routing, body size).
HTTP_CODES = {
    400: "invalidRequest",
    401: "unauthenticated",
    403: "accessDenied",
    404: "itemNotFound",
    405: "methodNotAllowed",
    406: "notAcceptable",
    408: "requestTimeout",
    411: "lengthRequired",
    413: "requestEntityTooLarge",
    415: "unsupportedMediaType",
    429: "TooManyRequests",
}


def in_context(app: web.Application, handler: Handler, route: str | None = None) -> Handler:
    """``handler`` running in the request context (see the module docstring); ``route`` is its path template,
    None for the catch-all (the journal then records the path)."""

    # The journal's path: a route without parameters matches its template only, so the template (one shared str)
    # stands for it and no path string per request stays in the journal.
    plain_path = route if route is not None and "{" not in route else None

    async def run_in_context(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        state = app[STATE]
        request_id = state.next_request_id()
        given = request.headers.get("client-request-id")
        unusable = given is not None and not _echoable(given)
        info = RequestInfo(request_id, given if given and not unusable else request_id, state.clock.now(),
                           route or request.path, state, app[CONTRACTS])
        request[REQUEST_INFO] = info
        try:
            if unusable:
                raise InvalidRequest("invalidRequest", _BAD_CLIENT_REQUEST_ID, target="client-request-id")
            if state.faults.idle or request.path.startswith("/_sim/"):
                response = await handler(request)
            else:
                response = await with_faults(request, handler, state)
        except ConnectionError as exc:  # the client went away mid-request: a client event, not a 500
            response = _gone(request, state, exc)
        except Exception as exc:  # every failure becomes a Graph error envelope, never a bare 500
            response = _failure(request, exc)
        # json_response sets the ids itself; a transport fault may have sent (part of) a response already.
        if "request-id" not in response.headers and not response.prepared:
            headers = response.headers
            headers["request-id"] = request_id
            headers["client-request-id"] = info.client_request_id
        status = response.status
        state.status_counts[status] += 1
        state.journal.append(  # a row in JournalEntry's field order (see Journal)
            (info.now, request.method, info.route, plain_path or request.path, status,
             (time.perf_counter() - started) * 1000, request_id, info.tenant, info.partner, info.client_id,
             info.device or request.match_info.get("azureADDeviceId"),
             None if info.client_request_id is request_id else info.client_request_id)
        )  # fmt: skip
        return response

    return run_in_context


def _echoable(client_request_id: str) -> bool:
    """A client-request-id mtdsim can echo and journal: printable ASCII (a header with non-UTF-8 bytes arrives with
    surrogates, which the response header cannot carry) and at most ``CLIENT_REQUEST_ID_LIMIT`` characters."""
    return len(client_request_id) <= CLIENT_REQUEST_ID_LIMIT and client_request_id.isascii() \
        and client_request_id.isprintable()


async def unmatched(request: web.Request) -> web.StreamResponse:
    """The catch-all route: 405 with Allow when another route has this path, else 404 (as aiohttp's router)."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource.name != UNMATCHED:
            allowed |= (await resource.resolve(request))[1]
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


def _gone(request: web.Request, state: ServiceState, exc: ConnectionError) -> web.Response:
    """Count a client that disconnected, log one line, journal 499 (nginx's "client closed request").

    The exception's traceback is dropped: it holds the handler's frames, and the half-read body with them, in a
    cycle (payload -> exception -> traceback -> frame -> request -> payload) that only a full collection frees, which
    serve's collector tuning makes rare (500 aborted uploads kept 83 MiB)."""
    exc.__traceback__ = None
    state.traffic.client_disconnects += 1
    log.warning("client disconnected during %s %s: %s", request.method, request.path[:200], exc)
    return web.Response(status=499)  # never sent: the connection is gone


def _failure(request: web.Request, exc: Exception) -> web.Response:
    """The error envelope for what a handler raised; a redirect or other non-error HTTPException is re-raised."""
    if isinstance(exc, DomainError):
        response = error_response(request, exc.status, exc.code, exc.message, target=exc.target,
                                  headers=exc.headers)
        if exc.status == 408:  # the rest of a late body may still come: this connection cannot be reused
            response.force_close()
        return response
    if isinstance(exc, ContractViolation):
        details = [{"code": p.keyword if p.keyword == "tooManyProblems" else "invalidRequest", "message": p.message,
                    "target": p.pointer} for p in exc.problems]
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
