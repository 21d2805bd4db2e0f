"""``GET /_sim/dashboard``: one read-only HTML page of the mock's world, for a person watching a run.

Per tenant: each connector's connection status and toggles (Intune's Mobile Threat Defense pane), each device's
compliance with the reason of every rule, then the newest violations. Browsers cannot send the control-key header,
so the page also takes it as ``?key=`` (the mock is a localhost test tool; do not expose it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from html import escape

from aiohttp import web

from simulator.domain.clock import format_datetime
from simulator.domain.connector import partner_state
from simulator.domain.tenant import Tenant
from simulator.errors import Unauthorized
from simulator.service.keys import STATE
from simulator.service.state import ServiceState

__all__ = ["routes"]

routes = web.RouteTableDef()
MAX_DEVICES = 200
MAX_VIOLATIONS = 25
_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
    ".noncompliant{color:#b00020}.compliant{color:#1b5e20}small{color:#555}"
)


@routes.get("/_sim/dashboard", name="control.dashboard")
async def dashboard(request: web.Request) -> web.Response:
    state = request.app[STATE]
    given = request.headers.get("X-Mtdsim-Control-Key") or request.query.get("key", "")
    if not secrets.compare_digest(given.encode(), state.settings.control_key.encode()):
        raise Unauthorized("unauthenticated", "The dashboard needs the control key (header or ?key=).")
    return web.Response(text=render(state), content_type="text/html")


def render(state: ServiceState) -> str:
    now = state.clock.now()
    parts = [f"<!doctype html><title>mtdsim</title><style>{_STYLE}</style>",
             f"<h1>mtdsim</h1><p>Virtual time {format_datetime(now)} &middot; {state.journal.total} requests "
             f"&middot; {state.violations.total} violations</p>"]  # fmt: skip
    for tenant in state.tenants.values():
        parts += [f"<h2>{escape(tenant.display_name)} <small>{escape(tenant.id)}</small></h2>",
                  _connectors(tenant, state), _devices(tenant, state)]  # fmt: skip
    parts.append(_violations(state))
    return "".join(parts)


def _table(headings: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _connectors(tenant: Tenant, state: ServiceState) -> str:
    now = state.clock.now()
    rows = []
    for connector in tenant.connectors.values():
        partner = tenant.partners.get(connector.id)
        toggles = [name for name in ("android_enabled", "ios_enabled", "allow_ios_app_metadata",
                                     "unsupported_os_blocked") if getattr(connector, name)]  # fmt: skip
        seen = format_datetime(connector.last_heartbeat) if connector.last_heartbeat else "never"
        rows.append([escape(partner.display_name if partner else connector.id), partner_state(connector, now).value,
                     seen, escape(", ".join(toggles) or "none"), str(connector.unresponsive_days)])  # fmt: skip
    return _table(["connector", "connection status", "last synchronized", "on", "days until unresponsive"], rows)


def _devices(tenant: Tenant, state: ServiceState) -> str:
    now = state.clock.now()
    rows = []
    for device in list(tenant.devices.values())[:MAX_DEVICES]:
        result = tenant.compliance(device.azure_ad_device_id, now)
        reasons = "<br>".join(f"{escape(r.rule)}: {escape(r.detail)}" for r in result.reasons)
        newest = tenant.newest_report(device.azure_ad_device_id)
        rows.append([escape(device.azure_ad_device_id), f"{device.platform.value} {escape(device.os_version)}",
                     device.owner_type.value, device.registration_state.value,
                     newest.threat_state.value if newest else "no report",
                     f'<span class="{result.state.value}">{result.state.value}</span>', reasons])  # fmt: skip
    more = len(tenant.devices) - MAX_DEVICES
    note = f"<p><small>{more} more devices not shown</small></p>" if more > 0 else ""
    headings = ["azureADDeviceId", "OS", "owner", "registration", "partner says", "compliance", "why"]
    return _table(headings, rows) + note


def _violations(state: ServiceState) -> str:
    newest = list(state.violations)[-MAX_VIOLATIONS:][::-1]
    rows = [[escape(v.time), escape(v.code), escape(v.route), escape(v.pointer or ""), escape(v.message)]
            for v in newest]  # fmt: skip
    return "<h2>Newest violations</h2>" + _table(["time", "code", "route", "pointer", "message"], rows)
