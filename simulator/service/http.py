"""Helpers every route author uses: read a JSON body against its contract, answer JSON, page OData lists.

Handlers raise ``simulator.errors.DomainError`` subclasses (or ``ContractViolation``); the request context
(``service.middleware``) turns them into Graph error envelopes. Nothing here builds an error response by hand
except ``error_response``.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from aiohttp import web

from simulator.domain.clock import format_datetime
from simulator.errors import ContractViolation, InvalidRequest, Problem
from simulator.service.arrived_body import take_arrived
from simulator.service.body_worker import for_worker, parse_in_worker
from simulator.service.keys import REQUEST_INFO
from simulator.service.state import RequestInfo, Violation

__all__ = [
    "GRAPH_ROOT",
    "UNMATCHED",
    "error_body",
    "error_response",
    "graph_response",
    "json_response",
    "odata_context",
    "query_int",
    "read_body",
    "read_json",
    "read_optional_json",
    "request_info",
    "route_of",
]

T = TypeVar("T")
GRAPH_ROOT = "https://graph.microsoft.com"
UNMATCHED = "unmatched"  # the name of the catch-all route (simulator.service.middleware.unmatched)
_JSON = "application/json"
# What Graph sends on its successful JSON answers (docs' captured responses); errors stay plain application/json,
# as Graph's throttling sample shows. Only Graph routes pay for it: the partner channel keeps _JSON.
GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
_GRAPH_HEADERS = {"Content-Type": GRAPH_CONTENT_TYPE, "OData-Version": "4.0"}
_MAX_DIGITS = len(str(sys.maxsize))


class UnsupportedMediaType(InvalidRequest):
    status = 415


class EntityTooLarge(InvalidRequest):
    status = 413


class RequestTimeout(InvalidRequest):
    status = 408


def request_info(request: web.Request) -> RequestInfo:
    """Facts about this request (auth and handlers fill in what the journal records) and the service it runs in."""
    return request[REQUEST_INFO]


def route_of(request: web.Request) -> str:
    """The route template (``/partner/v1/devices/{azureADDeviceId}/apps``), or the path when nothing matched."""
    return request[REQUEST_INFO].route


async def read_json(request: web.Request, contract: str | None) -> Any:
    """The request body, parsed and valid against ``contract``; else 415, 413 or 400 with one detail per problem.

    ``contract`` None only parses (for bodies that have no contract yet).
    """
    # The raw header first: parsing Content-Type costs more than the rest of this check, and is rarely needed.
    if request.headers.get("Content-Type") != _JSON and request.content_type != _JSON:
        raise UnsupportedMediaType(
            "unsupportedMediaType", f"Content-Type must be {_JSON}, not {request.content_type or 'missing'!r}"
        )
    info = request[REQUEST_INFO]
    limit = info.state.settings.max_body_size
    content = request.content
    # A body that came whole with the headers (most do) is taken from the buffer as is: no timer, no copy. Then
    # request.read() gives b"", so info.body keeps it, also when it is refused below (the recorder reads it there).
    arrived = info.body = take_arrived(content)
    size = request.content_length if arrived is None else len(arrived)
    if size is not None and size > limit:  # a body still coming is refused before waiting for it
        raise EntityTooLarge("requestEntityTooLarge", f"request bodies are limited to {limit} bytes")
    if arrived is None:
        body = await read_body(request, sized=size is not None)
    elif not arrived and request.body_exists:  # a middleware read it first (request.read() kept it)
        body = await request.read()
    else:
        body = arrived
    info.body = body
    worker_values = info.state.settings.body_worker_values
    problems: Sequence[Problem]
    if worker_values and len(body) > 2 * worker_values and await for_worker(info, body, worker_values):
        # A shorter body cannot hold more values (each needs a byte and a separator): the hot paths skip the scan.
        data, problems = await parse_in_worker(request, body, contract)
    else:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest("invalidRequest", f"the body is not valid JSON: {exc}", target="") from None
        contracts = info.contracts
        problems = () if contract is None or contracts.is_valid(contract, data) else (
            contracts.problems(contract, data) or [Problem("", "the body breaks its contract")])  # fmt: skip
    if problems:
        _record_problems(request, contract or "", problems)
        raise ContractViolation(contract or "", problems)
    return data


async def read_body(request: web.Request, *, sized: bool = False) -> bytes:
    """The raw body, which must arrive within ``Settings.body_timeout`` (else 408 ``requestTimeout``, and the
    connection is closed). aiohttp enforces client_max_size on chunked bodies (HTTPRequestEntityTooLarge).

    ``sized``: the caller checked the body's Content-Length against the limit, so the stream is read to its end and
    joined once, without request.read()'s growing bytearray and final copy (a 1000-report batch is ~330 KB);
    request.read() has nothing left to give afterwards, so the caller keeps the body."""
    read = request.content.read if sized else request.read
    if request.content.is_eof():  # all of it came with the headers (most bodies): no timer needed
        return await read()
    info = request[REQUEST_INFO]
    try:
        async with asyncio.timeout(info.state.settings.body_timeout):
            return await read()
    except TimeoutError:
        info.state.traffic.body_timeouts += 1
        raise RequestTimeout("requestTimeout", "The request body did not arrive in time; the connection is closed.",
                             target="") from None


async def read_optional_json(request: web.Request, contract: str) -> Any | None:
    """Like ``read_json``, but an empty body (no Content-Length or 0) is allowed and gives None."""
    if not request.body_exists or request.content_length == 0:
        return None
    return await read_json(request, contract)


def json_response(
    request: web.Request,
    data: Any,
    *,
    status: int = 200,
    contract: str | None = None,
    headers: Mapping[str, str] | None = None,
    odata: bool = False,
) -> web.Response:
    """Serialize with orjson; with ``validate_responses`` on, check the body as sent against ``contract``.

    ``odata`` sends Graph's content type and ``OData-Version`` (see ``graph_response``) instead of plain JSON.
    ``data`` may hold ``orjson.Fragment``s (JSON text written by hand on a hot path): the check reads the body back,
    so it covers them too.

    A response that breaks its own contract is a bug in mtdsim: it is recorded as a self-check failure
    (tests fail on it, see tests/conftest.py) and still sent, so the client sees what the mock produced.
    """
    info = request[REQUEST_INFO]
    body = orjson.dumps(data)
    if contract is not None and info.state.settings.validate_responses:
        contracts, sent = info.contracts, orjson.loads(body)
        if not contracts.is_valid(contract, sent):
            problems = "; ".join(map(str, contracts.problems(contract, sent)))
            info.state.record_self_check_failure(f"{request.method} {info.route} -> {contract}: {problems}")
    # The request ids go in with the rest: headers given to Response() cost less than setting them afterwards.
    ids = {"request-id": info.request_id, "client-request-id": info.client_request_id}
    if odata:
        return web.Response(body=body, status=status, headers={**_GRAPH_HEADERS, **ids})
    return web.Response(body=body, status=status, content_type=_JSON,
                        headers=ids if headers is None else {**headers, **ids})  # fmt: skip


def graph_response(request: web.Request, data: Any, *, status: int = 200, contract: str | None = None) -> web.Response:
    """A successful Graph answer: ``json_response`` with Graph's OData content type and ``OData-Version: 4.0``."""
    return json_response(request, data, status=status, contract=contract, odata=True)


