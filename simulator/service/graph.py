"""Graph admin routes under ``/v1.0`` and ``/beta`` (DESIGN 3.3), with Graph's names, shapes and statuses.

This module serves ``mobileThreatDefenseConnectors``; managed devices and policies live in their own modules and
``routes`` gathers all of them for the app factory.
"""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web

from simulator.domain.connector import ApiVersion, Connector, connector_to_graph
from simulator.errors import InvalidRequest
from simulator.service import graph_devices, graph_policies
from simulator.service.auth import AdminCaller, require_admin
from simulator.service.http import graph_response, odata_context, read_json
from simulator.service.keys import STATE
from simulator.service.prefer import prefers_unknown_enum_members

__all__ = ["routes"]

_connectors = web.RouteTableDef()
CONNECTORS = r"/{version:v1\.0|beta}/deviceManagement/mobileThreatDefenseConnectors"
_FRAGMENT = "deviceManagement/mobileThreatDefenseConnectors"


@_connectors.get(CONNECTORS, name="graph.connectors")
async def list_connectors(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    api = _api(request)
    now = request.app[STATE].clock.now()
    # Graph's list items carry no @odata.type (seen in a live capture); single entities do.
    unknown = prefers_unknown_enum_members(request)
    items = [_without_type(connector_to_graph(c, now, api, unknown)) for c in tenant.connectors.values()]
    body = {"@odata.context": odata_context(api, _FRAGMENT), "value": items}
    return graph_response(request, body, contract=f"mtd-connector-list-{api}")


@_connectors.post(CONNECTORS, name="graph.connectors.create")
async def create_connector(request: web.Request) -> web.Response:
    caller = require_admin(request)
    api = _api(request)
    body = await read_json(request, f"mtd-connector-write-{api}")
    connector_id = body.get("id") or _default_connector_id(request, caller)
    connector = caller.tenant.create_connector(connector_id, body, request.app[STATE].clock.now(), api)
    return _entity(request, connector, status=201)


@_connectors.get(f"{CONNECTORS}/{{connectorId}}", name="graph.connector")
async def get_connector(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    return _entity(request, tenant.connector(request.match_info["connectorId"]))


@_connectors.patch(f"{CONNECTORS}/{{connectorId}}", name="graph.connector.update")
async def update_connector(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    connector_id = request.match_info["connectorId"]
    tenant.connector(connector_id)  # 404 before 400: an unknown id is the more useful answer
    body = await read_json(request, f"mtd-connector-write-{_api(request)}")
    if body.get("id", connector_id) != connector_id:
        raise InvalidRequest("invalidRequest", f"the body's id {body['id']!r} is not the URL's {connector_id!r}",
                             target="/id")  # fmt: skip
    connector = tenant.update_connector(connector_id, body, request.app[STATE].clock.now(), _api(request))
    return _entity(request, connector)


@_connectors.delete(f"{CONNECTORS}/{{connectorId}}", name="graph.connector.delete")
async def delete_connector(request: web.Request) -> web.Response:
    require_admin(request).tenant.delete_connector(request.match_info["connectorId"])
    return web.Response(status=204)


def _entity(request: web.Request, connector: Connector, status: int = 200) -> web.Response:
    api = _api(request)
    body = {"@odata.context": odata_context(api, f"{_FRAGMENT}/$entity"),
            **connector_to_graph(connector, request.app[STATE].clock.now(), api,
                                 prefers_unknown_enum_members(request))}  # fmt: skip
    return graph_response(request, body, status=status, contract=f"mtd-connector-{api}")


def _default_connector_id(request: web.Request, caller: AdminCaller) -> str:
    """Without an id, the admin means the partner whose app is registered in the tenant (the "Add" drop-down)."""
    apps = request.app[STATE].apps.values()
    ids = sorted({a.connector_id for a in apps if a.tenant_id == caller.tenant.id and a.connector_id})
    if len(ids) != 1:
        raise InvalidRequest("invalidRequest", "id is required: name the partner's connector id", target="/id")
    return ids[0]


def _api(request: web.Request) -> ApiVersion:
    return cast(ApiVersion, request.match_info["version"])


def _without_type(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("@odata.type", None)
    return body


routes: list[web.AbstractRouteDef] = [*_connectors, *graph_devices.routes, *graph_policies.routes]
