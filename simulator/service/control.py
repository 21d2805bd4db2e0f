"""The control API (``/_sim/...``, D3.4): clock, reset, tenants, apps, devices, faults, journal, stats.

Every route needs the ``X-Mtdsim-Control-Key`` header; bodies are checked against the ``sim-*`` contracts.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from aiohttp import web

from simulator.domain.clock import format_datetime, parse_datetime, parse_duration
from simulator.domain.connector import partner_state
from simulator.domain.tenant import Tenant
from simulator.errors import ConfigError, Conflict, InvalidRequest, NotFound, Unauthorized
from simulator.service.config import app_spec
from simulator.service.devices import device_to_wire, devices_from_wire
from simulator.service.http import json_response, read_json, read_optional_json
from simulator.service.keys import STATE
from simulator.service.state import ServiceState

__all__ = ["CONTROL_KEY_HEADER", "controlled", "routes"]

routes = web.RouteTableDef()
CONTROL_KEY_HEADER = "X-Mtdsim-Control-Key"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def controlled(handler: Handler) -> Handler:
    @wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(CONTROL_KEY_HEADER, "")
        # surrogateescape: aiohttp keeps a header's non-UTF-8 bytes as surrogates, which plain encode() refuses.
        key = given.encode("utf-8", "surrogateescape")
        if not secrets.compare_digest(key, request.app[STATE].settings.control_key.encode()):
            raise Unauthorized("unauthenticated", f"The control API needs a valid {CONTROL_KEY_HEADER} header.")
        return await handler(request)

    return checked


def _clock(request: web.Request) -> web.Response:
    clock = request.app[STATE].clock
    return json_response(request, {"now": format_datetime(clock.now()), "ticking": clock.ticking}, contract="sim-clock")


T = TypeVar("T")
R = TypeVar("R")


@routes.get("/_sim/clock")
@controlled
async def get_clock(request: web.Request) -> web.StreamResponse:
    return _clock(request)


@routes.put("/_sim/clock")
@controlled
async def set_clock(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-clock")
    when = _parse(parse_datetime, body["now"], "/now") if "now" in body else None
    clock = request.app[STATE].clock
    _parse(lambda at: clock.set(at, ticking=body.get("ticking")), when, "/now")
    return _clock(request)


@routes.post("/_sim/clock/advance")
@controlled
async def advance_clock(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-clock-advance")
    clock = request.app[STATE].clock
    _parse(clock.advance, _parse(parse_duration, body["by"], "/by"), "/by")
    return _clock(request)


@routes.post("/_sim/reset")
@controlled
async def reset(request: web.Request) -> web.StreamResponse:
    request.app[STATE].reset()
    return web.Response(status=204)


@routes.get("/_sim/tenants")
@controlled
async def list_tenants(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    value = [_tenant_wire(state, t) for t in state.tenants.values()]
    return json_response(request, {"value": value})


@routes.post("/_sim/tenants")
@controlled
async def create_tenant(request: web.Request) -> web.StreamResponse:
    body = await read_optional_json(request, "sim-tenant-create") or {}  # the body is optional (openapi.yaml)
    state = request.app[STATE]
    tenant_id = body.get("id") or str(uuid.UUID(int=state.random.getrandbits(128), version=4))
    if tenant_id in state.tenants:
        raise Conflict("nameAlreadyExists", f"tenant {tenant_id} exists already", target="/id")
    tenant = state.add_tenant(tenant_id, body.get("displayName", tenant_id))
    return json_response(request, _tenant_wire(state, tenant), status=201)


@routes.post("/_sim/tenants/{tenantId}/apps")
@controlled
async def create_app_registration(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-app-create")
    state = request.app[STATE]
    tenant = _tenant(state, request)
    try:
        spec = app_spec(
            body["kind"],
            partner=body.get("partner"),
            client_id=body.get("clientId"),
            client_secret=body.get("clientSecret"),
        )
    except ConfigError as exc:
        raise InvalidRequest("invalidRequest", exc.message, target="/partner") from None
    except NotFound as exc:
        raise InvalidRequest("invalidRequest", exc.message, target="/partner") from None
    if (tenant.id, spec.client_id) in state.apps:
        raise Conflict("nameAlreadyExists", f"app {spec.client_id} exists in this tenant", target="/clientId")
    app = state.register_app(tenant.id, spec)
    return json_response(request, _credentials(request, app.to_wire()), status=201, contract="sim-app-credentials")


@routes.post("/_sim/tenants/{tenantId}/devices")
@controlled
async def enroll_devices(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-device-enrollment")
    state = request.app[STATE]
    tenant = _tenant(state, request)
    now = state.clock.now()
    devices = devices_from_wire(body["devices"], now, state.random)
    tenant.enroll_all(devices)
    return json_response(request, {"value": [device_to_wire(d) for d in devices]}, status=201)


@routes.get("/_sim/tenants/{tenantId}/devices/{azureADDeviceId}/compliance")
@controlled
async def device_compliance(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    device_id = request.match_info["azureADDeviceId"]
    result = _tenant(state, request).compliance(device_id, state.clock.now())
    body = {"azureADDeviceId": device_id, **result.to_wire()}
    return json_response(request, body, contract="sim-compliance")


@routes.put("/_sim/tenants/{tenantId}/connectors/{connectorId}/condition")
@controlled
async def set_condition(request: web.Request) -> web.StreamResponse:
    body = await read_json(request, "sim-connector-condition")
    state = request.app[STATE]
    connector = _tenant(state, request).set_condition(request.match_info["connectorId"], body["condition"])
    wire = {
        "id": connector.id,
        "condition": connector.condition,
        "partnerState": partner_state(connector, state.clock.now()).value,
    }
    return json_response(request, wire)


def _tenant(state: ServiceState, request: web.Request) -> Tenant:
    tenant_id = request.match_info["tenantId"]
    tenant = state.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("itemNotFound", f"no tenant {tenant_id}")
    return tenant


def _tenant_wire(state: ServiceState, tenant: Tenant) -> dict[str, Any]:
    apps = [a.to_wire() for (tid, _), a in state.apps.items() if tid == tenant.id]
    return {"id": tenant.id, "displayName": tenant.display_name, "apps": apps, "deviceCount": len(tenant.devices)}


def _credentials(request: web.Request, app: dict[str, Any]) -> dict[str, Any]:
    wire = {k: v for k, v in app.items() if v is not None}
    wire["tokenUrl"] = str(request.url.with_path(f"/{app['tenantId']}/oauth2/v2.0/token").with_query(None))
    wire["scope"] = "https://graph.microsoft.com/.default"
    return wire


def _parse(parse: Callable[[T], R], value: T, pointer: str) -> R:
    """``parse(value)``, with a ConfigError turned into a 400 that points at the offending field."""
    try:
        return parse(value)
    except ConfigError as exc:
        raise InvalidRequest("invalidRequest", exc.message, target=pointer) from None