def error_body(
    request: web.Request, code: str, message: str, *, target: str | None = None, details: Iterable[Any] = ()
) -> dict[str, Any]:
    """The Graph error envelope (contracts/graph-error.schema.json)."""
    info = request[REQUEST_INFO]
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "innerError": {
            "date": format_datetime(info.state.clock.now()),
            "request-id": info.request_id,
            "client-request-id": info.client_request_id,
        },
    }
    if target is not None:
        error["target"] = target
    listed = list(details)
    if listed:
        error["details"] = listed
    return {"error": error}


def error_response(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    *,
    target: str | None = None,
    details: Iterable[Any] = (),
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    body = error_body(request, code, message, target=target, details=details)
    return json_response(request, body, status=status, contract="graph-error", headers=headers)


def odata_context(version: str, fragment: str) -> str:
    """``https://graph.microsoft.com/{version}/$metadata#{fragment}``."""
    return f"{GRAPH_ROOT}/{version}/$metadata#{fragment}"


def query_int(raw: str) -> int | None:
    """``raw`` as a non-negative integer up to ``sys.maxsize``, else None. ASCII digits only: ``"²".isdigit()`` is
    true and ``int("²")`` raises, as does ``int()`` of more than 4,300 digits; a slice or ``islice`` past
    ``sys.maxsize`` raises too."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > _MAX_DIGITS:
        return None
    value = int(raw)
    return value if value <= sys.maxsize else None


def _record_problems(request: web.Request, contract: str, problems: Iterable[Problem]) -> None:
    info = request[REQUEST_INFO]
    state = info.state
    now = format_datetime(state.clock.now())
    route = f"{request.method} {info.route}"
    token = token_fingerprint(request.headers.get("Authorization", ""))
    for problem in problems:
        state.record_violation(
            Violation("contractViolation", f"{contract}: {problem.message}", route, now, problem.pointer,
                      info.client_id, request.remote, token)
        )


def token_fingerprint(authorization: str) -> str | None:
    """12 hex digits of the bearer token's SHA-256: tells a client's tokens apart without keeping a credential."""
    token = authorization.partition(" ")[2].strip()
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else None
