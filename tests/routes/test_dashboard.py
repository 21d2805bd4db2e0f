from __future__ import annotations

import asyncio
from typing import Any

ANDROID = "00000000-0000-4000-8000-00000000d001"
POLICY = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
          "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "low"}  # fmt: skip


async def _high_severity_android(api: Any) -> None:
    await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", status=201, json=POLICY)
    await api.live_connector(androidEnabled=True)
    await api.report({"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0",
                      "threatState": "highSeverity", "reportedDateTime": "2026-11-25T10:00:00Z"})  # fmt: skip


async def test_the_dashboard_page_asks_for_the_key_and_the_form_sets_an_http_only_strict_cookie(api: Any) -> None:
    page = await (await api.client.get("/_sim/dashboard")).text()
    assert '<form method="post" action="/_sim/dashboard/session">' in page
    refused = await api.client.post("/_sim/dashboard/session", data={"key": "wrong"}, allow_redirects=False)
    assert refused.status == 401 and "That is not the control key" in await refused.text()
    signed = await api.client.post("/_sim/dashboard/session", data={"key": "test-key"}, allow_redirects=False)
    assert signed.status == 303 and signed.headers["Location"] == "/_sim/dashboard"
    cookie = signed.headers["Set-Cookie"]
    assert "mtdsim_control_key=test-key" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert (await api.client.get("/_sim/views/tenants")).status == 200  # the client kept the cookie


async def test_every_view_needs_the_control_key_and_takes_it_as_header_or_query(api: Any) -> None:
    paths = ["/_sim/views/tenants", f"/_sim/views/tenants/{api.TENANT}/overview", "/_sim/views/violations",
             f"/_sim/views/tenants/{api.TENANT}/devices", "/_sim/views/conformance"]  # fmt: skip
    for path in paths:
        refused = await api.client.get(path)
        assert refused.status == 401 and (await refused.json())["error"]["code"] == "unauthenticated"
        assert (await api.client.get(path, headers=api.control)).status == 200
        assert (await api.client.get(path + "?key=test-key")).status == 200


async def test_the_overview_shows_the_pane_and_counts_by_platform_connector_and_rule(api: Any) -> None:
    await _high_severity_android(api)
    body = await api.call("GET", f"/_sim/views/tenants/{api.TENANT}/overview", as_="control")
    connector = body["connectors"][0]
    assert connector["connectionStatus"] == "enabled" and connector["lastSynchronized"] == "2026-11-25T10:00:00Z"
    labels = {t["property"]: t["label"] for t in connector["toggles"]}
    assert labels["androidEnabled"] == "Connect Android 4.1+ devices to Contoso Demo MTD for Work MTD"
    assert labels["iosDeviceBlockedOnMissingPartnerData"] == "Mark as noncompliant if no data is received"
    assert len(connector["classicPolicies"]) == 1
    assert body["counts"]["byPlatform"]["android"]["noncompliant"] == 1
    assert body["counts"]["byRule"] == {"threatLevel": 1}
    assert connector["counts"]["noncompliant"] == 1


async def test_a_tenant_without_a_connector_is_not_set_up(api: Any) -> None:
    body = await api.call("GET", f"/_sim/views/tenants/{api.TENANT}/overview", as_="control")
    assert body["setUp"] is False and body["connectors"] == []


async def test_the_device_list_searches_filters_sorts_and_pages(api: Any) -> None:
    await _high_severity_android(api)
    base = f"/_sim/views/tenants/{api.TENANT}/devices"
    found = await api.call("GET", f"{base}?compliance=noncompliant&rule=threatLevel", as_="control")
    assert [d["azureADDeviceId"] for d in found["value"]] == [ANDROID] and found["matched"] == 1
    assert found["value"][0]["partnerReportedThreatState"] == "highSeverity"
    everything = await api.call("GET", f"{base}?sort=platform&order=desc", as_="control")
    platforms = [d["platform"] for d in everything["value"]]
    assert platforms == sorted(platforms, reverse=True) and everything["complete"]
    page = await api.call("GET", f"{base}?top=1&skip=1&sort=platform&order=desc", as_="control")
    assert page["value"] == everything["value"][1:2]
    by_id = await api.call("GET", f"{base}?search={ANDROID[-6:].upper()}", as_="control")
    assert [d["azureADDeviceId"] for d in by_id["value"]] == [ANDROID]
    none = await api.call("GET", f"{base}?threatState=none&platform=android", as_="control")
    assert ANDROID not in [d["azureADDeviceId"] for d in none["value"]]
    bad = await api.client.get(f"{base}?sort=nonsense", headers=api.control)
    assert bad.status == 400 and (await bad.json())["error"]["target"] == "sort"


