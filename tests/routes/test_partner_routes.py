from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.service.partner import _all_accepted

# The `api` fixture (tests/routes/conftest.py) drives the demo tenant: ids below are the demo config's.
ANDROID = "00000000-0000-4000-8000-00000000d001"
IOS = "00000000-0000-4000-8000-00000000d003"
TENANT = "00000000-0000-4000-8000-000000000001"
Api = Any


def threat(device: str = ANDROID, state: str = "secured", at: str = "2026-11-25T10:00:00Z", **kw: Any) -> Any:
    platform = kw.pop("platform", "ios" if device == IOS else "android")
    return {"azureADDeviceId": device, "platform": platform, "osVersion": kw.pop("osVersion", "14.0"),
            "threatState": state, "reportedDateTime": at, **kw}  # fmt: skip


UNKNOWN = "00000000-0000-4000-8000-0000000000ff"
UNREGISTERED = "00000000-0000-4000-8000-00000000e001"


def codes(body: dict[str, Any]) -> list[str | None]:
    return [r.get("code") for r in body["results"]]


async def test_partner_calls_before_the_admin_adds_the_connector_are_forbidden(api: Api) -> None:
    body = await api.call("POST", "/partner/v1/heartbeat", as_="partner", status=403)
    assert body["error"]["code"] == "connectorNotConfigured"
    for method, path in [
        ("GET", "/partner/v1/connector"),
        ("GET", "/partner/v1/devices"),
        ("GET", "/partner/v1/devices?platform=ios"),
        ("GET", f"/partner/v1/devices/{IOS}/apps"),
    ]:
        refused = await api.call(method, path, as_="partner", status=403)
        assert refused["error"]["code"] == "connectorNotConfigured", path
    refused = await api.report(threat(), status=403)
    assert refused["error"]["code"] == "connectorNotConfigured"


async def test_heartbeat_records_the_time_and_returns_state_and_toggles(api: Api) -> None:
    await api.connector(androidEnabled=True)
    before = await api.call("GET", "/partner/v1/connector", as_="partner")
    assert (before["partnerState"], before["lastHeartbeatDateTime"]) == ("notSetUp", "0001-01-01T00:00:00Z")
    after = await api.call("POST", "/partner/v1/heartbeat", as_="partner", json={"partnerVersion": "2.1.0"})
    assert (after["partnerState"], after["lastHeartbeatDateTime"]) == ("enabled", "2026-11-25T10:00:00Z")
    assert after["androidEnabled"] is True and after["iosEnabled"] is False


async def test_heartbeat_with_unknown_fields_is_rejected_with_a_pointer(api: Api) -> None:
    await api.connector()
    body = await api.call("POST", "/partner/v1/heartbeat", as_="partner", json={"mood": "happy"}, status=400)
    assert body["error"]["code"] == "invalidRequest"
    assert [d["target"] for d in body["error"]["details"]] == ["/mood"]


async def test_device_list_pages_with_next_link_and_filters_by_platform(api: Api) -> None:
    await api.live_connector()
    first = await api.call("GET", "/partner/v1/devices?$top=3", as_="partner")
    assert len(first["value"]) == 3
    rest = await api.follow(first["@odata.nextLink"], as_="partner")
    assert len(rest["value"]) == 1 and "@odata.nextLink" not in rest
    ios = await api.call("GET", "/partner/v1/devices?platform=ios", as_="partner")
    assert {d["platform"] for d in ios["value"]} == {"ios"}
    bad = await api.call("GET", "/partner/v1/devices?platform=windows", as_="partner", status=400)
    assert bad["error"]["target"] == "platform"


async def test_each_rejection_code_comes_back_per_report(api: Api) -> None:
    await api.live_connector(androidEnabled=True)
    await api.enroll({"azureADDeviceId": UNREGISTERED, "platform": "android", "osVersion": "14",
                       "deviceRegistrationState": "notRegistered"})  # fmt: skip
    body = await api.report(
        threat(UNKNOWN),
        threat(UNREGISTERED),
        threat(ANDROID, platform="ios"),
        threat(IOS),
        threat(ANDROID, at="2026-11-25T10:05:01Z"),
        threat(ANDROID, state="lowSeverity"),
        threat(ANDROID, state="secured", at="2026-11-25T09:00:00Z"),
    )
    assert codes(body) == ["deviceNotFound", "deviceNotRegistered", "platformMismatch", "platformNotEnabled",
                           "clockSkew", None, "staleReport"]  # fmt: skip
    assert (body["acceptedCount"], body["rejectedCount"]) == (1, 6)
    assert [r["index"] for r in body["results"]] == list(range(7))


async def test_reports_before_the_first_heartbeat_are_refused_as_connector_not_active(api: Api) -> None:
    await api.connector(androidEnabled=True)
    assert codes(await api.report(threat())) == ["connectorNotActive"]


