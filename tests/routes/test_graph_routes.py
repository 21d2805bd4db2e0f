from __future__ import annotations

from typing import Any

import pytest

# The `api` fixture (tests/routes/conftest.py) drives the demo tenant: ids below are the demo config's.
ANDROID = "00000000-0000-4000-8000-00000000d001"
DEMO_CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
LOOKOUT = "2c7790de-8b02-4814-85cf-e0c59380dee8"
Api = Any


def connectors(version: str = "beta") -> str:
    return f"/{version}/deviceManagement/mobileThreatDefenseConnectors"


def report(state: str, at: str = "2026-11-25T10:00:00Z") -> dict[str, Any]:
    return {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0", "threatState": state,
            "reportedDateTime": at}  # fmt: skip


async def android_policy(api: Api, level: str = "low") -> dict[str, Any]:
    body = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD Android",
            "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": level}  # fmt: skip
    return await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", json=body, status=201)  # type: ignore[no-any-return]


async def device(api: Api, version: str = "v1.0") -> dict[str, Any]:
    found = await api.call("GET", f"/{version}/deviceManagement/managedDevices?$filter=azureADDeviceId eq '{ANDROID}'")
    [only] = found["value"]
    return only  # type: ignore[no-any-return]


async def test_connector_crud_follows_graph_statuses_and_shapes(api: Api) -> None:
    created = await api.call("POST", connectors("v1.0"), json={"id": LOOKOUT, "iosEnabled": True}, status=201)
    assert created["@odata.context"].endswith("$metadata#deviceManagement/mobileThreatDefenseConnectors/$entity")
    assert created["@odata.type"] == "#microsoft.graph.mobileThreatDefenseConnector"
    # notSetUp comes after v1.0's unknownFutureValue: a v1.0 caller without the Prefer header gets the sentinel.
    assert (created["id"], created["iosEnabled"], created["partnerState"]) == (LOOKOUT, True, "unknownFutureValue")
    listed = await api.call("GET", connectors("v1.0"))
    assert listed["@odata.context"].endswith("$metadata#deviceManagement/mobileThreatDefenseConnectors")
    assert [c["id"] for c in listed["value"]] == [LOOKOUT] and "@odata.type" not in listed["value"][0]
    patched = await api.call("PATCH", f"{connectors()}/{LOOKOUT}", json={"partnerUnresponsivenessThresholdInDays": 3})
    assert patched["partnerUnresponsivenessThresholdInDays"] == 3 and "macEnabled" in patched
    await api.call("DELETE", f"{connectors()}/{LOOKOUT}", status=204)
    gone = await api.call("GET", f"{connectors()}/{LOOKOUT}", status=404)
    assert gone["error"]["code"] == "itemNotFound"


async def test_v1_refuses_beta_only_properties_with_a_pointer(api: Api) -> None:
    body = await api.call("POST", connectors("v1.0"), json={"macEnabled": True}, status=400)
    assert [d["target"] for d in body["error"]["details"]] == ["/macEnabled"]
    v1 = await api.call("POST", connectors("v1.0"), json={}, status=201)
    assert "macEnabled" not in v1 and v1["id"] == DEMO_CONNECTOR


async def test_creating_a_connector_twice_conflicts(api: Api) -> None:
    await api.connector()
    body = await api.call("POST", connectors(), json={}, status=409)
    assert body["error"]["code"] == "nameAlreadyExists"


@pytest.mark.parametrize(
    ("payload", "target"),
    [
        ({"androidEnabled": "yes"}, "/androidEnabled"),
        ({"partnerUnresponsivenessThresholdInDays": 1.5}, "/partnerUnresponsivenessThresholdInDays"),
    ],
)
async def test_wrong_types_answer_400_with_the_json_pointer(api: Api, payload: dict[str, Any], target: str) -> None:
    await api.connector()
    body = await api.call("PATCH", f"{connectors()}/{DEMO_CONNECTOR}", json=payload, status=400)
    assert body["error"]["details"][0]["target"] == target


async def test_a_threat_report_turns_into_device_compliance(api: Api) -> None:
    await android_policy(api, "low")
    await api.live_connector(androidEnabled=True)
    await api.report(report("mediumSeverity"))
    medium = await device(api)
    assert (medium["complianceState"], medium["partnerReportedThreatState"]) == ("noncompliant", "mediumSeverity")
    await api.report(report("lowSeverity", "2026-11-25T10:01:00Z"))
    assert (await device(api, "beta"))["complianceState"] == "compliant"


async def compliance(api: Api) -> dict[str, Any]:
    path = f"/_sim/tenants/{api.TENANT}/devices/{ANDROID}/compliance"
    return await api.call("GET", path, as_="control")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ({"deviceThreatProtectionRequiredSecurityLevel": "secured"}, (False, "secured")),
        ({"deviceThreatProtectionEnabled": True}, (True, "unavailable")),
        ({}, (False, "unavailable")),
    ],
)
async def test_a_policy_missing_the_enabled_flag_or_the_level_takes_graphs_defaults_and_is_not_evaluated(
    api: Api, written: dict[str, Any], shown: tuple[bool, str]
) -> None:
    body = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "partial", **written}
    created = await api.call("POST", "/beta/deviceManagement/deviceCompliancePolicies", json=body, status=201)
    assert (created["deviceThreatProtectionEnabled"], created["deviceThreatProtectionRequiredSecurityLevel"]) == shown
    await api.live_connector(androidEnabled=True)
    await api.report(report("highSeverity"))
    verdict = await compliance(api)
    assert verdict["complianceState"] == "compliant"
    assert [(r["rule"], r["noncompliant"]) for r in verdict["reasons"]] == [("notEvaluated", False)]


