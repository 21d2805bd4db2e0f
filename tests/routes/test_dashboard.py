from __future__ import annotations

from typing import Any

ANDROID = "00000000-0000-4000-8000-00000000d001"


async def test_the_dashboard_shows_connection_status_and_why_a_device_is_noncompliant(api: Any) -> None:
    await api.call(
        "POST",
        "/v1.0/deviceManagement/deviceCompliancePolicies",
        status=201,
        json={
            "@odata.type": "#microsoft.graph.androidCompliancePolicy",
            "displayName": "MTD",
            "deviceThreatProtectionEnabled": True,
            "deviceThreatProtectionRequiredSecurityLevel": "low",
        },
    )
    await api.live_connector(androidEnabled=True)
    await api.report({"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0",
                      "threatState": "highSeverity", "reportedDateTime": "2026-11-25T10:00:00Z"})  # fmt: skip
    response = await api.client.get("/_sim/dashboard?key=test-key")
    assert response.status == 200 and response.content_type == "text/html"
    assert response.headers["request-id"] and response.headers["client-request-id"]  # set by the request context
    page = await response.text()
    assert "<td>Contoso Demo MTD</td><td>enabled</td><td>2026-11-25T10:00:00Z</td>" in page
    assert f"<td>{ANDROID}</td>" in page
    assert '<span class="noncompliant">noncompliant</span>' in page
    assert "threatLevel: highSeverity is above the required level (rank 4 vs 2)" in page


async def test_the_dashboard_needs_the_control_key_and_escapes_what_clients_sent(api: Any) -> None:
    assert (await api.client.get("/_sim/dashboard")).status == 401
    await api.call("POST", "/_sim/tenants", as_="control", json={"displayName": "<script>x</script>"}, status=201)
    page = await (await api.client.get("/_sim/dashboard", headers=api.control)).text()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
