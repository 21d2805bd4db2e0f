"""Graph compliance policies (``deviceManagement/deviceCompliancePolicies``) and classic CA policies."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Literal, cast

from aiohttp import web

from simulator.domain.assignments import assignments_from_graph
from simulator.domain.policies import CompliancePolicy, apply_policy_patch
from simulator.errors import Forbidden, InvalidRequest
from simulator.query.rows import fields_from_schema, page_rows
from simulator.service.auth import require_admin
from simulator.service.http import graph_response, odata_context, read_json, request_info
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
    found = page_rows([p.to_graph(_api(request)) for p in tenant.policies.values()], options,
                      cursor_of(request, options, scope), fields)  # fmt: skip
    body: dict[str, Any] = {"@odata.context": _context(request, "deviceManagement/deviceCompliancePolicies")}
    if found.count is not None:
        body["@odata.count"] = found.count
    body["value"] = [project(view, options.select) for view in found.rows]
    if found.next is not None:
        body["@odata.nextLink"] = next_link(request, options, found.next, scope)
    return graph_response(request, body, contract=None if options.select else "compliance-policy-list")


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
    policy = apply_policy_patch(CompliancePolicy(policy_id, platform, body["displayName"], now, now), body)
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
    updated = apply_policy_patch(dataclasses.replace(current, modified_at=now, version=current.version + 1), body)
    tenant.policies[updated.id] = updated
    return _entity(request, updated)


@routes.delete(f"{POLICIES}/{{policyId}}", name="graph.compliancePolicy.delete")
async def delete_policy(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    del tenant.policies[tenant.policy(request.match_info["policyId"]).id]
    return web.Response(status=204)


@routes.post(f"{POLICIES}/{{policyId}}/assign", name="graph.compliancePolicy.assign")
async def assign_policy(request: web.Request) -> web.Response:
    """Graph's assign action: the body's assignments replace the policy's; 200 with the new collection."""
    tenant = require_admin(request).tenant
    current = tenant.policy(request.match_info["policyId"])
    body = await read_json(request, "compliance-policy-assign")
    updated = dataclasses.replace(current, assignments=assignments_from_graph(current.id, body["assignments"]))
    tenant.policies[updated.id] = updated
    fragment = "Collection(microsoft.graph.deviceCompliancePolicyAssignment)"
    return _assignments(request, updated, fragment)


@routes.get(f"{POLICIES}/{{policyId}}/assignments", name="graph.compliancePolicy.assignments")
async def list_assignments(request: web.Request) -> web.Response:
    policy = require_admin(request).tenant.policy(request.match_info["policyId"])
    return _assignments(request, policy, f"deviceManagement/deviceCompliancePolicies('{policy.id}')/assignments")


def _assignments(request: web.Request, policy: CompliancePolicy, fragment: str) -> web.Response:
    body = {"@odata.context": _context(request, fragment),
            "value": [a.to_graph(_api(request)) for a in policy.assignments]}  # fmt: skip
    return graph_response(request, body, contract="compliance-policy-assignment-list")


@routes.get(CLASSIC, name="graph.classicPolicies")
async def list_classic(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    body = {"@odata.context": odata_context("beta", "identity/conditionalAccess/classicPolicies"),
            "value": [p.to_graph() for p in tenant.classic_policies.values()]}  # fmt: skip
    return graph_response(request, body, contract="classic-policy-list")


@routes.get(f"{CLASSIC}/{{policyId}}", name="graph.classicPolicy")
async def get_classic(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    policy = tenant.classic_policy(request.match_info["policyId"])
    body = {"@odata.context": odata_context("beta", "identity/conditionalAccess/classicPolicies/$entity"),
            **policy.to_graph()}  # fmt: skip
    return graph_response(request, body, contract="classic-policy")


@routes.patch(f"{CLASSIC}/{{policyId}}", name="graph.classicPolicy.update")
@routes.delete(f"{CLASSIC}/{{policyId}}", name="graph.classicPolicy.delete")
async def refuse_classic_change(request: web.Request) -> web.Response:
    tenant = require_admin(request).tenant
    tenant.classic_policy(request.match_info["policyId"])
    raise Forbidden("classicPolicyReadOnly", _READ_ONLY_MESSAGE)


def _entity(request: web.Request, policy: CompliancePolicy, status: int = 200) -> web.Response:
    body = {"@odata.context": _context(request, "deviceManagement/deviceCompliancePolicies/$entity"),
            **policy.to_graph(_api(request))}  # fmt: skip
    return graph_response(request, body, status=status, contract="compliance-policy")


def _context(request: web.Request, fragment: str) -> str:
    return odata_context(request.match_info["version"], fragment)


def _api(request: web.Request) -> Literal["v1.0", "beta"]:
    return cast(Literal["v1.0", "beta"], request.match_info["version"])
