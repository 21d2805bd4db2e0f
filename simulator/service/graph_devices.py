"""Graph ``deviceManagement/managedDevices``: what Intune shows about each device, compliance included."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from simulator.contracts import ContractSet
from simulator.domain.clock import format_datetime
from simulator.domain.devices import EnrolledDevice
from simulator.domain.tenant import Tenant
from simulator.errors import NotFound
from simulator.query.devices import find_devices
from simulator.service.auth import require_admin
from simulator.service.device_fields import CLASS_FIELDS, FIELDS
from simulator.service.http import json_response, odata_context, request_info
from simulator.service.keys import STATE
from simulator.service.odata_lists import cursor_of, next_link, project, query_options, selectable

__all__ = ["managed_device_view", "routes"]

routes = web.RouteTableDef()
VERSION = r"{version:v1\.0|beta}"


def managed_device_view(tenant: Tenant, device: EnrolledDevice, now: datetime) -> dict[str, Any]:
    newest = tenant.newest_report(device.azure_ad_device_id)
    last_sync = newest.received_at if newest else device.enrolled_at
    return {
        "id": device.id,
        "deviceName": device.device_name,
        "managedDeviceOwnerType": device.owner_type.value,
        "enrolledDateTime": format_datetime(device.enrolled_at),
        "lastSyncDateTime": format_datetime(last_sync),
        "operatingSystem": device.platform.graph_operating_system,
        "complianceState": tenant.compliance(device.azure_ad_device_id, now).state.value,
        "jailBroken": "Unknown",
        "managementAgent": "mdm",
        "osVersion": device.os_version,
        "azureADRegistered": device.registered,
        "deviceRegistrationState": device.registration_state.value,
        "emailAddress": device.user_principal_name,
        "azureADDeviceId": device.azure_ad_device_id,
        "model": device.model,
        "manufacturer": device.manufacturer,
        "userPrincipalName": device.user_principal_name,
        "partnerReportedThreatState": newest.threat_state.value if newest else "unknown",
    }


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
    body["value"] = [project(managed_device_view(tenant, d, now), options.select) for d in found.devices]
    if found.next is not None:
        body["@odata.nextLink"] = next_link(request, options, found.next, scope)
    # A $select answer is a projection: the list contract's required properties need not be there.
    return json_response(request, body, contract=None if options.select else "managed-device-list")


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
            **project(managed_device_view(tenant, device, request.app[STATE].clock.now()), select)}  # fmt: skip
    return json_response(request, body, contract=None if select else "managed-device")


def _selectable(contracts: ContractSet) -> frozenset[str]:
    return selectable(contracts.schema("managed-device"))
