from __future__ import annotations

from typing import Any

import pytest

from simulator.service.app import create_app
from simulator.service.keys import STATE
from simulator.service.settings import Settings
from tests.routes.conftest import ADMIN_APP, ANDROID, IOS, NOW, PARTNER_APP, TENANT, Api

TENANT_2 = "00000000-0000-4000-8000-000000000002"
REPORT = {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0", "threatState": "highSeverity",
          "reportedDateTime": "2026-11-25T09:59:00Z"}


async def _busy_tenant(api: Api) -> None:
    await api.live_connector(androidEnabled=True, iosEnabled=True)
    await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", status=201, json={
        "@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
        "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "low"})
    await api.report(REPORT)
    await api.advance("PT1H")
    await api.call("POST", "/_sim/tenants", as_="control", status=201, json={"id": TENANT_2, "displayName": "Two"})
    await api.call("POST", f"/_sim/tenants/{TENANT_2}/apps", as_="control", status=201, json={"kind": "partner"})


def _comparable(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What must survive an import: everything but the capture time and what the export request itself counted."""
    return {key: value for key, value in snapshot.items() if key not in ("takenAt", "counters", "journal")}


async def _fresh_server(api: Api, aiohttp_client: Any, *, seed: int) -> Api:
    """Another server on the same clock, called with ``api``'s tokens (they verify there once a snapshot is in)."""
    settings = Settings(seed=seed, validate_responses=True, clock_start=NOW, clock_ticking=False,
                        control_key="test-key")  # fmt: skip
    return Api(await aiohttp_client(create_app(settings)), settings, admin=api.admin, partner=api.partner)


async def test_snapshot_exported_and_imported_into_a_fresh_server_gives_back_the_same_state(
        api: Api, aiohttp_client: Any) -> None:
    await _busy_tenant(api)
    before = await api.call("GET", "/_sim/snapshot", as_="control")
    assert before["format"] == "mtdsim-snapshot" and len(before["tenants"]) == 2
    fresh_settings = Settings(seed=99, validate_responses=True, clock_ticking=False, control_key="test-key")
    fresh = Api(await aiohttp_client(create_app(fresh_settings)), fresh_settings)
    imported = await fresh.call("PUT", "/_sim/snapshot", as_="control", json=before)
    assert imported == {"tenants": 2, "devices": len(before["tenants"][0]["devices"]), "reports": 1}
    after = await fresh.call("GET", "/_sim/snapshot", as_="control")
    assert _comparable(after) == _comparable(before)
    assert after["journal"]["rows"][: len(before["journal"]["rows"])] == before["journal"]["rows"]
    assert after["counters"]["traffic"] == before["counters"]["traffic"]


async def test_tokens_issued_before_an_export_still_work_on_the_server_it_was_imported_into(
        api: Api, aiohttp_client: Any) -> None:
    await _busy_tenant(api)
    snapshot = await api.call("GET", "/_sim/snapshot", as_="control")
    fresh = await _fresh_server(api, aiohttp_client, seed=7)
    await fresh.call("POST", "/_sim/snapshot", as_="control", json=snapshot)
    device = await fresh.call("GET", f"/_sim/tenants/{TENANT}/devices/{ANDROID}/compliance", as_="control")
    assert device["complianceState"] == "noncompliant"  # the high-severity report came along
    listed = await fresh.call("GET", "/v1.0/deviceManagement/managedDevices?$filter=azureADDeviceId eq '" + IOS + "'")
    assert [d["azureADDeviceId"] for d in listed["value"]] == [IOS]
    assert (await fresh.token(*PARTNER_APP)) and (await fresh.token(*ADMIN_APP))


async def test_importing_a_snapshot_replaces_what_the_server_held(api: Api) -> None:
    empty = await api.call("GET", "/_sim/snapshot", as_="control")
    await _busy_tenant(api)
    await api.call("PUT", "/_sim/snapshot", as_="control", json=empty)
    assert list(api.client.app[STATE].tenants) == [TENANT]
    assert api.client.app[STATE].tenants[TENANT].connectors == {}


async def test_a_snapshot_of_another_version_is_a_400_pointing_at_it(api: Api) -> None:
    snapshot = await api.call("GET", "/_sim/snapshot", as_="control")
    body = await api.call("PUT", "/_sim/snapshot", as_="control", json={**snapshot, "version": 9}, status=400)
    assert body["error"]["code"] == "invalidRequest"
    assert [d["target"] for d in body["error"]["details"]] == ["/version"]


async def test_a_snapshot_that_is_not_json_or_not_declared_json_is_refused_with_the_graph_envelope(api: Api) -> None:
    for content_type, status, code in (("application/json", 400, "invalidRequest"),
                                       ("text/plain", 415, "unsupportedMediaType")):
        response = await api.client.put("/_sim/snapshot", data=b"{nope",
                                        headers={**api.control, "Content-Type": content_type})
        assert response.status == status
        assert (await response.json())["error"]["code"] == code


async def test_a_snapshot_with_an_app_of_an_unknown_tenant_is_a_400_and_changes_nothing_it_validated(
        api: Api) -> None:
    snapshot = await api.call("GET", "/_sim/snapshot", as_="control")
    snapshot["apps"][0]["tenant_id"] = "nobody"
    body = await api.call("PUT", "/_sim/snapshot", as_="control", json=snapshot, status=400)
    assert body["error"]["target"] == "/apps"


async def test_snapshot_routes_need_the_control_key(api: Api) -> None:
    read = await api.call("GET", "/_sim/snapshot", as_="admin", status=401)
    written = await api.call("PUT", "/_sim/snapshot", as_="admin", json={}, status=401)
    assert read["error"]["code"] == written["error"]["code"]


async def test_store_status_says_an_in_memory_server_is_not_durable(api: Api) -> None:
    assert await api.call("GET", "/_sim/store", as_="control") == {"durable": False}


@pytest.mark.parametrize(("change", "status"), [
    (lambda s: s["tenants"][0]["devices"][0].__setitem__("platform", "windowsPhone"), 400),
    (lambda s: s["tenants"][0]["devices"][0].__setitem__("enrolled_at", "2026-11-25T10:00:00"), 400),
    (lambda s: s["tenants"][0]["devices"][0].pop("platform"), 400),
    (lambda s: s["tenants"][0]["devices"].append(dict(s["tenants"][0]["devices"][0])), 409),
    (lambda s: s["tenants"].append(dict(s["tenants"][0])), 400),
    (lambda s: s["tenants"][0]["reports"].append({**s["tenants"][0]["reports"][0], "azure_ad_device_id": "x"}), 400),
    (lambda s: s["clock"].__setitem__("now", "9999-12-31T23:00:00+00:00"), 400),
    (lambda s: s["journal"]["rows"][0].__setitem__(0, "yesterday"), 400),
    (lambda s: s["journal"]["rows"][0].__setitem__(4, "200"), 400),
    (lambda s: s["counters"]["traffic"].__setitem__("heartbeats", "many"), 400),
    (lambda s: s["signingKeys"]["keys"][0].__setitem__("privateKey", "not a key"), 400),
    (lambda s: s["apps"][0].__setitem__("certificates", ["not a certificate"]), 400),
])  # fmt: skip
async def test_a_broken_snapshot_is_refused_whole_and_the_state_stays_as_it_was(
        api: Api, change: Any, status: int) -> None:
    await _busy_tenant(api)
    snapshot = await api.call("GET", "/_sim/snapshot", as_="control")
    change(snapshot)
    body = await api.call("PUT", "/_sim/snapshot", as_="control", json=snapshot, status=status)
    assert "error" in body
    state = api.client.app[STATE]
    assert set(state.tenants) == {TENANT, TENANT_2} and len(state.tenants[TENANT].reports) == 1
    await api.call("POST", "/partner/v1/heartbeat", as_="partner")  # still serving, tokens still valid


@pytest.mark.parametrize("change", [
    lambda s: s["tenants"][0]["devices"][0].__setitem__("os_version", 14),
    lambda s: s["tenants"][0]["connectors"][0].__setitem__("unresponsive_days", "seven"),
    lambda s: s["tenants"][0]["connectors"][0].__setitem__("android_enabled", 1),
    lambda s: s["tenants"][0]["connectors"][0].__setitem__("condition", "broken"),
    lambda s: s["tenants"][0]["reports"][0].__setitem__("threat_count", True),
])  # fmt: skip
async def test_a_snapshot_field_of_the_wrong_type_is_a_400_not_a_later_500(api: Api, change: Any) -> None:
    await _busy_tenant(api)
    snapshot = await api.call("GET", "/_sim/snapshot", as_="control")
    change(snapshot)
    body = await api.call("PUT", "/_sim/snapshot", as_="control", json=snapshot, status=400)
    assert body["error"]["code"] == "invalidRequest"


async def test_compliance_counts_and_pages_of_an_imported_tenant_match_the_exported_one(
        api: Api, aiohttp_client: Any) -> None:
    await _busy_tenant(api)
    await api.call("DELETE", f"/_sim/tenants/{TENANT}/devices/{IOS}", as_="control", status=204)
    counts = await api.call("GET", f"/_sim/tenants/{TENANT}/counts", as_="control")
    page = await api.call("GET", "/v1.0/deviceManagement/managedDevices?$top=2")
    snapshot = await api.call("GET", "/_sim/snapshot", as_="control")
    fresh = await _fresh_server(api, aiohttp_client, seed=5)
    await fresh.call("PUT", "/_sim/snapshot", as_="control", json=snapshot)
    assert await fresh.call("GET", f"/_sim/tenants/{TENANT}/counts", as_="control") == counts
    again = await fresh.call("GET", "/v1.0/deviceManagement/managedDevices?$top=2")
    assert [d["id"] for d in again["value"]] == [d["id"] for d in page["value"]]
    assert [d["complianceState"] for d in again["value"]] == [d["complianceState"] for d in page["value"]]


async def test_an_export_streamed_in_slices_is_the_same_document_as_one_encoded_whole(api: Api) -> None:
    from simulator.store.capture import capture
    from simulator.store.routes import _SLICE
    from simulator.store.snapshot import snapshot_document

    await _busy_tenant(api)
    for first in range(0, _SLICE * 2 + 1, 5000):  # more than two slices of devices
        batch = [{"azureADDeviceId": f"00000000-0000-4000-8000-{first + n:012d}", "platform": "ios",
                  "osVersion": "17.4"} for n in range(min(5000, _SLICE * 2 + 1 - first))]  # fmt: skip
        await api.enroll(*batch)
    response = await api.client.get("/_sim/snapshot", headers=api.control)
    assert response.status == 200 and response.headers["request-id"]
    streamed = await response.json()
    whole = snapshot_document(capture(api.client.app[STATE]))
    assert len(streamed["tenants"][0]["devices"]) > _SLICE * 2
    assert _comparable(streamed) == _comparable(whole)
