"""Issue 15 item 3: inputs that answered 500 now answer a documented 4xx in the Graph error envelope."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

Client = TestClient[Any, Any]
ANDROID = "00000000-0000-4000-8000-00000000d001"
CONNECTORS = "/beta/deviceManagement/mobileThreatDefenseConnectors"
HUGE = "9" * 5000
BAD_NUMBERS = ["²", HUGE, "9223372036854775808", "-1"]


def report(when: str, state: str = "secured") -> dict[str, Any]:
    return {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0", "threatState": state,
            "reportedDateTime": when}  # fmt: skip


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("name", ["$top", "$skiptoken"])
async def test_a_paging_option_that_is_no_usable_integer_answers_400(
    mtd_client: Client, partner_headers: dict[str, str], admin_headers: dict[str, str], name: str, value: str
) -> None:
    await mtd_client.post(CONNECTORS, json={"androidEnabled": True}, headers=admin_headers)
    for path, headers in (("/partner/v1/devices", partner_headers),
                          ("/v1.0/deviceManagement/managedDevices", admin_headers)):  # fmt: skip
        answer = await mtd_client.get(path, params={name: value}, headers=headers)
        assert answer.status == 400, (path, await answer.text())
        assert (await answer.json())["error"]["target"] == name


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("name", ["status", "limit"])
async def test_a_journal_filter_that_is_no_usable_integer_answers_400(
    mtd_client: Client, control_headers: dict[str, str], name: str, value: str
) -> None:
    answer = await mtd_client.get("/_sim/journal", params={name: value}, headers=control_headers)
    assert answer.status == 400
    assert (await answer.json())["error"]["code"] == "invalidRequest"


async def test_a_journal_limit_up_to_the_platform_maximum_is_served(
    mtd_client: Client, control_headers: dict[str, str]
) -> None:
    answer = await mtd_client.get("/_sim/journal", params={"limit": "9223372036854775807"}, headers=control_headers)
    assert answer.status == 200


@pytest.mark.parametrize("header", ["X-Mtdsim-Control-Key", "Authorization", "client-request-id"])
async def test_a_header_that_is_not_utf8_answers_4xx_with_a_graph_body_and_request_id(raw: Any, header: str) -> None:
    value = b"Bearer \xff\xfe" if header == "Authorization" else b"\xff\xfe"
    path = b"/_sim/stats" if header != "Authorization" else b"/partner/v1/connector"
    status, headers, body = await raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                      + header.encode() + b": " + value + b"\r\n\r\n")  # fmt: skip
    assert status in (400, 401)
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]


async def test_a_client_request_id_over_256_characters_is_refused_and_not_echoed(
    mtd_client: Client, control_headers: dict[str, str]
) -> None:
    answer = await mtd_client.get("/_sim/stats", headers={**control_headers, "client-request-id": "x" * 257})
    assert answer.status == 400
    assert answer.headers["client-request-id"] == answer.headers["request-id"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-01:00"])
async def test_a_clock_outside_the_years_1_to_9999_in_utc_answers_400(
    mtd_client: Client, control_headers: dict[str, str], when: str
) -> None:
    answer = await mtd_client.put("/_sim/clock", json={"now": when}, headers=control_headers)
    assert answer.status == 400
    assert (await answer.json())["error"]["target"] == "/now"


async def test_a_fault_window_outside_the_years_1_to_9999_in_utc_answers_400(
    mtd_client: Client, control_headers: dict[str, str]
) -> None:
    rule = {"match": {"route": "/partner/*"}, "when": {"window": {"start": "0001-01-01T00:00:00+01:00"}},
            "then": {"error": {"status": 503}}}  # fmt: skip
    answer = await mtd_client.post("/_sim/faults", json=rule, headers=control_headers)
    assert answer.status == 400


async def test_a_report_dated_before_year_1_in_utc_is_refused_and_later_reports_still_work(
    mtd_client: Client, partner_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    await mtd_client.post(CONNECTORS, json={"androidEnabled": True}, headers=admin_headers)
    await mtd_client.post("/partner/v1/heartbeat", headers=partner_headers)
    reports = "/partner/v1/deviceThreatReports"
    answer = await mtd_client.post(reports, json={"reports": [report("0001-01-01T00:00:00+01:00")]},
                                   headers=partner_headers)  # fmt: skip
    assert answer.status == 400
    assert (await answer.json())["error"]["target"] == "/reports/0/reportedDateTime"
    for when in ("2026-11-25T09:00:00Z", "2026-11-25T08:00:00Z"):
        answer = await mtd_client.post(reports, json={"reports": [report(when)]}, headers=partner_headers)
        assert answer.status == 200


async def test_a_dashboard_sign_in_as_multipart_without_a_boundary_answers_400(mtd_client: Client) -> None:
    answer = await mtd_client.post("/_sim/dashboard/session", data=b"key=",
                                   headers={"Content-Type": "multipart/form-data"})  # fmt: skip
    assert answer.status == 400
    assert (await answer.json())["error"]["code"] == "invalidRequest"