async def test_no_enabled_connector_is_noncompliant_with_a_blocking_reason(api: Api) -> None:
    await android_policy(api, "high")
    await api.live_connector(iosEnabled=True)
    verdict = await compliance(api)
    assert verdict["complianceState"] == "noncompliant"
    assert [(r["rule"], r["noncompliant"]) for r in verdict["reasons"]] == [("noConnectorEnabled", True)]
    assert (await device(api))["complianceState"] == "noncompliant"


async def test_an_unresponsive_partner_is_ignored_after_its_threshold(api: Api) -> None:
    await android_policy(api, "secured")
    connector_id = await api.live_connector(androidEnabled=True, partnerUnresponsivenessThresholdInDays=1)
    await api.report(report("highSeverity"))
    await api.advance("P1D")
    assert (await device(api))["complianceState"] == "noncompliant"
    await api.advance("PT1S")
    assert (await device(api))["complianceState"] == "compliant"
    state = await api.call("GET", f"{connectors()}/{connector_id}")
    assert state["partnerState"] == "unresponsive"
    await api.call("POST", "/partner/v1/heartbeat", as_="partner")
    assert (await device(api))["complianceState"] == "noncompliant"


async def test_managed_devices_page_and_filter(api: Api) -> None:
    page = await api.call("GET", "/v1.0/deviceManagement/managedDevices?$top=3")
    assert len(page["value"]) == 3 and page["@odata.context"].endswith("#deviceManagement/managedDevices")
    rest = await api.follow(page["@odata.nextLink"])
    assert len(rest["value"]) == 1
    ios = await api.call("GET", "/v1.0/deviceManagement/managedDevices?$filter=operatingSystem eq 'iOS'")
    assert {d["operatingSystem"] for d in ios["value"]} == {"iOS"} and len(ios["value"]) == 2
    both = "operatingSystem eq 'Android' and managedDeviceOwnerType eq 'personal'"
    assert len((await api.call("GET", f"/v1.0/deviceManagement/managedDevices?$filter={both}"))["value"]) == 1
    one = await api.call("GET", f"/beta/deviceManagement/managedDevices/{ios['value'][0]['id']}")
    assert one["@odata.type"] == "#microsoft.graph.managedDevice" and one["id"] == ios["value"][0]["id"]


@pytest.mark.parametrize("query", ["$filter=osVersion gt '14'", "$filter=colour eq 'red'", "$top=0", "$top=abc"])
async def test_unsupported_queries_answer_400_not_500(api: Api, query: str) -> None:
    body = await api.call("GET", f"/v1.0/deviceManagement/managedDevices?{query}", status=400)
    assert body["error"]["code"] == "invalidRequest"


async def test_compliance_policies_crud(api: Api) -> None:
    created = await android_policy(api, "medium")
    url = f"/beta/deviceManagement/deviceCompliancePolicies/{created['id']}"
    patched = await api.call("PATCH", url, json={"deviceThreatProtectionRequiredSecurityLevel": "high"})
    assert (patched["deviceThreatProtectionRequiredSecurityLevel"], patched["version"]) == ("high", 2)
    read = await api.call("GET", url)
    assert read["@odata.type"] == "#microsoft.graph.androidCompliancePolicy" and read["version"] == 2
    assert read["@odata.context"].endswith("$metadata#deviceManagement/deviceCompliancePolicies/$entity")
    listed = await api.call("GET", "/v1.0/deviceManagement/deviceCompliancePolicies")
    assert [p["id"] for p in listed["value"]] == [created["id"]]
    await api.call("DELETE", url, status=204)
    await api.call("GET", url, status=404)
    missing_type = await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies",
                                  json={"displayName": "x"}, status=400)  # fmt: skip
    assert missing_type["error"]["target"] == "/@odata.type"


async def test_enabling_a_connector_creates_a_classic_policy_that_cannot_be_changed(api: Api) -> None:
    await api.connector()
    assert (await api.call("GET", "/beta/identity/conditionalAccess/classicPolicies"))["value"] == []
    await api.call("PATCH", f"{connectors()}/{DEMO_CONNECTOR}", json={"androidEnabled": True})
    [policy] = (await api.call("GET", "/beta/identity/conditionalAccess/classicPolicies"))["value"]
    assert policy["mobileThreatDefenseConnectorId"] == DEMO_CONNECTOR and policy["state"] == "enabled"
    url = f"/beta/identity/conditionalAccess/classicPolicies/{policy['id']}"
    for method, kw in (("PATCH", {"json": {"state": "disabled"}}), ("DELETE", {})):
        refused = await api.call(method, url, status=403, **kw)
        assert refused["error"]["code"] == "classicPolicyReadOnly"
        assert "delete the Mobile Threat Defense connection" in refused["error"]["message"]
    assert (await api.call("GET", url))["state"] == "enabled"


async def test_partner_tokens_cannot_use_graph_admin_routes(api: Api) -> None:
    body = await api.call("GET", connectors(), as_="partner", status=403)
    assert body["error"]["code"] == "accessDenied"


async def test_tokens_expire_on_the_virtual_clock(api: Api) -> None:
    # RFC 7519: a token must not be accepted on or after its exp (issued + expires_in = 3599 s).
    await api.call("POST", "/_sim/clock/advance", as_="control", json={"by": "PT3598S"})
    await api.call("GET", connectors())
    await api.call("POST", "/_sim/clock/advance", as_="control", json={"by": "PT1S"})
    expired = await api.call("GET", connectors(), status=401)
    assert expired["error"]["code"] == "InvalidAuthenticationToken"
