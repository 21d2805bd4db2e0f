"""Graph ``deviceManagement/managedDevices``: what Intune shows about each device, compliance included."""

from __future__ import annotations

from typing import Any, Literal, cast

from aiohttp import web

from simulator.contracts import ContractSet
from simulator.errors import NotFound
from simulator.query.devices import find_devices
from simulator.service.auth import require_admin
from simulator.service.device_fields import CLASS_FIELDS, FIELDS
from simulator.service.device_view import managed_device_view
from simulator.service.http import graph_response, odata_context, request_info
from simulator.service.keys import STATE
from simulator.service.odata_lists import cursor_of, next_link, project, query_options, selectable

__all__ = ["managed_device_view", "routes"]

routes = web.RouteTableDef()
VERSION = r"{version:v1\.0|beta}"


@routes.get(f"/{VERSION}/deviceManagement/managedDevices", name="graph.managedDevices")
async def list_devices(request: web.Request) -> web.Response:
    """O(page): keyset paging, indexes and bounded scans (simulator/query/devices.py); compliance only for the page.

    ``ConsistencyLevel: eventual`` is accepted and not required: Graph needs it for advanced queries on Entra
    directory objects, and managedDevices is an Intune collection (docs/decisions.md).
    """
    tenant = require_admin(request).tenant
    info = request_info(request)
    options = query_options(request, selectable=_selectable(info.contracts), sortable=FIELDS)
    scope = f"managedDevices|{tenant.id}"
    now = info.state.clock.now()
    found = find_devices(tenant, options, cursor_of(request, options, scope), now, FIELDS, CLASS_FIELDS)
    version = request.match_info["version"]
    body: dict[str, Any] = {"@odata.context": odata_context(version, "deviceManagement/managedDevices")}
    if found.count is not None:
        body["@odata.count"] = found.count
    body["value"] = [project(managed_device_view(tenant, d, now, _api(request)), options.select) for d in found.devices]
    if found.next is not None:
        body["@odata.nextLink"] = next_link(request, options, found.next, scope)
    # A $select answer is a projection: the list contract's required properties need not be there.
    return graph_response(request, body, contract=None if options.select else "managed-device-list")


@routes.get(f"/{VERSION}/deviceManagement/managedDevices/{{managedDeviceId}}", name="graph.managedDevice")
async def get_device(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    device_id = request.match_info["managedDeviceId"]
    device = tenant.devices_by_id.get(device_id)
    if device is None:
        raise NotFound("itemNotFound", f"managedDevice {device_id!r} was not found in this tenant")
    version = request.match_info["version"]
    info = request_info(request)
    select = query_options(request, selectable=_selectable(info.contracts), sortable=()).select
    body = {"@odata.context": odata_context(version, "deviceManagement/managedDevices/$entity"),
            "@odata.type": "#microsoft.graph.managedDevice",
            **project(managed_device_view(tenant, device, request.app[STATE].clock.now(), _api(request)),
                      select)}  # fmt: skip
    return graph_response(request, body, contract=None if select else "managed-device")


def _api(request: web.Request) -> Literal["v1.0", "beta"]:
    return cast(Literal["v1.0", "beta"], request.match_info["version"])


def _selectable(contracts: ContractSet) -> frozenset[str]:
    return selectable(contracts.schema("managed-device"))
