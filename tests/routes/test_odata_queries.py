"""OData query options on a live mock: answered exactly, or refused with a 400 that names the part (never ignored)."""

from __future__ import annotations

from typing import Any

import pytest
from yarl import URL

DEVICES = "/v1.0/deviceManagement/managedDevices"
POLICIES = "/beta/deviceManagement/deviceCompliancePolicies"
Api = Any


def fleet(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"azureADDeviceId": f"00000000-0000-4000-8000-{index:012d}", "platform": "ios" if index % 2 else "android",
             "osVersion": "17.4" if index % 2 else "14.0", "deviceName": f"Phone {index:03d}",
             "userPrincipalName": f"user{index % 3}@contoso.example"}
            for index in range(start, start + count)]  # fmt: skip


async def walk(api: Api, path: str, *, as_: str = "admin") -> list[dict[str, Any]]:
    page = await api.call("GET", path, as_=as_)
    found = list(page["value"])
    while "@odata.nextLink" in page:
        page = await api.follow(page["@odata.nextLink"], as_=as_)
        found += page["value"]
    return found


async def test_select_returns_only_the_named_properties(api: Api) -> None:
    page = await api.call("GET", f"{DEVICES}?$select=id,complianceState,deviceName")
    assert {frozenset(d) for d in page["value"]} == {frozenset({"id", "complianceState", "deviceName"})}
    one = await api.call("GET", f"{DEVICES}/{page['value'][0]['id']}?$select=osVersion")
    assert set(one) == {"@odata.context", "@odata.type", "osVersion"}
    body = await api.call("GET", f"{DEVICES}?$select=id,colour", status=400)
    assert "'colour'" in body["error"]["message"] and body["error"]["target"] == "$select"


async def test_count_is_exact_with_and_without_consistency_level(api: Api) -> None:
    await api.enroll(*fleet(10))
    page = await api.call("GET", f"{DEVICES}?$count=true&$top=2&$filter=operatingSystem eq 'iOS'")
    assert page["@odata.count"] == 2 + 5 and len(page["value"]) == 2
    headers = {**api.admin, "ConsistencyLevel": "eventual"}
    response = await api.client.get(f"{DEVICES}?$count=true&$filter=complianceState eq 'compliant'", headers=headers)
    assert (await response.json())["@odata.count"] == 14
    assert "@odata.count" not in await api.call("GET", DEVICES)


async def test_orderby_skip_and_top_page_in_the_requested_order(api: Api) -> None:
    await api.enroll(*fleet(9))
    names = [d["deviceName"] for d in await walk(api, f"{DEVICES}?$orderby=deviceName desc&$top=4&"
                                                 "$filter=startswith(deviceName,'phone')")]  # fmt: skip
    assert names == [f"Phone {i:03d}" for i in reversed(range(9))]
    skipped = await walk(api, f"{DEVICES}?$filter=startswith(deviceName,'Phone')&$skip=6&$top=2")
    assert [d["deviceName"] for d in skipped] == ["Phone 006", "Phone 007", "Phone 008"]


@pytest.mark.parametrize("query", [
    "$filter=operatingSystem ne 'iOS' and userPrincipalName eq 'user1@contoso.example'",
    "$filter=(operatingSystem eq 'iOS' or operatingSystem eq 'Android') and startswith(deviceName,'phone 00')",
    "$filter=deviceName eq 'PHONE 004'",
])  # fmt: skip
async def test_supported_filters_answer_what_brute_force_says(api: Api, query: str) -> None:
    await api.enroll(*fleet(12))
    everything = await walk(api, DEVICES)
    got = await walk(api, f"{DEVICES}?{query}")
    assert got and len(got) < len(everything)
    text = query.removeprefix("$filter=")
    expected = [d for d in everything if _brute(d, text)]
    assert [d["id"] for d in got] == [d["id"] for d in expected]


