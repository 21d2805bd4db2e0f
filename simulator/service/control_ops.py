"""Control API, operations half: faults, throttling, journal, violations, stats (``/_sim/...``)."""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web

from simulator.errors import InvalidRequest, NotFound
from simulator.service.control import controlled
from simulator.service.http import json_response, query_int, read_json
from simulator.service.journal_query import JournalQuery
from simulator.service.keys import STATE
from simulator.service.state import ServiceState

__all__ = ["routes", "stats_wire"]

routes = web.RouteTableDef()
_JOURNAL_FILTERS = ("route", "tenant", "partner", "device", "status", "clientRequestId", "limit")


@routes.get("/_sim/faults")
@controlled
async def list_faults(request: web.Request) -> web.StreamResponse:
    book = request.app[STATE].faults
    value = [rule.to_wire(*book.counters(rule.id)) for rule in book.rules.values()]
    return json_response(request, {"value": value}, contract="sim-fault-list")


@routes.post("/_sim/faults")
@controlled
async def install_fault(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-fault-rule")
    state = request.app[STATE]
    rule = state.faults.install(body, state.clock.now())
    return json_response(request, rule.to_wire(0, 0), status=201, contract="sim-fault-rule")


@routes.delete("/_sim/faults")
@controlled
async def clear_faults(request: web.Request) -> web.StreamResponse:
    request.app[STATE].faults.clear()
    return web.Response(status=204)


@routes.delete("/_sim/faults/{faultId}")
@controlled
async def delete_fault(request: web.Request) -> web.StreamResponse:
    fault_id = request.match_info["faultId"]
    if not request.app[STATE].faults.delete(fault_id):
        raise NotFound("itemNotFound", f"no fault rule {fault_id!r}")
    return web.Response(status=204)


@routes.get("/_sim/throttling")
@controlled
async def get_throttling(request: web.Request) -> web.StreamResponse:
    return json_response(request, {"enabled": request.app[STATE].faults.throttling}, contract="sim-throttling")


@routes.put("/_sim/throttling")
@controlled
async def set_throttling(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-throttling")
    request.app[STATE].faults.throttling = body["enabled"]
    return json_response(request, {"enabled": request.app[STATE].faults.throttling}, contract="sim-throttling")


@routes.get("/_sim/journal")
@controlled
async def journal(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    unknown = sorted(set(request.query) - set(_JOURNAL_FILTERS))
    if unknown:
        raise InvalidRequest("invalidRequest", f"unknown filter {unknown[0]!r}; use {', '.join(_JOURNAL_FILTERS)}",
                             target=unknown[0])
    query = request.query
    selection = JournalQuery(
        route=query.get("route"), tenant=query.get("tenant"), partner=query.get("partner"),
        device=query.get("device"), status=_int(request, "status", 0) if "status" in query else None,
        client_request_id=query.get("clientRequestId"), limit=_int(request, "limit", 1000),
    )  # fmt: skip
    value = [e.to_wire() for e in selection.select(reversed(list(state.journal.entries())))]
    return json_response(request, {"value": value, "total": state.journal.total, "dropped": state.journal.dropped})


@routes.get("/_sim/violations")
@controlled
async def violations(request: web.Request) -> web.StreamResponse:
    ring = request.app[STATE].violations
    value = [v.to_wire() for v in ring]
    return json_response(request, {"value": value, "total": ring.total, "dropped": ring.dropped})


@routes.get("/_sim/stats")
@controlled
async def stats(request: web.Request) -> web.StreamResponse:
    return json_response(request, stats_wire(request.app[STATE]))


def stats_wire(state: ServiceState) -> dict[str, Any]:
    """The body of ``GET /_sim/stats`` (the dashboard's conformance view builds its report from it too)."""
    return {
        "requests": state.journal.total,
        "byStatus": {str(k): v for k, v in sorted(state.status_counts.items())},
        "tokensIssued": state.tokens_issued,
        "tenants": len(state.tenants),
        "devices": sum(len(t.devices) for t in state.tenants.values()),
        "violations": state.violations.total,
        "violationsByCode": dict(state.violations_by_code),
        "selfCheckFailures": state.self_check_failures.total,
        "faultRules": len(state.faults.rules),
        "traffic": state.traffic.to_wire(),
        "clientEvents": state.traffic.client_events_to_wire(),
    }


def _int(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = query_int(raw)
    if value is None:
        raise InvalidRequest("invalidRequest", f"{name} must be an integer from 0 to {sys.maxsize}", target=name)
    return value
