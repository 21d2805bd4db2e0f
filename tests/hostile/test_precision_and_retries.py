"""Issue 15 items 8 and 9: Graph's seven fractional digits order reports; a lost answer can be looked up."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

Client = TestClient[Any, Any]
ANDROID = "00000000-0000-4000-8000-00000000d001"
REPORTS = "/partner/v1/deviceThreatReports"


def batch(when: str, state: str) -> dict[str, Any]:
    return {"reports": [{"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0", "threatState": state,
                         "reportedDateTime": when}]}  # fmt: skip


async def enable(client: Client, admin: dict[str, str], partner: dict[str, str]) -> None:
    await client.post("/beta/deviceManagement/mobileThreatDefenseConnectors", json={"androidEnabled": True},
                      headers=admin)  # fmt: skip
    await client.post("/partner/v1/heartbeat", headers=partner)


async def status_of(client: Client, partner: dict[str, str], when: str, state: str) -> str:
    answer = await client.post(REPORTS, json=batch(when, state), headers=partner)
    assert answer.status == 200, await answer.text()
    return str((await answer.json())["results"][0].get("code", "accepted"))


async def test_a_report_100_nanoseconds_newer_is_accepted(
    mtd_client: Client, admin_headers: dict[str, str], partner_headers: dict[str, str]
) -> None:
    await enable(mtd_client, admin_headers, partner_headers)
    assert await status_of(mtd_client, partner_headers, "2026-11-25T09:00:00.1234567Z", "secured") == "accepted"
    assert await status_of(mtd_client, partner_headers, "2026-11-25T09:00:00.1234568Z", "highSeverity") == "accepted"
    assert await status_of(mtd_client, partner_headers, "2026-11-25T09:00:00.1234567Z", "secured") == "staleReport"
    assert await status_of(mtd_client, partner_headers, "2026-11-25T09:00:00.1234568Z", "highSeverity") == "accepted"


async def test_a_lost_answer_is_found_in_the_journal_by_its_client_request_id(
    mtd_client: Client, admin_headers: dict[str, str], partner_headers: dict[str, str],
    control_headers: dict[str, str],
) -> None:
    await enable(mtd_client, admin_headers, partner_headers)
    headers = {**partner_headers, "client-request-id": "retry-me-1"}
    await mtd_client.post(REPORTS, json=batch("2026-11-25T09:00:00Z", "secured"), headers=headers)
    await mtd_client.post(REPORTS, json=batch("2026-11-25T09:30:00Z", "secured"), headers=partner_headers)
    found = await mtd_client.get("/_sim/journal", params={"clientRequestId": "retry-me-1"}, headers=control_headers)
    (entry,) = (await found.json())["value"]
    assert entry["status"] == 200
    assert entry["clientRequestId"] == "retry-me-1"
    assert entry["route"] == REPORTS