async def test_reports_after_disconnection_are_refused_as_connector_not_active(api: Api) -> None:
    connector_id = await api.live_connector(androidEnabled=True)
    await api.call("PUT", f"/_sim/tenants/{TENANT}/connectors/{connector_id}/condition", as_="control",
                   json={"condition": "unavailable"})  # fmt: skip
    assert codes(await api.report(threat())) == ["connectorNotActive"]


async def test_a_resent_batch_is_accepted_again_but_counted_once(api: Api) -> None:
    await api.live_connector(androidEnabled=True)
    for _ in range(2):
        assert codes(await api.report(threat(state="highSeverity"))) == [None]
    stats = await api.call("GET", "/_sim/stats", as_="control")
    assert (stats["traffic"]["reportsAccepted"], stats["traffic"]["reportsDuplicate"]) == (1, 1)


async def test_a_batch_accepted_whole_answers_each_report_by_index_and_device(api: Api) -> None:
    await api.live_connector(androidEnabled=True, iosEnabled=True)
    body = await api.report(threat(IOS), threat(ANDROID, at="2026-11-25T10:00:01Z"))
    assert body == {"results": [{"index": 0, "azureADDeviceId": IOS, "status": "accepted"},
                                {"index": 1, "azureADDeviceId": ANDROID, "status": "accepted"}],
                    "acceptedCount": 2, "rejectedCount": 0}  # fmt: skip


@given(st.lists(st.uuids().map(str), min_size=2, max_size=1000))
def test_the_written_results_of_a_batch_accepted_whole_are_the_json_of_its_result_objects(ids: list[str]) -> None:
    results = [{"index": i, "azureADDeviceId": device, "status": "accepted"} for i, device in enumerate(ids)]
    written = _all_accepted([{"azureADDeviceId": device} for device in ids])
    assert orjson.dumps({"results": written}) == orjson.dumps({"results": results})


async def test_a_batch_breaking_its_contract_answers_400_with_every_pointer_and_stores_nothing(api: Api) -> None:
    await api.live_connector(androidEnabled=True)
    body = await api.report(threat(), threat(state="pwned"), threat(osVersion="fourteen"), status=400)
    targets = sorted(d["target"] for d in body["error"]["details"])
    assert targets == ["/reports/1/threatState", "/reports/2/osVersion"]
    stats = await api.call("GET", "/_sim/stats", as_="control")
    assert stats["traffic"]["reportsAccepted"] == 0


async def test_more_than_1000_reports_is_refused(api: Api) -> None:
    await api.live_connector(androidEnabled=True)
    body = await api.report(*[threat()] * 1001, status=400)
    assert body["error"]["details"] == [{"code": "invalidRequest", "target": "/reports",
                                         "message": "has 1001 items, more than the 1000 allowed"}]  # fmt: skip
    violations = await api.call("GET", "/_sim/violations", as_="control")
    assert [v["message"] for v in violations["value"]] == [
        "threat-report-batch: has 1001 items, more than the 1000 allowed"]  # not the 1001 reports echoed back


async def test_app_sync_follows_the_toggles_and_ownership(api: Api) -> None:
    connector_id = await api.live_connector(iosEnabled=True)
    disabled = await api.call("GET", f"/partner/v1/devices/{IOS}/apps", as_="partner", status=403)
    assert disabled["error"]["code"] == "appSyncDisabled"
    await api.call("PATCH", f"/beta/deviceManagement/mobileThreatDefenseConnectors/{connector_id}",
                   json={"allowPartnerToCollectIOSApplicationMetadata": True})  # fmt: skip
    company = await api.call("GET", f"/partner/v1/devices/{IOS}/apps", as_="partner")
    assert len(company["value"]) == 3 and company["azureADDeviceId"] == IOS
    personal = "00000000-0000-4000-8000-00000000d004"
    managed_only = await api.call("GET", f"/partner/v1/devices/{personal}/apps", as_="partner")
    assert [a["bundleId"] for a in managed_only["value"]] == ["com.microsoft.Office.Outlook"]
    android = await api.call("GET", f"/partner/v1/devices/{ANDROID}/apps", as_="partner", status=400)
    assert android["error"]["code"] == "platformNotSupported"
    unknown = await api.call("GET", f"/partner/v1/devices/{UNKNOWN}/apps", as_="partner", status=404)
    assert unknown["error"]["code"] == "deviceNotFound"


