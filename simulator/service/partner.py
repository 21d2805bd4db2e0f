"""The partner channel (modelled, DESIGN 3.2): heartbeat, connector, device list, threat reports, App Sync.

Every call is scoped by the partner token's tenant and connector; the rules live in ``simulator.domain.tenant``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from simulator.domain.clock import parse_datetime, with_nanoseconds
from simulator.domain.connector import Connector, connector_to_graph
from simulator.domain.enums import Platform, RejectionCode
from simulator.errors import ConfigError, InvalidRequest
from simulator.service.auth import require_partner
from simulator.service.http import json_response, odata_page, read_json, read_optional_json, request_info

__all__ = ["routes"]

routes = web.RouteTableDef()

PARTNER_FIELDS = (
    "id",
    "partnerState",
    "lastHeartbeatDateTime",
    "androidEnabled",
    "iosEnabled",
    "androidDeviceBlockedOnMissingPartnerData",
    "iosDeviceBlockedOnMissingPartnerData",
    "allowPartnerToCollectIOSApplicationMetadata",
    "allowPartnerToCollectIOSPersonalApplicationMetadata",
    "partnerUnsupportedOsVersionBlocked",
    "partnerUnresponsivenessThresholdInDays",
)


def partner_view(connector: Connector, now: datetime) -> dict[str, Any]:
    """The connector as its partner may see it: state and the toggles that change what it should send."""
    # Not Graph: the partner channel has no evolvable-enum rule and always shows the real partnerState.
    graph = connector_to_graph(connector, now, "v1.0", include_unknown_enums=True)
    return {name: graph[name] for name in PARTNER_FIELDS}


@routes.post("/partner/v1/heartbeat", name="partner.heartbeat")
async def heartbeat(request: web.Request) -> web.Response:
    caller = require_partner(request)
    await read_optional_json(request, "heartbeat-request")
    info = request_info(request)
    now = info.now
    connector = caller.tenant.heartbeat(caller.connector_id, now)
    info.state.traffic.heartbeats += 1
    return json_response(request, partner_view(connector, now), contract="partner-connector")


@routes.get("/partner/v1/connector", name="partner.connector")
async def connector(request: web.Request) -> web.Response:
    caller = require_partner(request)
    view = partner_view(caller.tenant.partner_connector(caller.connector_id), request_info(request).now)
    return json_response(request, view, contract="partner-connector")


@routes.get("/partner/v1/devices", name="partner.devices")
async def devices(request: web.Request) -> web.Response:
    caller = require_partner(request)
    platform = _platform_filter(request.query.get("platform"))
    page, next_link = odata_page(request, caller.tenant.partner_devices(caller.connector_id, platform))
    body: dict[str, Any] = {"value": [device.to_partner_wire() for device in page]}
    if next_link:
        body["@odata.nextLink"] = next_link
    return json_response(request, body, contract="partner-device-list")


@routes.post("/partner/v1/deviceThreatReports", name="partner.reports")
async def threat_reports(request: web.Request) -> web.Response:
    caller = require_partner(request)
    body = await read_json(request, "threat-report-batch")
    reports = body["reports"]
    info = request_info(request)
    outcomes = caller.tenant.apply_reports(caller.connector_id, reports, _reported_times(reports), info.now)
    rejected = info.state.traffic.count_reports(outcomes)
    if len(reports) == 1:
        info.device = reports[0]["azureADDeviceId"]
    # Accepted results are built inline; only rejections pay a call (1000 results per batch on the hot path).
    results = [
        {"index": index, "azureADDeviceId": report["azureADDeviceId"], "status": "accepted"}
        if outcome.code is None
        else _rejected(index, report["azureADDeviceId"], outcome.code, outcome.message)
        for index, (report, outcome) in enumerate(zip(reports, outcomes, strict=True))
    ]
    answer = {"results": results, "acceptedCount": len(results) - rejected, "rejectedCount": rejected}
    return json_response(request, answer, contract="threat-report-results")


@routes.get("/partner/v1/devices/{azureADDeviceId}/apps", name="partner.appSync")
async def app_sync(request: web.Request) -> web.Response:
    caller = require_partner(request)
    device_id = request.match_info["azureADDeviceId"]
    info = request_info(request)
    info.device = device_id
    info.state.traffic.app_sync_calls += 1
    apps = caller.tenant.app_sync(caller.connector_id, device_id, info.now)
    body = {"azureADDeviceId": device_id, "value": [app.to_wire() for app in apps]}
    return json_response(request, body, contract="app-sync-response")


def _platform_filter(raw: str | None) -> Platform | None:
    if raw is None:
        return None
    try:
        return Platform(raw)
    except ValueError:
        raise InvalidRequest("invalidRequest", "platform must be 'android' or 'ios'", target="platform") from None


_fromisoformat = datetime.fromisoformat  # bound once: looked up for every report of a batch


def _reported_times(reports: list[dict[str, Any]]) -> list[datetime]:
    """Each report's reportedDateTime; the batch passed its contract, so every date-time has an offset.

    ``datetime.fromisoformat`` reads the usual RFC 3339 forms in C and keeps the partner's offset (times are only
    compared and formatted, both offset-aware). A batch with a form it refuses (a lower-case ``t``, a leap second)
    is read again through ``parse_datetime``; a date-time it refuses (one outside the years 1 to 9999 in UTC) answers
    400 at its pointer.
    All are read before any report is applied, so such a 400 changes nothing.
    """
    try:
        times = [_fromisoformat(report["reportedDateTime"]) for report in reports]
    except ValueError:
        pass
    else:
        # Only years 1 and 9999 can leave datetime's range once in UTC (0001-01-01T00:00:00+01:00); such a time
        # compares, but formatting it for a later stale report's message overflowed (a 500 for that device).
        if all(1 < when.year < 9999 for when in times):
            return _precise(reports, times)
    try:
        return _precise(reports, [parse_datetime(report["reportedDateTime"]) for report in reports])
    except ConfigError as exc:
        index = next(i for i, report in enumerate(reports) if not _readable(report["reportedDateTime"]))
        raise InvalidRequest("invalidRequest", exc.message, target=f"/reports/{index}/reportedDateTime") from None


def _precise(reports: list[dict[str, Any]], times: list[datetime]) -> list[datetime]:
    """``times`` with the nanoseconds datetime drops (Graph writes 7 fractional digits), for the few reports whose
    text is long enough to have more than six: ``2026-11-25T10:00:00.123456Z`` is 27 characters."""
    for index, report in enumerate(reports):
        text = report["reportedDateTime"]
        if len(text) > 27:
            times[index] = with_nanoseconds(text, times[index])
    return times


def _readable(text: str) -> bool:
    try:
        parse_datetime(text)
    except ConfigError:
        return False
    return True


def _rejected(index: int, device_id: str, code: RejectionCode, message: str) -> dict[str, Any]:
    return {"index": index, "azureADDeviceId": device_id, "status": "rejected", "code": code.value, "message": message}
