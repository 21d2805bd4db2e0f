"""Faults around a handler: Retry-After bookkeeping, Graph-like throttling and installed fault rules.

The request context (``service.middleware``) calls ``with_faults`` only when the fault book is not idle (rules,
throttling or a pending Retry-After) and the route is not the control API, so a mock without faults pays one
attribute check per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import struct

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.domain.clock import format_datetime
from simulator.errors import Unauthorized
from simulator.service.fault_rules import Effect
from simulator.service.faults import Target, receiver_keys
from simulator.service.http import error_response, request_info, route_of
from simulator.service.state import ServiceState, Violation

__all__ = ["retry_after_header", "with_faults"]

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def with_faults(request: web.Request, handler: Handler, state: ServiceState) -> web.StreamResponse:
    book = state.faults
    target = _target(request, state)
    client = _client_key(request, target)
    receiver = receiver_keys(request)
    route = f"{request.method} {target.route}"
    # Contract violations name the app by client id; so do these (the token is known, the handler has not run yet).
    _check_retry_after(state, receiver, route, target.client_id or client)
    if book.throttling and target.tenant is not None:
        wait = book.throttle(target.tenant, client, request.method in _WRITES)
        if wait is not None:
            return _retry_later(request, state, receiver, route, 429, "TooManyRequests",
                                "Too many requests for this tenant or app; retry after the given delay.", wait)
    rule = book.pick(target, state.clock.now())
    if rule is None:
        return await handler(request)
    return await _apply(request, handler, state, rule.then, receiver, route)


async def _apply(request: web.Request, handler: Handler, state: ServiceState, effect: Effect,
                 receiver: tuple[str, ...], route: str) -> web.StreamResponse:
    if effect.kind == "error":
        return _retry_later(request, state, receiver, route, effect.status, effect.code, effect.message,
                            effect.retry_after)
    if effect.kind == "latency":
        await asyncio.sleep(state.faults.delay(effect))
        return await handler(request)
    if effect.transport == "truncatedBody":
        return await _truncated(request, await handler(request))
    if effect.transport == "stall":
        await asyncio.sleep(min(effect.seconds, state.faults.max_delay))
    _close(request, reset=effect.transport == "reset")
    return web.Response(status=499)  # never sent: the connection is gone; 499 marks it in the journal


def _retry_later(request: web.Request, state: ServiceState, receiver: tuple[str, ...], route: str, status: int,
                 code: str, message: str, retry_after: float | None) -> web.Response:
    headers = None
    if retry_after is not None:
        for key in receiver:
            state.faults.note_retry_after(key, route, retry_after)
        headers = {"Retry-After": retry_after_header(retry_after)}
    return error_response(request, status, code, message, headers=headers)


def retry_after_header(seconds: float) -> str:
    """RFC 9110 delay-seconds: a non-negative integer, rounded up so a client that waits it is never early.

    Graph's docs once showed ``Retry-After: 2.128``, but the msgraph SDKs' RetryHandler (and most HTTP clients) parse
    an integer only and fall back to their own backoff on a fraction. The deadline the mock checks stays the exact
    value, so waiting the header's whole seconds always honours it.
    """
    return str(max(0, math.ceil(seconds)))


def _check_retry_after(state: ServiceState, receiver: tuple[str, ...], route: str, reported_as: str) -> None:
    waits = [left for key in receiver if (left := state.faults.retry_too_early(key, route)) is not None]
    if not waits:
        return
    left = max(waits)
    state.record_violation(Violation(
        "retryAfterNotHonoured",
        f"{route} was sent {math.ceil(left * 1000)} ms before the Retry-After of an earlier response expired.",
        route, format_datetime(state.clock.now()), None, reported_as,
    ))


def _target(request: web.Request, state: ServiceState) -> Target:
    """Caller facts come from the token cache (no verification here; the handler still verifies)."""
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    claims = None
    # A bad token is the handler's to answer (401); faults can still match on route and method.
    with contextlib.suppress(Unauthorized):
        claims = state.tokens.verify(token, state.apps, state.clock.now()) if token else None
    match = request.match_info
    return Target(
        method=request.method,
        route=route_of(request),
        path=request.path,
        tenant=claims.tenant_id if claims else match.get("tenantId"),
        partner=claims.connector_id if claims else None,
        client_id=claims.client_id if claims else None,
        device=match.get("azureADDeviceId"),
    )


def _client_key(request: web.Request, target: Target) -> str:
    """The app when the token is known (survives token refresh), else the token, else the peer address."""
    if target.client_id is not None:
        return f"{target.tenant}/{target.client_id}"
    token = request.headers.get("Authorization", "")
    return token[-24:] if token else request.remote or "unknown"


async def _truncated(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Send the real status and headers with a Content-Length for the whole body, then half the body, then close."""
    body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b"{}"
    partial = web.StreamResponse(status=response.status, headers=response.headers)
    partial.headers["request-id"] = request_info(request).request_id
    partial.content_length = len(body)
    await partial.prepare(request)
    await partial.write(body[: len(body) // 2])
    _close(request, reset=False)
    return partial


def _close(request: web.Request, *, reset: bool) -> None:
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        # SO_LINGER with a zero timeout turns close() into a TCP RST: the client sees "connection reset".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