def _brute(device: dict[str, Any], text: str) -> bool:
    name, upn, system = device["deviceName"].lower(), device["userPrincipalName"], device["operatingSystem"]
    return bool({
        "operatingSystem ne 'iOS' and userPrincipalName eq 'user1@contoso.example'":
            system != "iOS" and upn == "user1@contoso.example",
        "(operatingSystem eq 'iOS' or operatingSystem eq 'Android') and startswith(deviceName,'phone 00')":
            name.startswith("phone 00"),
        "deviceName eq 'PHONE 004'": name == "phone 004",
    }[text])  # fmt: skip


async def test_date_filters_compare_instants_on_both_sides_of_the_bound(api: Api) -> None:
    await api.enroll(*fleet(3))
    await api.advance("P1D")
    await api.enroll(*fleet(2, start=50))
    later = await walk(api, f"{DEVICES}?$filter=enrolledDateTime ge 2026-11-26T10:00:00Z")
    assert [d["deviceName"] for d in later] == ["Phone 050", "Phone 051"]
    earlier = await walk(api, f"{DEVICES}?$filter=enrolledDateTime lt '2026-11-26T11:00:00%2B01:00'&$count=true")
    assert len(earlier) == 4 + 3
    assert await walk(api, f"{DEVICES}?$filter=lastSyncDateTime gt 2026-11-26T10:00:00Z") == []


@pytest.mark.parametrize(("query", "target", "named"), [
    ("$expand=users", "$expand", "'$expand'"),
    ("$search=ana", "$search", "'$search'"),
    ("$filter=contains(deviceName,'a')", "$filter", "'contains'"),
    ("$filter=osVersion gt '14'", "$filter", "'gt' is supported on date-time properties only"),
    ("$filter=managementAgent eq 'mdm'", "$filter", "'managementAgent'"),
    ("$filter=lastSyncDateTime gt 'yesterday'", "$filter", "not a valid date-time"),
    ("$orderby=jailBroken", "$orderby", "'jailBroken'"),
    ("$orderby=deviceName sideways", "$orderby", "sideways"),
    ("$count=maybe", "$count", "true or false"),
    ("$skip=-1", "$skip", "$skip"),
    ("$top=1001", "$top", "$top"),
    ("$skiptoken=100", "$skiptoken", "not a $skiptoken"),
])  # fmt: skip
async def test_unsupported_or_malformed_options_are_400s_naming_the_part(api: Api, query: str, target: str,
                                                                         named: str) -> None:  # fmt: skip
    body = await api.call("GET", f"{DEVICES}?{query}", status=400)
    assert body["error"]["code"] == "invalidRequest" and body["error"]["target"] == target
    assert named in body["error"]["message"]


