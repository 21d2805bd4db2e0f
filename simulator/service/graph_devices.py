"""Graph ``deviceManagement/managedDevices``: what Intune shows about each device, compliance included."""

from __future__ import annotations

from typing import Any, Literal, cast

from aiohttp import web

from simulator.domain.devices import EnrolledDevice
from simulator.domain.tenant import Tenant
from simulator.errors import NotFound
from simulator.service.auth import require_admin
from simulator.service.device_view import managed_device_view
from simulator.service.http import graph_response, odata_context, odata_page
from simulator.service.keys import STATE
from simulator.service.odata import parse_eq_filter

__all__ = ["managed_device_view", "routes"]

routes = web.RouteTableDef()
VERSION = r"{version:v1\.0|beta}"
FILTERABLE = ("azureADDeviceId", "operatingSystem", "complianceState", "userPrincipalName",
              "deviceRegistrationState", "managedDeviceOwnerType", "partnerReportedThreatState")  # fmt: skip


@routes.get(f"/{VERSION}/deviceManagement/managedDevices", name="graph.managedDevices")
async def list_devices(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    now = request.app[STATE].clock.now()
    wanted = parse_eq_filter(request.query.get("$filter"), FILTERABLE)
    candidates = _candidates(tenant, wanted.get("azureADDeviceId"))
    api = _api(request)
    views = [view for d in candidates if _matches(view := managed_device_view(tenant, d, now, api), wanted)]
    page, next_link = odata_page(request, views)
    version = request.match_info["version"]
    body: dict[str, Any] = {"@odata.context": odata_context(version, "deviceManagement/managedDevices"),
                            "value": list(page)}  # fmt: skip
    if next_link:
        body["@odata.nextLink"] = next_link
    return graph_response(request, body, contract="managed-device-list")


@routes.get(f"/{VERSION}/deviceManagement/managedDevices/{{managedDeviceId}}", name="graph.managedDevice")
async def get_device(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    device_id = request.match_info["managedDeviceId"]
    device = tenant.devices_by_id.get(device_id)
    if device is None:
        raise NotFound("itemNotFound", f"managedDevice {device_id!r} was not found in this tenant")
    version = request.match_info["version"]
    body = {"@odata.context": odata_context(version, "deviceManagement/managedDevices/$entity"),
            "@odata.type": "#microsoft.graph.managedDevice",
            **managed_device_view(tenant, device, request.app[STATE].clock.now(), _api(request))}  # fmt: skip
    return graph_response(request, body, contract="managed-device")


def _candidates(tenant: Tenant, azure_ad_device_id: str | None) -> list[EnrolledDevice]:
    # An azureADDeviceId filter is the partners' join key and the common case: look it up instead of scanning.
    if azure_ad_device_id is None:
        return list(tenant.devices.values())
    found = tenant.devices.get(azure_ad_device_id)
    return [found] if found else []


def _api(request: web.Request) -> Literal["v1.0", "beta"]:
    return cast(Literal["v1.0", "beta"], request.match_info["version"])


def _matches(view: dict[str, Any], wanted: dict[str, str]) -> bool:
    # Graph compares strings in $filter eq without regard to case.
    return all(str(view[name]).lower() == value.lower() for name, value in wanted.items())
