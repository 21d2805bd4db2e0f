"""Control API, inventory half: device counts for the dashboard and ``$count``, and unenrolling a device."""

from __future__ import annotations

from aiohttp import web

from simulator.domain.clock import format_datetime
from simulator.service.control import _tenant, controlled
from simulator.service.http import json_response, request_info

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/_sim/tenants/{tenantId}/counts")
@controlled
async def device_counts(request: web.Request) -> web.StreamResponse:
    """Devices by compliance state, platform and connector rule, at the virtual now: O(classes x connectors)."""
    state = request_info(request).state
    now = state.clock.now()
    counts = _tenant(state, request).compliance_counts(now)
    body = {"at": format_datetime(now), "total": counts.total, "byComplianceState": counts.by_state,
            "byPlatform": counts.by_platform, "byConnector": counts.by_connector,
            "classes": counts.classes}  # fmt: skip
    return json_response(request, body, contract="sim-device-counts")


@routes.delete("/_sim/tenants/{tenantId}/devices/{azureADDeviceId}")
@controlled
async def remove_device(request: web.Request) -> web.StreamResponse:
    """Unenroll: the device and its reports go; open ``$skiptoken`` cursors stay correct."""
    _tenant(request_info(request).state, request).remove(request.match_info["azureADDeviceId"])
    return web.Response(status=204)
