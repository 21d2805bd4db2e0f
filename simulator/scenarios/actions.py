"""What each step action sends. Every action returns the Exchange its expectations are checked against (``check``
sends nothing and returns None)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from simulator.scenarios.context import ADMIN, RunContext
from simulator.scenarios.exchange import Exchange
from simulator.scenarios.loader import devices as device_specs
from simulator.scenarios.model import PolicySpec
from simulator.scenarios.setup import enrollment, policy_body, register_partner

__all__ = ["ACTION_HANDLERS"]

Handler = Callable[[RunContext, Any], Awaitable[Exchange | None]]
CONNECTORS = "deviceManagement/mobileThreatDefenseConnectors"


def _split(ctx: RunContext, args: Any) -> tuple[str, dict[str, Any]]:
    """(partner, the other arguments) for actions that take ``partner`` or a bare partner key."""
    if isinstance(args, str):
        return args, {}
    rest = dict(args or {})
    return ctx.partner(rest.pop("partner", None)), rest


async def heartbeat(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    return await ctx.call("POST", "/partner/v1/heartbeat", auth=partner, body=rest.get("body"))


async def connector(ctx: RunContext, args: Any) -> Exchange:
    partner, _ = _split(ctx, args)
    return await ctx.call("GET", "/partner/v1/connector", auth=partner)


async def list_devices(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    names = {"platform": "platform", "top": "$top", "skiptoken": "$skiptoken"}
    query = {names[k]: str(v) for k, v in rest.items() if k in names}
    suffix = f"?{urlencode(query)}" if query else ""
    return await ctx.call("GET", f"/partner/v1/devices{suffix}", auth=partner)


def _report(ctx: RunContext, item: Mapping[str, Any]) -> dict[str, Any]:
    """A wire report: the named device supplies id, platform and osVersion; anything given overrides."""
    report: dict[str, Any] = {}
    if "device" in item:
        spec, aad = ctx.devices[item["device"]]
        report = {"azureADDeviceId": aad, "platform": spec.platform, "osVersion": spec.os_version}
    report.update({k: v for k, v in item.items() if k != "device"})
    report.setdefault("threatState", "secured")
    report.setdefault("reportedDateTime", ctx.builtin_variables()["now"])
    return report


async def report(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    if "body" in rest:
        body = rest["body"]
    else:
        items = rest.pop("reports", None) or [rest]
        body = {"reports": [_report(ctx, item) for item in items]}
    return await ctx.call("POST", "/partner/v1/deviceThreatReports", auth=partner, body=body)


async def app_sync(ctx: RunContext, args: Any) -> Exchange:
    if isinstance(args, str):
        args = {"device": args}
    partner, rest = _split(ctx, args)
    aad = rest.get("azureADDeviceId") or ctx.device_id(rest["device"])
    return await ctx.call("GET", f"/partner/v1/devices/{aad}/apps", auth=partner)


async def enroll(ctx: RunContext, args: Any) -> Exchange:
    body = enrollment(ctx, device_specs(args))
    return await ctx.call("POST", f"/_sim/tenants/{ctx.tenant_id}/devices", auth="control", body=body)


async def advance(ctx: RunContext, args: Any) -> Exchange:
    exchange = await ctx.call("POST", "/_sim/clock/advance", auth="control", body={"by": args})
    ctx.clock_moved(exchange.response_body)
    return exchange


async def set_clock(ctx: RunContext, args: Any) -> Exchange:
    exchange = await ctx.call("PUT", "/_sim/clock", auth="control", body={"now": args})
    ctx.clock_moved(exchange.response_body)
    return exchange


def _connector_path(ctx: RunContext, rest: dict[str, Any], partner: str | None = None) -> str:
    api = rest.pop("api", "beta")
    suffix = f"/{ctx.connector_id(partner)}" if partner else ""
    return f"/{api}/{CONNECTORS}{suffix}"


async def create_connector(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    await register_partner(ctx, partner)
    path = _connector_path(ctx, rest)
    exchange = await ctx.call("POST", path, auth=ADMIN, body={"id": ctx.connector_id(partner), **rest})
    if exchange.status == 201 and isinstance(exchange.response_body, dict):
        ctx.connector_ids[partner] = exchange.response_body["id"]
    return exchange


async def patch_connector(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    return await ctx.call("PATCH", _connector_path(ctx, rest, partner), auth=ADMIN, body=rest)


async def delete_connector(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    return await ctx.call("DELETE", _connector_path(ctx, rest, partner), auth=ADMIN)


async def condition(ctx: RunContext, args: Any) -> Exchange:
    partner, rest = _split(ctx, args)
    path = f"/_sim/tenants/{ctx.tenant_id}/connectors/{ctx.connector_id(partner)}/condition"
    return await ctx.call("PUT", path, auth="control", body={"condition": rest["condition"]})


async def policy(ctx: RunContext, args: Any) -> Exchange:
    spec = PolicySpec(args["platform"], args["level"], args.get("enabled", True))
    path = "/beta/deviceManagement/deviceCompliancePolicies"
    return await ctx.call("POST", path, auth=ADMIN, body=policy_body(spec))


async def fault(ctx: RunContext, args: Any) -> Exchange:
    return await ctx.call("POST", "/_sim/faults", auth="control", body=args)


async def clear_faults(ctx: RunContext, args: Any) -> Exchange:
    return await ctx.call("DELETE", "/_sim/faults", auth="control")


async def token(ctx: RunContext, args: Any) -> Exchange:
    rest = dict(args or {})
    app = ADMIN if rest.pop("admin", False) else ctx.partner(rest.pop("partner", None))
    return await ctx.fetch_token(app, **{k: str(v) for k, v in rest.items()})


async def request(ctx: RunContext, args: Any) -> Exchange:
    headers = {str(k): str(v) for k, v in (args.get("headers") or {}).items()}
    auth = str(args.get("auth", "none"))
    if "bearer" in args:
        headers["Authorization"] = f"Bearer {args['bearer']}"
    elif auth == "control":
        headers["X-Mtdsim-Control-Key"] = ctx.control_key
    elif auth == ADMIN:
        headers["Authorization"] = f"Bearer {await ctx.token(ADMIN)}"
    elif auth.startswith("partner"):
        partner = ctx.partner(auth.partition(":")[2] or None)
        headers["Authorization"] = f"Bearer {await ctx.token(partner)}"
    if "contentType" in args:
        headers["Content-Type"] = str(args["contentType"])
    if "body" in args:
        return await ctx.request(args["method"], args["path"], headers=headers, text=str(args["body"]))
    return await ctx.request(args["method"], args["path"], headers=headers, json_body=args.get("json"))


async def check(ctx: RunContext, args: Any) -> None:
    return None


ACTION_HANDLERS: Mapping[str, Handler] = {
    "heartbeat": heartbeat,
    "connector": connector,
    "devices": list_devices,
    "report": report,
    "app_sync": app_sync,
    "enroll": enroll,
    "advance": advance,
    "set_clock": set_clock,
    "create_connector": create_connector,
    "patch_connector": patch_connector,
    "delete_connector": delete_connector,
    "condition": condition,
    "policy": policy,
    "fault": fault,
    "clear_faults": clear_faults,
    "token": token,
    "request": request,
    "check": check,
}