async def test_a_skiptoken_is_bound_to_its_query(api: Api) -> None:
    page = await api.call("GET", f"{DEVICES}?$top=1&$filter=operatingSystem eq 'Android'")
    token = URL(page["@odata.nextLink"]).query["$skiptoken"]
    body = await api.call("GET", f"{DEVICES}?$top=1&$skiptoken={token}&$filter=operatingSystem eq 'iOS'", status=400)
    assert "another query" in body["error"]["message"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    await api.call("GET", f"{DEVICES}?$top=1&$skiptoken={tampered}&$filter=operatingSystem eq 'Android'", status=400)


async def test_paging_holds_while_devices_are_enrolled_and_removed_between_pages(api: Api) -> None:
    await api.enroll(*fleet(20))
    page = await api.call("GET", f"{DEVICES}?$top=5")
    seen = [d["azureADDeviceId"] for d in page["value"]]
    removed = [d["azureADDeviceId"] for d in fleet(20)[8:12]]
    for device_id in removed:
        await api.call("DELETE", f"/_sim/tenants/{api.TENANT}/devices/{device_id}", as_="control", status=204)
    await api.enroll(*fleet(3, start=100))
    while "@odata.nextLink" in page:
        page = await api.follow(page["@odata.nextLink"])
        seen += [d["azureADDeviceId"] for d in page["value"]]
    assert len(seen) == len(set(seen)) == 4 + 20 - 4 + 3 and not set(removed) & set(seen)
    await api.call("DELETE", f"/_sim/tenants/{api.TENANT}/devices/{removed[0]}", as_="control", status=404)


async def test_partner_device_list_pages_by_cursor_and_platform(api: Api) -> None:
    await api.connector()
    await api.enroll(*fleet(7))
    ios = await walk(api, "/partner/v1/devices?platform=ios&$top=2", as_="partner")
    assert {d["platform"] for d in ios} == {"ios"} and len(ios) == 2 + 3
    body = await api.call("GET", "/partner/v1/devices?$skiptoken=2", as_="partner", status=400)
    assert body["error"]["target"] == "$skiptoken"


async def test_device_counts_route_follows_the_virtual_clock(api: Api) -> None:
    android = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
               "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "low"}  # fmt: skip
    await api.call("POST", POLICIES, json=android, status=201)
    connector_id = await api.live_connector(androidEnabled=True, partnerUnresponsivenessThresholdInDays=1)
    await api.report({"azureADDeviceId": api.ANDROID, "platform": "android", "osVersion": "14.0",
                      "threatState": "highSeverity", "reportedDateTime": "2026-11-25T10:00:00Z"})  # fmt: skip
    counts = await api.call("GET", f"/_sim/tenants/{api.TENANT}/counts", as_="control")
    assert counts["byComplianceState"] == {"compliant": 3, "noncompliant": 1} and counts["total"] == 4
    assert counts["byConnector"][connector_id] == {"threatLevel": 1, "noPartnerData": 1, "reported": 1}
    assert counts["byPlatform"]["ios"] == {"compliant": 2}
    await api.advance("P1DT1S")
    later = await api.call("GET", f"/_sim/tenants/{api.TENANT}/counts", as_="control")
    assert later["byComplianceState"] == {"compliant": 4} and later["at"] == "2026-11-26T10:00:01Z"
    await api.call("GET", "/_sim/tenants/nobody/counts", as_="control", status=404)


async def test_compliance_policies_answer_odata_options(api: Api) -> None:
    for platform, name in [("android", "B Android"), ("ios", "A iOS"), ("android", "C Android")]:
        body = {"@odata.type": f"#microsoft.graph.{platform}CompliancePolicy", "displayName": name}
        await api.call("POST", POLICIES, json=body, status=201)
    ordered = await walk(api, f"{POLICIES}?$orderby=displayName&$top=1&$select=id,displayName")
    assert [p["displayName"] for p in ordered] == ["A iOS", "B Android", "C Android"]
    assert set(ordered[0]) == {"@odata.type", "id", "displayName"}  # a derived type keeps its annotation
    either = "startswith(displayName,'c') or displayName eq 'A iOS'"
    found = await api.call("GET", f"{POLICIES}?$filter={either}&$count=true")
    assert found["@odata.count"] == 2
    body = await api.call("GET", f"{POLICIES}?$filter=isof('microsoft.graph.iosCompliancePolicy')", status=400)
    assert "'isof'" in body["error"]["message"]


async def test_derived_properties_filter_by_the_values_the_view_shows(api: Api) -> None:
    """deviceName, model, serialNumber... are derived from the device id unless enrolled: filters read the same."""
    await api.enroll(*fleet(4))
    everything = await walk(api, DEVICES)
    target = everything[-1]
    for name in ("serialNumber", "model", "deviceName", "userDisplayName", "emailAddress"):
        found = await walk(api, f"{DEVICES}?$filter={name} eq '{target[name]}'")
        assert target["id"] in [d["id"] for d in found], name
        assert all(d[name].lower() == target[name].lower() for d in found), name
    supervised = await walk(api, f"{DEVICES}?$filter=isSupervised eq true")
    assert [d["id"] for d in supervised] == [d["id"] for d in everything if d["isSupervised"]]