async def test_app_sync_is_refused_while_the_connector_is_not_set_up_or_unavailable(api: Api) -> None:
    connector_id = (await api.connector(iosEnabled=True, allowPartnerToCollectIOSApplicationMetadata=True))["id"]
    not_set_up = await api.call("GET", f"/partner/v1/devices/{IOS}/apps", as_="partner", status=403)
    assert not_set_up["error"]["code"] == "connectorNotActive" and "notSetUp" in not_set_up["error"]["message"]
    await api.call("POST", "/partner/v1/heartbeat", as_="partner")
    await api.call("GET", f"/partner/v1/devices/{IOS}/apps", as_="partner")
    await api.call("PUT", f"/_sim/tenants/{TENANT}/connectors/{connector_id}/condition", as_="control",
                   json={"condition": "unavailable"})  # fmt: skip
    unavailable = await api.call("GET", f"/partner/v1/devices/{IOS}/apps", as_="partner", status=403)
    assert unavailable["error"]["code"] == "connectorNotActive"


async def test_app_sync_returns_every_app_of_a_personal_device_once_the_personal_toggle_is_on(api: Api) -> None:
    await api.live_connector(iosEnabled=True, allowPartnerToCollectIOSApplicationMetadata=True,
                             allowPartnerToCollectIOSPersonalApplicationMetadata=True)  # fmt: skip
    personal = await api.call("GET", f"/partner/v1/devices/{api.IOS_PERSONAL}/apps", as_="partner")
    assert len(personal["value"]) == 2
    assert {a["isManaged"] for a in personal["value"]} == {True, False}


async def test_admin_tokens_cannot_use_the_partner_channel(api: Api) -> None:
    await api.connector()
    body = await api.call("POST", "/partner/v1/heartbeat", as_="admin", status=403)
    assert body["error"]["code"] == "accessDenied"


async def test_a_partner_app_of_another_tenant_sees_only_its_own_tenant(api: Api) -> None:
    await api.live_connector(androidEnabled=True)
    other = await api.call("POST", "/_sim/tenants", as_="control", json={"displayName": "Fabrikam"}, status=201)
    creds = await api.call("POST", f"/_sim/tenants/{other['id']}/apps", as_="control",
                           json={"kind": "partner", "partner": "demo"}, status=201)  # fmt: skip
    token = await api.token(creds["clientId"], creds["clientSecret"], tenant=other["id"])
    api.partner = {"Authorization": f"Bearer {token}"}
    refused = await api.call("POST", "/partner/v1/heartbeat", as_="partner", status=403)
    assert refused["error"]["code"] == "connectorNotConfigured"
    # Once Fabrikam's admin adds the same partner, Contoso's device is still unknown there.
    admin = await api.call("POST", f"/_sim/tenants/{other['id']}/apps", as_="control", json={"kind": "admin"},
                           status=201)  # fmt: skip
    admin_token = await api.token(admin["clientId"], admin["clientSecret"], tenant=other["id"])
    api.admin = {"Authorization": f"Bearer {admin_token}"}
    await api.live_connector(androidEnabled=True)
    assert codes(await api.report(threat())) == ["deviceNotFound"]


@pytest.mark.parametrize("moment", ["2026-11-25t09:00:00z", "2026-11-24T23:59:60Z", "2026-11-25T10:00:00+01:00"])
async def test_every_rfc_3339_time_the_contract_accepts_is_read_not_a_500(api: Api, moment: str) -> None:
    await api.live_connector(androidEnabled=True)
    assert codes(await api.report(threat(at=moment))) == [None]


async def test_a_time_with_an_offset_is_the_same_instant_as_its_utc_form(api: Api) -> None:
    await api.live_connector(androidEnabled=True)
    assert codes(await api.report(threat(at="2026-11-25T10:00:00+01:00"))) == [None]
    stale = (await api.report(threat(at="2026-11-25T08:59:59Z")))["results"][0]
    assert stale["code"] == "staleReport" and "2026-11-25T09:00:00Z" in stale["message"]
    assert codes(await api.report(threat(at="2026-11-25T09:00:01Z"))) == [None]


async def test_a_clock_in_the_first_millennium_still_writes_rfc_3339_times(api: Api) -> None:
    await api.connector(androidEnabled=True)
    await api.call("PUT", "/_sim/clock", as_="control", json={"now": "0999-06-01T08:30:00Z"})
    await api.sign_in()  # tokens issued at the new time
    after = await api.call("POST", "/partner/v1/heartbeat", as_="partner")
    assert after["lastHeartbeatDateTime"] == "0999-06-01T08:30:00Z"
    assert api.self_check_failures() == []


async def test_date_times_fromisoformat_refuses_are_read_and_ordered_like_the_rest(api: Api) -> None:
    await api.live_connector(androidEnabled=True, iosEnabled=True)
    body = await api.report(threat(at="2026-11-25t09:59:00z"), threat(IOS, at="2026-11-24T23:59:60Z"))
    assert codes(body) == [None, None]
    # Stored as 09:59 and 23:59:59 the day before: anything not newer is stale, anything newer is taken.
    later = await api.report(threat(at="2026-11-25T09:58:59Z"), threat(IOS, at="2026-11-25T00:00:00Z"))
    assert codes(later) == ["staleReport", None]
