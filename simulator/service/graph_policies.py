"""Graph compliance policies (``deviceManagement/deviceCompliancePolicies``) and classic CA policies."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from aiohttp import web

from simulator.domain.enums import DeviceThreatProtectionLevel
from simulator.domain.policies import CompliancePolicy
from simulator.errors import Forbidden, InvalidRequest
from simulator.query.rows import fields_from_schema, page_rows
from simulator.service.auth import require_admin
from simulator.service.http import json_response, odata_context, read_json, request_info
from simulator.service.keys import STATE
from simulator.service.odata_lists import cursor_of, next_link, project, query_options, selectable

__all__ = ["routes"]

routes = web.RouteTableDef()
VERSION = r"{version:v1\.0|beta}"
POLICIES = f"/{VERSION}/deviceManagement/deviceCompliancePolicies"
CLASSIC = "/beta/identity/conditionalAccess/classicPolicies"
_READ_ONLY_MESSAGE = (
    "Classic Conditional Access policies created for Mobile Threat Defense must not be edited, deleted or disabled. "
    "To recreate it, delete the Mobile Threat Defense connection and set it up again."
)


@routes.get(POLICIES, name="graph.compliancePolicies")
async def list_policies(request: web.Request) -> web.Response:
    """OData options over the tenant's policies (few, made by hand: each request examines all of them)."""
    tenant = require_admin(request).tenant
    schema = request_info(request).contracts.schema("compliance-policy")
    fields = fields_from_schema(schema)
    options = query_options(request, selectable=selectable(schema), sortable=fields)
    scope = f"compliancePolicies|{tenant.id}"
    found = page_rows([p.to_graph() for p in tenant.policies.values()], options,
                      cursor_of(request, options, scope), fields)  # fmt: skip
    body: dict[str, Any] = {"@odata.context": _context(request, "deviceManagement/deviceCompliancePolicies")}
    if found.count is not None:
        body["@odata.count"] = found.count
    body["value"] = [project(view, options.select) for view in found.rows]
    if found.next is not None:
        body["@odata.nextLink"] = next_link(request, options, found.next, scope)
    return json_response(request, body, contract=None if options.select else "compliance-policy-list")


@routes.post(POLICIES, name="graph.compliancePolicies.create")
async def create_policy(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    body = await read_json(request, "compliance-policy-write")
    platform = CompliancePolicy.platform_for(body.get("@odata.type", ""))
    if platform is None:
        raise InvalidRequest("invalidRequest", "@odata.type must name iosCompliancePolicy or androidCompliancePolicy",
                             target="/@odata.type")  # fmt: skip
    if "displayName" not in body:
        raise InvalidRequest("invalidRequest", "displayName is required", target="/displayName")
    now = request.app[STATE].clock.now()
    policy_id = str(uuid.UUID(int=request.app[STATE].random.getrandbits(128), version=4))
    policy = _apply(CompliancePolicy(policy_id, platform, body["displayName"], now, now), body)
    tenant.add_policy(policy)
    return _entity(request, policy, status=201)


@routes.get(f"{POLICIES}/{{policyId}}", name="graph.compliancePolicy")
async def get_policy(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    return _entity(request, tenant.policy(request.match_info["policyId"]))


@routes.patch(f"{POLICIES}/{{policyId}}", name="graph.compliancePolicy.update")
async def update_policy(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    current = tenant.policy(request.match_info["policyId"])
    body = await read_json(request, "compliance-policy-write")
    if body.get("@odata.type", current.odata_type) != current.odata_type:
        raise InvalidRequest("invalidRequest", "a policy's @odata.type cannot change", target="/@odata.type")
    now = request.app[STATE].clock.now()
    updated = _apply(dataclasses.replace(current, modified_at=now, version=current.version + 1), body)
    tenant.policies[updated.id] = updated
    return _entity(request, updated)


@routes.delete(f"{POLICIES}/{{policyId}}", name="graph.compliancePolicy.delete")
async def delete_policy(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    del tenant.policies[tenant.policy(request.match_info["policyId"]).id]
    return web.Response(status=204)


@routes.get(CLASSIC, name="graph.classicPolicies")
async def list_classic(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    body = {"@odata.context": odata_context("beta", "identity/conditionalAccess/classicPolicies"),
            "value": [p.to_graph() for p in tenant.classic_policies.values()]}  # fmt: skip
    return json_response(request, body, contract="classic-policy-list")


@routes.get(f"{CLASSIC}/{{policyId}}", name="graph.classicPolicy")
async def get_classic(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    policy = tenant.classic_policy(request.match_info["policyId"])
    body = {"@odata.context": odata_context("beta", "identity/conditionalAccess/classicPolicies/$entity"),
            **policy.to_graph()}  # fmt: skip
    return json_response(request, body, contract="classic-policy")


@routes.patch(f"{CLASSIC}/{{policyId}}", name="graph.classicPolicy.update")
@routes.delete(f"{CLASSIC}/{{policyId}}", name="graph.classicPolicy.delete")
async def refuse_classic_change(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    tenant.classic_policy(request.match_info["policyId"])
    raise Forbidden("classicPolicyReadOnly", _READ_ONLY_MESSAGE)


def _apply(policy: CompliancePolicy, body: dict[str, Any]) -> CompliancePolicy:
    changes: dict[str, Any] = {}
    if "displayName" in body:
        changes["display_name"] = body["displayName"]
    if "description" in body:
        changes["description"] = body["description"] or ""
    if "deviceThreatProtectionEnabled" in body:
        changes["threat_protection_enabled"] = body["deviceThreatProtectionEnabled"]
    if "deviceThreatProtectionRequiredSecurityLevel" in body:
        changes["required_level"] = DeviceThreatProtectionLevel(body["deviceThreatProtectionRequiredSecurityLevel"])
    return dataclasses.replace(policy, **changes)


def _entity(request: web.Request, policy: CompliancePolicy, status: int = 200) -> web.Response:
    body = {"@odata.context": _context(request, "deviceManagement/deviceCompliancePolicies/$entity"),
            **policy.to_graph()}  # fmt: skip
    return json_response(request, body, status=status, contract="compliance-policy")


def _context(request: web.Request, fragment: str) -> str:
    return odata_context(request.match_info["version"], fragment)
