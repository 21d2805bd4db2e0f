"""Build a scenario's ``given`` on the target: reset, clock, tenant, apps, connectors, policies, devices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simulator.domain.clock import parse_datetime
from simulator.scenarios.context import ADMIN, Credentials, RunContext, TenantRun
from simulator.scenarios.model import ConnectorSpec, DeviceSpec, PolicySpec, Scenario, TenantGiven

__all__ = ["apply_given", "create_connector", "enroll", "enrollment", "policy_body", "register_partner"]


async def apply_given(ctx: RunContext, scenario: Scenario, *, reset: bool = True) -> None:
    given = scenario.given
    if reset:
        await ctx.control("POST", "/_sim/reset", expect=(200, 204))
    ctx.now = parse_datetime(given.clock)
    # Frozen, so exact virtual times hold on a ticking `mtdsim serve` target too.
    ctx.clock_moved(await ctx.control("PUT", "/_sim/clock", {"now": given.clock, "ticking": False}))
    label = f"tenant:{scenario.path.name}:{scenario.name}"
    for index, tenant in enumerate(given.tenants):
        # The first tenant keeps the single-tenant label, so its ids do not change when a second one is added.
        tenant_id = ctx.new_id(label if index == 0 else f"{label}:{tenant.name}")
        ctx.tenants[tenant.name] = TenantRun(tenant.name, tenant_id)
    for tenant in given.tenants:
        ctx.act_in(tenant.name)
        await _tenant(ctx, tenant)
    ctx.act_in(None)


async def _tenant(ctx: RunContext, given: TenantGiven) -> None:
    await ctx.control("POST", "/_sim/tenants", {"id": ctx.tenant_id, "displayName": given.display_name},
                      expect=(200, 201))  # fmt: skip
    admin = await ctx.control("POST", f"/_sim/tenants/{ctx.tenant_id}/apps", _app(ctx, "admin"), expect=(200, 201))
    ctx.apps[ADMIN] = Credentials(admin["clientId"], admin["clientSecret"])
    for partner in given.partner_keys:
        await register_partner(ctx, partner)
    if len(set(given.partner_keys)) == 1:
        ctx.active.default_partner = given.partner_keys[0]
    for connector in given.connectors:
        await _connector(ctx, connector)
    for policy in given.policies:
        await ctx.as_app(ADMIN, "POST", "/beta/deviceManagement/deviceCompliancePolicies", policy_body(policy), 201)
    await enroll(ctx, given.devices)


async def register_partner(ctx: RunContext, partner: str) -> None:
    if partner in ctx.apps:
        return
    body = {**_app(ctx, "partner"), "partner": partner}
    app = await ctx.control("POST", f"/_sim/tenants/{ctx.tenant_id}/apps", body, expect=(200, 201))
    ctx.apps[partner] = Credentials(app["clientId"], app["clientSecret"])
    if app.get("connectorId"):
        ctx.connector_ids[partner] = app["connectorId"]


def _app(ctx: RunContext, kind: str) -> dict[str, str]:
    """Credentials derived from the seed, so a run replays with the same client ids (and tokens' appid)."""
    label = f"app:{ctx.tenant_id}:{kind}:{len(ctx.apps)}"
    return {"kind": kind, "clientId": ctx.new_id(label), "clientSecret": f"secret-{ctx.new_id(label + ':secret')}"}


async def _connector(ctx: RunContext, spec: ConnectorSpec) -> None:
    await create_connector(ctx, spec.partner, dict(spec.settings))
    if spec.heartbeat:
        await ctx.as_app(spec.partner, "POST", "/partner/v1/heartbeat")
    if spec.condition is not None:
        path = f"/_sim/tenants/{ctx.tenant_id}/connectors/{ctx.connector_id(spec.partner)}/condition"
        await ctx.control("PUT", path, {"condition": spec.condition}, expect=(200, 204))


async def create_connector(ctx: RunContext, partner: str, settings: dict[str, Any]) -> None:
    body = {"id": ctx.connector_id(partner), **settings}
    created = await ctx.as_app(ADMIN, "POST", "/beta/deviceManagement/mobileThreatDefenseConnectors", body, 201)
    ctx.connector_ids[partner] = created["id"]


def policy_body(policy: PolicySpec) -> dict[str, Any]:
    kind = "androidCompliancePolicy" if policy.platform == "android" else "iosCompliancePolicy"
    return {
        "@odata.type": f"#microsoft.graph.{kind}",
        "displayName": f"MTD {policy.platform} {policy.level}",
        "deviceThreatProtectionEnabled": policy.enabled,
        "deviceThreatProtectionRequiredSecurityLevel": policy.level,
    }


def enrollment(ctx: RunContext, devices: Iterable[DeviceSpec]) -> dict[str, Any]:
    """The enroll body for ``devices``; each gets its seeded azureADDeviceId, remembered by name."""
    wire = []
    for device in devices:
        aad = device.azure_ad_device_id or ctx.new_id(f"device:{device.name}")
        ctx.devices[device.name] = (device, aad)
        ctx.device_tenants[device.name] = ctx.tenant_id
        wire.append(_device_wire(device, aad))
    return {"devices": wire}


async def enroll(ctx: RunContext, devices: Iterable[DeviceSpec]) -> None:
    body = enrollment(ctx, devices)
    if body["devices"]:
        await ctx.control("POST", f"/_sim/tenants/{ctx.tenant_id}/devices", body, expect=(200, 201))


def _device_wire(device: DeviceSpec, aad: str) -> dict[str, Any]:
    """The control API's enroll shape (simulator/service/devices.py)."""
    wire: dict[str, Any] = {
        "azureADDeviceId": aad,
        "platform": device.platform,
        "osVersion": device.os_version,
        "ownerType": device.ownership,
        "deviceRegistrationState": "registered" if device.registered else "notRegistered",
        "userPrincipalName": device.user or f"{device.name}@contoso.example",
        "deviceName": device.name,
    }
    if device.apps:
        wire["installedApps"] = [
            {"bundleId": a.bundle_id, "name": a.name or a.bundle_id, "version": a.version or "1.0",
             "isManaged": a.managed}
            for a in device.apps
        ]
    return wire
