from __future__ import annotations

from dataclasses import replace

from simulator.domain.catalog import DEMO_PARTNER
from simulator.service import create_app
from simulator.service.config import DEMO_PARTNER_CLIENT_ID, DEMO_TENANT_ID

DEVICE = "00000000-0000-4000-8000-00000000d003"


async def test_control_routes_refuse_a_missing_or_wrong_key(mtd_client):
    for headers in ({}, {"X-Mtdsim-Control-Key": "wrong"}):
        response = await mtd_client.get("/_sim/stats", headers=headers)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthenticated"


async def test_clock_can_be_read_set_and_advanced(mtd_client, control_headers):
    assert (await (await mtd_client.get("/_sim/clock", headers=control_headers)).json()) == {
        "now": "2026-11-25T10:00:00Z", "ticking": False}
    response = await mtd_client.put("/_sim/clock", json={"now": "2027-01-01T00:00:00+01:00"}, headers=control_headers)
    assert (await response.json())["now"] == "2026-12-31T23:00:00Z"
    response = await mtd_client.post("/_sim/clock/advance", json={"by": "P14DT1H"}, headers=control_headers)
    assert (await response.json())["now"] == "2027-01-15T00:00:00Z"


async def test_a_clock_set_or_advanced_past_the_last_day_of_year_9999_is_a_400_at_its_field(mtd_client,
                                                                                             control_headers):
    response = await mtd_client.put("/_sim/clock", json={"now": "9999-12-31T12:00:00Z"}, headers=control_headers)
    assert response.status == 400 and (await response.json())["error"]["target"] == "/now"
    await mtd_client.put("/_sim/clock", json={"now": "9999-12-30T12:00:00Z"}, headers=control_headers)
    response = await mtd_client.post("/_sim/clock/advance", json={"by": "P1D"}, headers=control_headers)
    assert response.status == 400 and (await response.json())["error"]["target"] == "/by"
    clock = await (await mtd_client.get("/_sim/clock", headers=control_headers)).json()
    assert clock == {"now": "9999-12-30T12:00:00Z", "ticking": False}


async def test_the_clock_can_be_unfrozen_and_frozen_again_and_reset_restores_it(mtd_client, control_headers):
    ticking = await mtd_client.put("/_sim/clock", json={"ticking": True}, headers=control_headers)
    assert (await ticking.json())["ticking"] is True
    frozen = await (await mtd_client.put("/_sim/clock", json={"ticking": False}, headers=control_headers)).json()
    again = await (await mtd_client.get("/_sim/clock", headers=control_headers)).json()
    assert again == frozen and frozen["ticking"] is False
    await mtd_client.put("/_sim/clock", json={"ticking": True}, headers=control_headers)
    await mtd_client.post("/_sim/reset", headers=control_headers)
    restored = await (await mtd_client.get("/_sim/clock", headers=control_headers)).json()
    assert restored == {"now": "2026-11-25T10:00:00Z", "ticking": False}


async def test_reset_returns_to_configured_tenants_and_clears_the_rest(mtd_client, control_headers):
    await mtd_client.post("/_sim/tenants", json={"displayName": "Fabrikam"}, headers=control_headers)
    await mtd_client.post("/_sim/clock/advance", json={"by": "P1D"}, headers=control_headers)
    await mtd_client.post("/_sim/faults", json={"match": {"route": "/x"}, "then": {"error": {"status": 500}}},
                          headers=control_headers)
    assert (await mtd_client.post("/_sim/reset", headers=control_headers)).status == 204
    tenants = (await (await mtd_client.get("/_sim/tenants", headers=control_headers)).json())["value"]
    assert [t["id"] for t in tenants] == [DEMO_TENANT_ID] and tenants[0]["deviceCount"] == 4
    assert (await (await mtd_client.get("/_sim/clock", headers=control_headers)).json())["now"] == \
        "2026-11-25T10:00:00Z"
    assert (await (await mtd_client.get("/_sim/faults", headers=control_headers)).json())["value"] == []
    journal = await (await mtd_client.get("/_sim/journal", headers=control_headers)).json()
    # the reset itself and the three reads after it; this query is logged after it answers
    assert [e["path"] for e in journal["value"]][::-1] == ["/_sim/reset", "/_sim/tenants", "/_sim/clock",
                                                           "/_sim/faults"]


async def test_created_tenant_app_and_devices_work_end_to_end(mtd_client, control_headers, token_for):
    tenant = await (await mtd_client.post("/_sim/tenants", json={"displayName": "Fabrikam"},
                                          headers=control_headers)).json()
    response = await mtd_client.post(f"/_sim/tenants/{tenant['id']}/apps",
                                     json={"kind": "partner", "partner": "lookout"}, headers=control_headers)
    app = await response.json()
    assert response.status == 201 and app["connectorId"] == "2c7790de-8b02-4814-85cf-e0c59380dee8"
    assert app["tokenUrl"].endswith(f"/{tenant['id']}/oauth2/v2.0/token")
    token = await token_for(mtd_client, app["clientId"], app["clientSecret"], tenant=tenant["id"])
    assert token
    ios = {"platform": "ios", "osVersion": "17.4",
           "installedApps": [{"bundleId": "com.example.a", "version": "1.0", "name": "A"}]}
    response = await mtd_client.post(f"/_sim/tenants/{tenant['id']}/devices", headers=control_headers,
                                     json={"devices": [ios, {"platform": "android", "osVersion": "14"}]})
    devices = (await response.json())["value"]
    assert response.status == 201 and len(devices) == 2 and devices[0]["installedApps"][0]["bundleId"]
    again = await mtd_client.post(f"/_sim/tenants/{tenant['id']}/devices", headers=control_headers,
                                  json={"devices": [{**devices[1], "id": "other"} | {"installedApps": []}]})
    assert again.status in (400, 409)


