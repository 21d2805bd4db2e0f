"""The dashboard's routes: the page (``/_sim/dashboard``), its sign-in, its static files, and the JSON behind every
view (``/_sim/views/...``, documented in contracts/openapi.yaml). The work is in ``simulator.dashboard``.

Browsers cannot send the control-key header, so the key is entered once in a form that sets an HttpOnly,
SameSite=Strict cookie; ``?key=`` keeps working for scripts (and sets the cookie too). The mock is a localhost test
tool; do not expose it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import datetime
from importlib import resources

from aiohttp import web

from simulator.conformance import ConformanceReport
from simulator.dashboard import access, charts, devices, findings, overview, pages
from simulator.dashboard.sampler import run_sampler
from simulator.dashboard.timeline import ComplianceSample
from simulator.domain.clock import format_datetime, parse_datetime
from simulator.domain.connector import partner_state
from simulator.domain.tenant import Tenant
from simulator.errors import ConfigError, InvalidRequest, NotFound, Unauthorized
from simulator.service.control_ops import stats_wire
from simulator.service.http import json_response, read_body
from simulator.service.keys import STATE
from simulator.service.state import ServiceState

__all__ = ["COOKIE", "routes", "sampler_ctx"]

routes = web.RouteTableDef()
COOKIE = "mtdsim_control_key"
_STATIC = {"app.js": "application/javascript", "app.css": "text/css"}


def _given_key(request: web.Request) -> str:
    return (request.headers.get("X-Mtdsim-Control-Key") or request.query.get("key")
            or request.cookies.get(COOKIE) or "")  # fmt: skip


def _valid(request: web.Request, key: str) -> bool:
    return bool(key) and secrets.compare_digest(key.encode(), request.app[STATE].settings.control_key.encode())


def _state(request: web.Request) -> ServiceState:
    if not _valid(request, _given_key(request)):
        raise Unauthorized("unauthenticated", "The dashboard needs the control key (sign in, header or ?key=).")
    return request.app[STATE]


def _remember(response: web.StreamResponse, key: str) -> None:
    response.set_cookie(COOKIE, key, path="/_sim", httponly=True, samesite="Strict")


@routes.get("/_sim/dashboard", name="dashboard.page")
async def page(request: web.Request) -> web.Response:
    if not _valid(request, _given_key(request)):
        return web.Response(text=pages.sign_in(), content_type="text/html")
    response = web.Response(text=pages.shell(), content_type="text/html")
    if "key" in request.query:
        _remember(response, request.query["key"])
    return response


@routes.post("/_sim/dashboard/session", name="dashboard.signIn")
async def sign_in(request: web.Request) -> web.Response:
    await read_body(request)  # within the body timeout; post() then parses what it read
    try:
        form = await request.post()
    except ValueError:  # e.g. multipart/form-data without a boundary (issue 15: a 400, never a 500)
        raise InvalidRequest("invalidRequest", "The sign-in form must be application/x-www-form-urlencoded.",
                             target="") from None
    key = form.get("key")
    if not isinstance(key, str) or not _valid(request, key):
        return web.Response(text=pages.sign_in(failed=True), content_type="text/html", status=401)
    response = web.HTTPSeeOther("/_sim/dashboard")
    _remember(response, key)
    raise response


@routes.get("/_sim/dashboard/static/{name}", name="dashboard.static")
async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _STATIC:
        raise NotFound("itemNotFound", f"no dashboard file {name!r}")
    text = resources.files("simulator.dashboard").joinpath("static", name).read_text()
    return web.Response(text=text, content_type=_STATIC[name], headers={"Cache-Control": "no-cache"})


@routes.get("/_sim/views/tenants", name="views.tenants")
async def tenants(request: web.Request) -> web.Response:
    state = _state(request)
    now = state.clock.now()
    value = [{"id": t.id, "displayName": t.display_name, "deviceCount": len(t.devices),
              "connectionStatus": [partner_state(c, now).value for c in t.connectors.values()]}
             for t in state.tenants.values()]  # fmt: skip
    body = {"now": format_datetime(now), "ticking": state.clock.ticking, "requests": state.journal.total,
            "violations": state.violations.total, "value": value}  # fmt: skip
    return json_response(request, body)


@routes.get("/_sim/views/tenants/{tenantId}/overview", name="views.overview")
async def tenant_overview(request: web.Request) -> web.Response:
    state, tenant = _tenant(request)
    now = state.clock.now()
    counts = await access.count(tenant, now)
    # Counted anyway: the charts get a point whenever someone looks (a clock advance shows without a report).
    by_platform = {f"{platform}/{compliance}": n for (platform, compliance), n in counts.by_platform.items()}
    state.timeline.add_sample(tenant.id, ComplianceSample(now, by_platform, counts.scanned, counts.total))
    return json_response(request, overview.overview(tenant, now, counts))


@routes.get("/_sim/views/tenants/{tenantId}/devices", name="views.devices")
async def device_list(request: web.Request) -> web.Response:
    state, tenant = _tenant(request)
    query = _device_query(request)
    page = await access.find(tenant, state.clock.now(), query)
    return json_response(request, devices.device_page(page, query.skip, query.top))


@routes.get("/_sim/views/tenants/{tenantId}/devices/{azureADDeviceId}", name="views.device")
async def device(request: web.Request) -> web.Response:
    state, tenant = _tenant(request)
    journal = reversed(list(state.journal.entries()))
    body = devices.device_detail(tenant, request.match_info["azureADDeviceId"], state.clock.now(),
                                 state.timeline.of(tenant.id), journal)  # fmt: skip
    return json_response(request, body)


@routes.get("/_sim/views/tenants/{tenantId}/timeline", name="views.timeline")
async def timeline(request: web.Request) -> web.Response:
    state, tenant = _tenant(request)
    found = charts.marks(state.journal.entries(), tenant.id)
    return json_response(request, charts.timeline_view(state.timeline.of(tenant.id), found, state.clock.now()))


@routes.get("/_sim/views/tenants/{tenantId}/charts/{chart}", name="views.chart")
async def chart(request: web.Request) -> web.Response:
    state, tenant = _tenant(request)
    draw = {"compliance.svg": charts.compliance_svg, "reports.svg": charts.reports_svg}.get(
        request.match_info["chart"])
    if draw is None:
        raise NotFound("itemNotFound", "charts are compliance.svg and reports.svg")
    found = charts.marks(state.journal.entries(), tenant.id)
    svg = draw(state.timeline.of(tenant.id), found, state.clock.now())
    return web.Response(text=svg, content_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@routes.get("/_sim/views/violations", name="views.violations")
async def violations(request: web.Request) -> web.Response:
    state = _state(request)
    query = findings.ViolationQuery(client=request.query.get("client") or None,
                                    address=request.query.get("address") or None,
                                    token=request.query.get("token") or None,
                                    code=request.query.get("code") or None, route=request.query.get("route") or None,
                                    since=_time(request, "since"), until=_time(request, "until"))  # fmt: skip
    ring = state.violations
    return json_response(request, findings.violations_view(ring, ring.total, ring.dropped, query))


@routes.get("/_sim/views/conformance", name="views.conformance")
async def conformance(request: web.Request) -> web.Response:
    state = _state(request)
    target = str(request.url.origin())
    report, summary = findings.conformance_view(stats_wire(state), state.violations, state.violations.dropped, target)
    wanted = request.query.get("format")
    if wanted in ("markdown", "json"):
        return _download(report, wanted)
    if wanted is not None:
        raise InvalidRequest("invalidRequest", "format must be markdown or json", target="format")
    return json_response(request, summary)


def _download(report: ConformanceReport, wanted: str) -> web.Response:
    import orjson

    if wanted == "markdown":
        body, kind, name = report.to_markdown().encode(), "text/markdown", "conformance.md"
    else:
        body, kind, name = orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2), "application/json", \
            "conformance.json"
    return web.Response(body=body, content_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _tenant(request: web.Request) -> tuple[ServiceState, Tenant]:
    state = _state(request)
    tenant = state.tenants.get(request.match_info["tenantId"])
    if tenant is None:
        raise NotFound("itemNotFound", f"no tenant {request.match_info['tenantId']}")
    return state, tenant


def _device_query(request: web.Request) -> access.DeviceQuery:
    query = request.query
    return access.DeviceQuery(
        search=query.get("search", "")[:200], platform=query.get("platform") or None,
        compliance=query.get("compliance") or None, connector=query.get("connector") or None,
        rule=query.get("rule") or None, owner=query.get("owner") or None,
        threat_state=query.get("threatState") or None, sort=query.get("sort", "name"),
        descending=query.get("order") == "desc", skip=_int(request, "skip", 0, 10**9),
        top=_int(request, "top", 50, 500),
    )  # fmt: skip


def _int(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > high:
        raise InvalidRequest("invalidRequest", f"{name} must be an integer between 0 and {high}", target=name)
    return int(raw)


def _time(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse_datetime(raw)
    except ConfigError as exc:
        raise InvalidRequest("invalidRequest", exc.message, target=name) from None


async def sampler_ctx(app: web.Application) -> AsyncIterator[None]:
    """Compliance samples for the charts, taken while the app runs (``simulator.dashboard.sampler``)."""
    import asyncio

    state = app[STATE]
    task = asyncio.create_task(run_sampler(lambda: state.tenants, state.timeline, state.clock.now))
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