async def test_the_device_view_has_its_report_history_reasons_and_journal(api: Any) -> None:
    await _high_severity_android(api)
    body = await api.call("GET", f"/_sim/views/tenants/{api.TENANT}/devices/{ANDROID}", as_="control")
    assert body["reportHistory"][0]["threatState"] == "highSeverity"
    assert body["reportHistory"][0]["status"] == "accepted"
    assert body["reasons"][0]["rule"] == "threatLevel"
    assert any(r["route"] == "/partner/v1/deviceThreatReports" for r in body["requests"])
    missing = await api.client.get(f"/_sim/views/tenants/{api.TENANT}/devices/nope", headers=api.control)
    assert missing.status == 404


async def test_the_timeline_counts_reports_per_hour_and_the_charts_are_svg(api: Any) -> None:
    await _high_severity_android(api)
    unknown = "00000000-0000-4000-8000-00000000ffff"
    await api.report({"azureADDeviceId": unknown, "platform": "android", "osVersion": "14.0",
                      "threatState": "secured", "reportedDateTime": "2026-11-25T10:00:00Z"})  # fmt: skip
    body = await api.call("GET", f"/_sim/views/tenants/{api.TENANT}/timeline", as_="control")
    assert body["reports"] == [{"start": "2026-11-25T10:00:00Z", "accepted": 1, "rejected": {"deviceNotFound": 1}}]
    chart = await api.client.get(f"/_sim/views/tenants/{api.TENANT}/charts/reports.svg", headers=api.control)
    assert chart.content_type == "image/svg+xml" and "rejected deviceNotFound" in await chart.text()


async def test_violations_filter_by_client_and_the_conformance_report_downloads(api: Any) -> None:
    bad = {"reports": [{"azureADDeviceId": ANDROID}]}
    await api.call("POST", "/partner/v1/deviceThreatReports", as_="partner", json=bad, status=400)
    mine = await api.call("GET", f"/_sim/views/violations?client={api.PARTNER_APP[0]}", as_="control")
    assert mine["matched"] >= 1 and mine["clients"] == [api.PARTNER_APP[0]]
    other = await api.call("GET", "/_sim/views/violations?client=someone-else", as_="control")
    assert other["matched"] == 0
    [address], [token] = mine["addresses"], mine["tokens"]
    assert address == "127.0.0.1" and len(token) == 12 and token not in api.partner["Authorization"]
    by_both = await api.call("GET", f"/_sim/views/violations?address={address}&token={token}", as_="control")
    assert by_both["matched"] == mine["matched"]
    assert (await api.call("GET", "/_sim/views/violations?token=000000000000", as_="control"))["matched"] == 0
    verdict = await api.call("GET", "/_sim/views/conformance", as_="control")
    assert verdict["conforms"] is False
    download = await api.client.get(verdict["downloads"]["markdown"], headers=api.control)
    assert download.headers["Content-Disposition"] == 'attachment; filename="conformance.md"'
    assert "does NOT conform" in await download.text()


async def test_the_dashboard_escapes_what_clients_sent(api: Any) -> None:
    await api.call("POST", "/_sim/tenants", as_="control", json={"displayName": "<script>x</script>"}, status=201)
    page = await (await api.client.get("/_sim/dashboard", headers=api.control)).text()
    assert "<script>x</script>" not in page  # names reach the page only as JSON, set as text by the script


