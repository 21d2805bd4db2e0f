"""The partner channel (modelled, DESIGN 3.2): heartbeat, connector, device list, threat reports, App Sync.

Every call is scoped by the partner token's tenant and connector; the rules live in ``simulator.domain.tenant``.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain, repeat
from typing import Any

import orjson
from aiohttp import web

from simulator.domain.clock import parse_datetime, with_nanoseconds
from simulator.domain.connector import Connector, connector_to_graph
from simulator.domain.enums import Platform, RejectionCode
from simulator.errors import ConfigError, InvalidRequest
from simulator.query.devices import find_devices
from simulator.query.filter import parse_filter
from simulator.query.options import MAX_TOP, QueryOptions
from simulator.service.auth import require_partner
from simulator.service.device_fields import CLASS_FIELDS, FIELDS
from simulator.service.http import json_response, read_json, read_optional_json, request_info
from simulator.service.odata_lists import cursor_of, next_link

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
    """O(page) like Graph's list (simulator/query/devices.py): the platform is an index lookup, the cursor keyset."""
    caller = require_partner(request)
    tenant = caller.tenant
    tenant.partner_connector(caller.connector_id)
    platform = _platform_filter(request.query.get("platform"))
    options = _partner_options(request, platform)
    scope = f"partnerDevices|{tenant.id}|{caller.connector_id}"
    info = request_info(request)
    found = find_devices(tenant, options, cursor_of(request, options, scope), info.now, FIELDS, CLASS_FIELDS)
    body: dict[str, Any] = {"value": [device.to_partner_wire() for device in found.devices]}
    if found.next is not None:
        body["@odata.nextLink"] = next_link(request, options, found.next, scope)
    return json_response(request, body, contract="partner-device-list")


def _partner_options(request: web.Request, platform: Platform | None) -> QueryOptions:
    top = request.query.get("$top", "100")
    if not top.isascii() or not top.isdigit() or len(top) > 4 or not 1 <= int(top) <= MAX_TOP:
        raise InvalidRequest("invalidRequest", f"$top must be an integer between 1 and {MAX_TOP}", target="$top")
    if platform is None:
        return QueryOptions(top=int(top), skiptoken=request.query.get("$skiptoken"))
    text = f"operatingSystem eq '{platform.graph_operating_system}'"
    return QueryOptions(filter_text=text, filter=parse_filter(text), top=int(top),
                        skiptoken=request.query.get("$skiptoken"))  # fmt: skip


@routes.post("/partner/v1/deviceThreatReports", name="partner.reports")
async def threat_reports(request: web.Request) -> web.Response:
    caller = require_partner(request)
    body = await read_json(request, "threat-report-batch")
    reports = body["reports"]
    info = request_info(request)
    outcomes = caller.tenant.apply_reports(caller.connector_id, reports, _reported_times(reports), info.now)
    rejected = info.state.traffic.count_reports(outcomes)
    info.state.timeline.record_reports(caller.tenant.id, caller.connector_id, info.now, reports, outcomes, rejected,
                                       info.body)
    single = info.device = reports[0]["azureADDeviceId"] if len(reports) == 1 else None
    # Accepted results are built inline; only rejections pay a call (1000 results per batch on the hot path), and a
    # batch with none does not look at its outcomes.
    if rejected:
        results = [
            {"index": index, "azureADDeviceId": report["azureADDeviceId"], "status": "accepted"}
            if outcome.code is None
            else _rejected(index, report["azureADDeviceId"], outcome.code, outcome.message)
            for index, (report, outcome) in enumerate(zip(reports, outcomes, strict=True))
        ]
    elif single is not None:
        results = [{"index": 0, "azureADDeviceId": single, "status": "accepted"}]
    elif len(reports) <= len(_ACCEPTED_HEADS):
        answer = {"results": _all_accepted(reports), "acceptedCount": len(reports), "rejectedCount": 0}
        return json_response(request, answer, contract="threat-report-results")
    else:
        results = [{"index": index, "azureADDeviceId": report["azureADDeviceId"], "status": "accepted"}
                   for index, report in enumerate(reports)]
    answer = {"results": results, "acceptedCount": len(results) - rejected, "rejectedCount": rejected}
    return json_response(request, answer, contract="threat-report-results")


# The start of each accepted result, by index, with the comma before it: a batch of accepted reports is answered by
# joining these with the reports' device ids in C, instead of building and serializing 1000 dicts (~6% of a batch).
_ACCEPTED_HEADS = tuple(f'{"," if index else ""}{{"index":{index},"azureADDeviceId":"' for index in range(1000))
_ACCEPTED_TAIL = '","status":"accepted"}'


def _all_accepted(reports: list[dict[str, Any]]) -> orjson.Fragment:
    """The JSON array of results of a batch whose reports were all accepted (at most ``len(_ACCEPTED_HEADS)``).

    Device ids go in unescaped: the batch met its contract, which holds each to the uuid format (hex and hyphens).
    """
    ids = [report["azureADDeviceId"] for report in reports]
    items = chain.from_iterable(zip(_ACCEPTED_HEADS, ids, repeat(_ACCEPTED_TAIL), strict=False))  # heads run on
    return orjson.Fragment(f"[{''.join(items)}]")


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
    if len(reports) == 1:  # most requests carry one report: the same checks as below without the lists
        text = reports[0]["reportedDateTime"]
        if "0002" <= text < "9999" and len(text) <= 27:
            try:
                return [_fromisoformat(text)]
            except ValueError:
                pass
    texts = [report["reportedDateTime"] for report in reports]
    try:
        times = list(map(_fromisoformat, texts))
    except ValueError:
        pass
    else:
        # Only years 1 and 9999 can leave datetime's range once in UTC (0001-01-01T00:00:00+01:00); such a time
        # compares, but formatting it for a later stale report's message overflowed (a 500 for that device). Every
        # text fromisoformat read starts with its four-digit year, so the texts' min and max (in C) bound the years.
        if min(texts) >= "0002" and max(texts) < "9999":
            return _precise(texts, times)
    try:
        return _precise(texts, [parse_datetime(text) for text in texts])
    except ConfigError as exc:
        index = next(i for i, text in enumerate(texts) if not _readable(text))
        raise InvalidRequest("invalidRequest", exc.message, target=f"/reports/{index}/reportedDateTime") from None


def _precise(texts: list[str], times: list[datetime]) -> list[datetime]:
    """``times`` with the nanoseconds datetime drops (Graph writes 7 fractional digits), for the few reports whose
    text is long enough to have more than six: ``2026-11-25T10:00:00.123456Z`` is 27 characters."""
    if max(map(len, texts)) > 27:  # in C; the loop only for a batch that has such a text
        for index, text in enumerate(texts):
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
