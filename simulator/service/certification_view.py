"""``GET /_sim/certification``: the evidence ``mtdsim report`` certifies a partner from, read from each tenant's
state (who was reported within a window, report ages on arrival); bounded examples, whatever the fleet size."""

from __future__ import annotations

from aiohttp import web

from simulator.certification.evidence import tenant_evidence
from simulator.domain.clock import format_datetime, parse_duration
from simulator.errors import ConfigError, InvalidRequest
from simulator.service.control import controlled
from simulator.service.http import json_response
from simulator.service.keys import STATE

__all__ = ["routes"]

routes = web.RouteTableDef()
_QUERY = ("window", "maxAge", "tenant")


@routes.get("/_sim/certification")
@controlled
async def certification(request: web.Request) -> web.StreamResponse:
    unknown = sorted(set(request.query) - set(_QUERY))
    if unknown:
        raise InvalidRequest("invalidRequest", f"unknown parameter {unknown[0]!r}; use {', '.join(_QUERY)}",
                             target=unknown[0])  # fmt: skip
    try:
        window = parse_duration(request.query.get("window", "P1D"))
        max_age = parse_duration(request.query.get("maxAge", "PT15M"))
    except ConfigError as exc:
        raise InvalidRequest("invalidRequest", exc.message, target="window") from None
    state = request.app[STATE]
    now = state.clock.now()
    wanted = request.query.get("tenant")
    tenants = [t for t in state.tenants.values() if wanted is None or t.id == wanted]
    body = {"now": format_datetime(now), "tenants": [tenant_evidence(t, now, window, max_age) for t in tenants]}
    return json_response(request, body)