async def _large_fleet(api: Any, size: int) -> list[str]:
    """``size`` devices (in batches of 4,000: a body stays under aiohttp's 1 MiB warning), a third iOS and a fifth
    personal; a high severity report for every 499th device, most of them beyond the old 20,000-device scan."""
    ios_policy = {**POLICY, "@odata.type": "#microsoft.graph.iosCompliancePolicy", "displayName": "MTD iOS"}
    for policy in (POLICY, ios_policy):
        await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", status=201, json=policy)
    await api.live_connector(androidEnabled=True, iosEnabled=True)
    ids = [f"00000000-0000-4000-9000-{n:012d}" for n in range(size)]
    devices = [{"azureADDeviceId": aad, "platform": "ios" if n % 3 == 0 else "android", "osVersion": "17.0",
                "ownerType": "personal" if n % 5 == 0 else "company", "deviceName": f"scale-{n:05d}",
                "userPrincipalName": f"user{n}@contoso.example"} for n, aad in enumerate(ids)]  # fmt: skip
    for start in range(0, size, 4_000):
        await api.enroll(*devices[start : start + 4_000])
    flagged = ids[498::499]
    await api.report(*({"azureADDeviceId": aad, "platform": "ios" if int(aad[-5:]) % 3 == 0 else "android",
                        "osVersion": "17.0", "threatState": "highSeverity", "reportedDateTime": "2026-11-25T10:00:00Z"}
                       for aad in flagged))  # fmt: skip
    return flagged


async def test_counts_and_filters_are_exact_beyond_the_old_scan_cap_and_agree_with_graph(api: Any) -> None:
    flagged = await _large_fleet(api, 25_000)
    base = f"/_sim/views/tenants/{api.TENANT}"
    counts = (await api.call("GET", f"{base}/overview", as_="control"))["counts"]
    graph = await api.call("GET", f"/_sim/tenants/{api.TENANT}/counts", as_="control")
    assert counts["complete"] and counts["devices"] == counts["scanned"] == graph["total"] > 25_000
    for platform, states in counts["byPlatform"].items():
        assert states == {s: graph["byPlatform"][platform].get(s, 0) for s in ("compliant", "noncompliant")}
    noncompliant = await api.call("GET", "/v1.0/deviceManagement/managedDevices?$count=true&$top=1"
                                  "&$filter=complianceState eq 'noncompliant'")  # fmt: skip
    assert sum(s["noncompliant"] for s in counts["byPlatform"].values()) == noncompliant["@odata.count"]
    assert counts["byRule"] == {"threatLevel": len(flagged)}

    found = await api.call("GET", f"{base}/devices?compliance=noncompliant&top=500", as_="control")
    assert found["complete"] and found["matched"] == len(flagged)
    assert sorted(r["azureADDeviceId"] for r in found["value"]) == flagged
    by_rule = await api.call("GET", f"{base}/devices?rule=threatLevel&platform=ios&sort=enrolled&top=500",
                             as_="control")  # fmt: skip
    assert [r["azureADDeviceId"] for r in by_rule["value"]] == [a for a in flagged if int(a[-5:]) % 3 == 0]
    personal = await api.call("GET", f"{base}/devices?owner=personal&compliance=compliant&sort=name&order=desc"
                              "&top=3&skip=2", as_="control")  # fmt: skip
    expected = [n for n in range(25_000) if n % 5 == 0 and f"00000000-0000-4000-9000-{n:012d}" not in flagged]
    by_graph = await api.call("GET", "/v1.0/deviceManagement/managedDevices?$count=true&$top=1&$filter="
                              "managedDeviceOwnerType eq 'personal' and complianceState eq 'compliant'")  # fmt: skip
    assert personal["complete"] and personal["matched"] == by_graph["@odata.count"] >= len(expected)
    assert [r["deviceName"] for r in personal["value"]] == [f"scale-{n:05d}" for n in expected[::-1][2:5]]

    # Two first pages by user at once: one build of the order, in slices, serves both; a deep page walks it in slices.
    by_user = f"{base}/devices?sort=user&order=desc&top=50"
    first, second = await asyncio.gather(*(api.call("GET", by_user, as_="control") for _ in range(2)))
    assert first == second and first["complete"] and first["matched"] == graph["total"]
    users = [r["userPrincipalName"].lower() for r in first["value"]]
    assert users == sorted(users, reverse=True) and len(users) == 50
    deep = await api.call("GET", f"{by_user}&skip=24990", as_="control")
    assert deep["complete"] and len(deep["value"]) == graph["total"] - 24_990