async def test_admin_app_and_unknown_partner_and_unknown_tenant(mtd_client, control_headers):
    response = await mtd_client.post(f"/_sim/tenants/{DEMO_TENANT_ID}/apps", json={"kind": "admin"},
                                     headers=control_headers)
    assert response.status == 201 and "connectorId" not in await response.json()
    response = await mtd_client.post(f"/_sim/tenants/{DEMO_TENANT_ID}/apps",
                                     json={"kind": "partner", "partner": "nobody-at-all"}, headers=control_headers)
    assert response.status == 400 and (await response.json())["error"]["target"] == "/partner"
    response = await mtd_client.post("/_sim/tenants/11111111-1111-4111-8111-111111111111/devices",
                                     json={"devices": [{"platform": "ios", "osVersion": "17"}]},
                                     headers=control_headers)
    assert response.status == 404


async def test_compliance_and_connector_condition(mtd_client, control_headers, admin_headers):
    response = await mtd_client.get(f"/_sim/tenants/{DEMO_TENANT_ID}/devices/{DEVICE}/compliance",
                                    headers=control_headers)
    body = await response.json()
    assert response.status == 200 and body["complianceState"] in ("compliant", "noncompliant")
    condition = f"/_sim/tenants/{DEMO_TENANT_ID}/connectors/5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d/condition"
    response = await mtd_client.put(condition, json={"condition": "error"}, headers=control_headers)
    assert response.status == 404  # the admin has not created the connector yet
    created = await mtd_client.post("/beta/deviceManagement/mobileThreatDefenseConnectors", json={},
                                    headers=admin_headers)
    assert created.status == 201, await created.text()
    response = await mtd_client.put(condition, json={"condition": "error"}, headers=control_headers)
    assert (await response.json())["partnerState"] == "error"
    response = await mtd_client.put(condition, json={"condition": None}, headers=control_headers)
    assert (await response.json())["condition"] is None


async def test_journal_filters_by_route_tenant_status_and_limit(mtd_client, control_headers, partner_headers):
    for _ in range(3):
        await mtd_client.get("/partner/v1/connector", headers=partner_headers)
    await mtd_client.get("/nowhere")
    query = {"route": "/partner/v1/connector", "tenant": DEMO_TENANT_ID, "partner": "demo", "limit": "2"}
    entries = (await (await mtd_client.get("/_sim/journal", params=query, headers=control_headers)).json())["value"]
    assert len(entries) == 2 and all(e["route"] == "/partner/v1/connector" for e in entries)
    entries = (await (await mtd_client.get("/_sim/journal", params={"status": "404"},
                                           headers=control_headers)).json())["value"]
    assert [e["path"] for e in entries] == ["/nowhere"]
    response = await mtd_client.get("/_sim/journal", params={"colour": "red"}, headers=control_headers)
    assert response.status == 400


async def test_stats_count_requests_statuses_and_tokens(mtd_client, control_headers, partner_headers):
    stats = await (await mtd_client.get("/_sim/stats", headers=control_headers)).json()
    assert stats["tokensIssued"] == 1 and stats["byStatus"]["200"] >= 1 and stats["tenants"] == 1
    assert stats["devices"] == 4


async def test_journal_and_violations_stay_bounded_and_count_beyond(aiohttp_client, settings, control_headers):
    client = await aiohttp_client(create_app(replace(settings, journal_size=5, violations_size=3)))
    for _ in range(20):
        await client.post("/_sim/clock/advance", json={"by": 1}, headers=control_headers)
    journal = await (await client.get("/_sim/journal", headers=control_headers)).json()
    violations = await (await client.get("/_sim/violations", headers=control_headers)).json()
    assert len(journal["value"]) == 5 and journal["total"] == 20 and journal["dropped"] == 15
    assert len(violations["value"]) == 3 and violations["total"] >= 20
    assert violations["dropped"] == violations["total"] - 3


async def test_throttling_switch_and_openapi_document(mtd_client, control_headers):
    assert (await (await mtd_client.get("/_sim/throttling", headers=control_headers)).json()) == {"enabled": False}
    response = await mtd_client.put("/_sim/throttling", json={"enabled": True}, headers=control_headers)
    assert (await response.json()) == {"enabled": True}
    assert (await (await mtd_client.get("/_sim/throttling", headers=control_headers)).json()) == {"enabled": True}
    assert (await mtd_client.put("/_sim/throttling", json={"enabled": 1}, headers=control_headers)).status == 400
    document = await (await mtd_client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")


async def test_a_journal_entry_records_every_field_of_the_request_it_answered(mtd_client, control_headers,
                                                                              partner_headers):
    response = await mtd_client.get(f"/partner/v1/devices/{DEVICE}/apps",
                                    headers={**partner_headers, "client-request-id": "my-call-1"})
    query = {"route": "/partner/v1/devices/{azureADDeviceId}/apps", "limit": "1"}
    entries = (await (await mtd_client.get("/_sim/journal", params=query, headers=control_headers)).json())["value"]
    entry = entries[0]
    assert entry.pop("durationMs") >= 0
    assert entry == {
        "time": "2026-11-25T10:00:00Z",
        "method": "GET",
        "route": "/partner/v1/devices/{azureADDeviceId}/apps",
        "path": f"/partner/v1/devices/{DEVICE}/apps",
        "status": response.status,
        "requestId": response.headers["request-id"],
        "tenant": DEMO_TENANT_ID,
        "partner": DEMO_PARTNER.connector_id,
        "clientId": DEMO_PARTNER_CLIENT_ID,
        "device": DEVICE,
        "clientRequestId": "my-call-1",
    }
    assert response.headers["client-request-id"] == "my-call-1"
