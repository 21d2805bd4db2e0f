"""DESIGN 7: a partner's token reaches only its own tenant and connector; a tenant never sees another's data.

Contoso is the demo tenant the `api` fixture drives; Fabrikam is created here with its own admin and partner apps.
"""

from __future__ import annotations

from typing import Any

Api = Any
CONTOSO = "00000000-0000-4000-8000-000000000001"
ANDROID = "00000000-0000-4000-8000-00000000d001"
IOS = "00000000-0000-4000-8000-00000000d003"
FABRIKAM_IPHONE = "00000000-0000-4000-8000-0000000fab01"
DEMO_CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
LOOKOUT = "2c7790de-8b02-4814-85cf-e0c59380dee8"
POLICY = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
          "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "secured"}  # fmt: skip


def connectors(version: str) -> str:
    return f"/{version}/deviceManagement/mobileThreatDefenseConnectors"


async def bearer(api: Api, tenant: str, kind: str, **extra: str) -> dict[str, str]:
    app = await api.call("POST", f"/_sim/tenants/{tenant}/apps", as_="control", json={"kind": kind, **extra},
                         status=201)  # fmt: skip
    return {"Authorization": f"Bearer {await api.token(app['clientId'], app['clientSecret'], tenant=tenant)}"}


async def fabrikam(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    """A second tenant with one iPhone, the demo partner's connector (iOS and App Sync on) and a heartbeat sent;
    returns its admin and partner bearer headers."""
    tenant = (await api.call("POST", "/_sim/tenants", as_="control", json={"displayName": "Fabrikam"},
                             status=201))["id"]  # fmt: skip
    admin, partner = await bearer(api, tenant, "admin"), await bearer(api, tenant, "partner", partner="demo")
    await api.enroll({"azureADDeviceId": FABRIKAM_IPHONE, "platform": "ios", "osVersion": "17.4"}, tenant=tenant)
    body = {"iosEnabled": True, "allowPartnerToCollectIOSApplicationMetadata": True}
    assert (await api.client.post(connectors("beta"), json=body, headers=admin)).status == 201
    assert (await api.client.post("/partner/v1/heartbeat", headers=partner)).status == 200
    return admin, partner


async def test_an_admin_app_never_sees_another_tenants_connectors_devices_or_policies(api: Api) -> None:
    await api.connector(androidEnabled=True)
    policy = await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", json=POLICY, status=201)
    [classic] = (await api.call("GET", "/beta/identity/conditionalAccess/classicPolicies"))["value"]
    contoso_device = (await api.call("GET", "/v1.0/deviceManagement/managedDevices"))["value"][0]
    api.admin, _ = await fabrikam(api)
    for version in ("v1.0", "beta"):
        assert [c["id"] for c in (await api.call("GET", connectors(version)))["value"]] == [DEMO_CONNECTOR]
        devices = (await api.call("GET", f"/{version}/deviceManagement/managedDevices"))["value"]
        assert [d["azureADDeviceId"] for d in devices] == [FABRIKAM_IPHONE]
        found = await api.call("GET", f"/{version}/deviceManagement/managedDevices"
                                      f"?$filter=azureADDeviceId eq '{ANDROID}'")  # fmt: skip
        assert found["value"] == []
        missing = await api.call("GET", f"/{version}/deviceManagement/managedDevices/{contoso_device['id']}",
                                 status=404)  # fmt: skip
        assert missing["error"]["code"] == "itemNotFound"
        assert (await api.call("GET", f"/{version}/deviceManagement/deviceCompliancePolicies"))["value"] == []
        await api.call("GET", f"/{version}/deviceManagement/deviceCompliancePolicies/{policy['id']}", status=404)
        await api.call("PATCH", f"/{version}/deviceManagement/deviceCompliancePolicies/{policy['id']}",
                       json={"deviceThreatProtectionEnabled": False}, status=404)  # fmt: skip
    [own_classic] = (await api.call("GET", "/beta/identity/conditionalAccess/classicPolicies"))["value"]
    assert own_classic["id"] != classic["id"]
    await api.call("GET", f"/beta/identity/conditionalAccess/classicPolicies/{classic['id']}", status=404)


async def test_an_admin_app_cannot_change_or_delete_another_tenants_connector(api: Api) -> None:
    await api.connector(androidEnabled=True)
    contoso_admin = api.admin
    api.admin, _ = await fabrikam(api)
    await api.call("DELETE", f"{connectors('beta')}/{DEMO_CONNECTOR}", status=204)  # Fabrikam's own connector
    await api.call("GET", f"{connectors('v1.0')}/{DEMO_CONNECTOR}", status=404)
    await api.call("PATCH", f"{connectors('beta')}/{DEMO_CONNECTOR}", json={"androidEnabled": False}, status=404)
    await api.call("DELETE", f"{connectors('beta')}/{DEMO_CONNECTOR}", status=404)
    api.admin = contoso_admin
    assert (await api.call("GET", f"{connectors('beta')}/{DEMO_CONNECTOR}"))["androidEnabled"] is True


async def test_a_partner_app_of_another_tenant_gets_404_for_this_tenants_devices(api: Api) -> None:
    await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", json=POLICY, status=201)
    await api.live_connector(androidEnabled=True, iosEnabled=True, allowPartnerToCollectIOSApplicationMetadata=True)
    before = await api.call("GET", f"/_sim/tenants/{CONTOSO}/devices/{ANDROID}/compliance", as_="control")
    _, api.partner = await fabrikam(api)
    listed = (await api.call("GET", "/partner/v1/devices", as_="partner"))["value"]
    assert [d["azureADDeviceId"] for d in listed] == [FABRIKAM_IPHONE]
    refused = await api.call("GET", f"/partner/v1/devices/{IOS}/apps", as_="partner", status=404)
    assert refused["error"]["code"] == "deviceNotFound"
    assert (await api.call("GET", f"/partner/v1/devices/{FABRIKAM_IPHONE}/apps", as_="partner"))["value"] == []
    report = {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0",
              "threatState": "highSeverity", "reportedDateTime": "2026-11-25T10:00:00Z"}  # fmt: skip
    results = (await api.report(report))["results"]
    assert [r.get("code") for r in results] == ["deviceNotFound"]
    after = await api.call("GET", f"/_sim/tenants/{CONTOSO}/devices/{ANDROID}/compliance", as_="control")
    assert after == before


async def test_a_partner_app_reaches_only_its_own_connector_in_its_tenant(api: Api) -> None:
    await api.connector(androidEnabled=True)  # the demo partner's connector only
    lookout = await bearer(api, CONTOSO, "partner", partner="lookout")
    refused = await api.client.post("/partner/v1/heartbeat", headers=lookout)
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "connectorNotConfigured"
    await api.call("POST", connectors("beta"), json={"id": LOOKOUT}, status=201)
    seen = await (await api.client.get("/partner/v1/connector", headers=lookout)).json()
    assert seen["id"] == LOOKOUT
    beat = await (await api.client.post("/partner/v1/heartbeat", headers=lookout)).json()
    assert (beat["id"], beat["partnerState"]) == (LOOKOUT, "available")
    demo = await api.call("GET", f"{connectors('beta')}/{DEMO_CONNECTOR}")
    assert (demo["partnerState"], demo["lastHeartbeatDateTime"]) == ("notSetUp", "0001-01-01T00:00:00Z")


async def test_one_tenants_credentials_get_no_token_from_another_tenant(api: Api) -> None:
    await fabrikam(api)
    tenants = (await api.call("GET", "/_sim/tenants", as_="control"))["value"]
    [other] = [t["id"] for t in tenants if t["id"] != CONTOSO]
    form = {"grant_type": "client_credentials", "client_id": api.PARTNER_APP[0], "client_secret": api.PARTNER_APP[1],
            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    response = await api.client.post(f"/{other}/oauth2/v2.0/token", data=form)
    body = await response.json()
    assert (response.status, body["error"], body["error_codes"]) == (400, "unauthorized_client", [700016])
