"""Graph shapes, enums and headers as Graph sends them (issue 14 item 3), driven as the demo tenant's admin."""

from __future__ import annotations

from typing import Any

import pytest

DEMO_CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
NEWER_BETA = {
    "grantMobileThreatDefensePartnerRole": True,
    "launchMobileThreatDefensePartnerOnSetupEnabled": True,
    "partnerMinimumSupportedAndroidVersion": "10.0",
    "partnerMinimumSupportedIosVersion": "16.0",
    "partnerMinimumSupportedMacVersion": "13.0",
    "partnerMinimumSupportedWindowsVersion": "10.0.19045",
    "partnerSupportsAndroidMam": True,
    "partnerSupportsIosCertificateSync": True,
    "partnerSupportsIosMam": True,
    "partnerSupportsWindowsMam": True,
}
Api = Any


def connectors(version: str = "beta") -> str:
    return f"/{version}/deviceManagement/mobileThreatDefenseConnectors"


@pytest.mark.parametrize(
    ("version", "prefer", "state"),
    [
        ("v1.0", None, "unknownFutureValue"),
        ("v1.0", "include-unknown-enum-members", "notSetUp"),
        ("v1.0", 'return=minimal, Include-Unknown-Enum-Members, odata.maxpagesize="5"', "notSetUp"),
        ("beta", None, "notSetUp"),
    ],
)
async def test_v1_sends_members_after_unknown_future_value_only_to_callers_who_prefer_them(
    api: Api, version: str, prefer: str | None, state: str
) -> None:
    await api.connector()
    headers = {**api.admin, **({"Prefer": prefer} if prefer else {})}
    for path in (connectors(version), f"{connectors(version)}/{DEMO_CONNECTOR}"):
        response = await api.client.get(path, headers=headers)
        body = await response.json()
        assert (body["value"][0] if "value" in body else body)["partnerState"] == state


async def test_an_errored_connector_reads_as_unknown_future_value_on_v1_without_the_prefer_header(api: Api) -> None:
    await api.live_connector()
    await api.call("PUT", f"/_sim/tenants/{api.TENANT}/connectors/{DEMO_CONNECTOR}/condition", as_="control",
                   json={"condition": "error"})  # fmt: skip
    assert (await api.call("GET", f"{connectors('v1.0')}/{DEMO_CONNECTOR}"))["partnerState"] == "unknownFutureValue"
    assert (await api.call("GET", f"{connectors('beta')}/{DEMO_CONNECTOR}"))["partnerState"] == "error"


async def test_beta_connector_has_the_newer_properties_and_patches_every_one(api: Api) -> None:
    created = await api.connector()
    assert created["partnerDisplayName"] == "Contoso Demo MTD"
    assert created["partnerMinimumSupportedAndroidVersion"] == "4.1" and created["partnerSupportsIosMam"] is False
    patched = await api.call("PATCH", f"{connectors()}/{DEMO_CONNECTOR}", json=NEWER_BETA)
    assert {name: patched[name] for name in NEWER_BETA} == NEWER_BETA
    read = await api.call("GET", f"{connectors()}/{DEMO_CONNECTOR}")
    assert {name: read[name] for name in NEWER_BETA} == NEWER_BETA


async def test_v1_refuses_the_newer_beta_properties(api: Api) -> None:
    await api.connector()
    body = await api.call("PATCH", f"{connectors('v1.0')}/{DEMO_CONNECTOR}", json={"partnerSupportsIosMam": True},
                          status=400)  # fmt: skip
    assert body["error"]["details"][0]["target"] == "/partnerSupportsIosMam"


async def test_a_connectors_own_minimum_os_version_decides_unsupported_os_blocking(api: Api) -> None:
    await api.call("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", status=201, json={
        "@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
        "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "high"})  # fmt: skip
    await api.live_connector(androidEnabled=True, partnerUnsupportedOsVersionBlocked=True,
                             partnerMinimumSupportedAndroidVersion="99.0")  # fmt: skip
    compliance = await api.call("GET", f"/_sim/tenants/{api.TENANT}/devices/{api.ANDROID}/compliance", as_="control")
    assert [r["rule"] for r in compliance["reasons"]] == ["unsupportedOsVersion"]


async def test_a_patch_whose_body_id_differs_from_the_url_is_a_400(api: Api) -> None:
    await api.connector()
    body = await api.call("PATCH", f"{connectors()}/{DEMO_CONNECTOR}", json={"id": "other", "iosEnabled": True},
                          status=400)  # fmt: skip
    assert (body["error"]["code"], body["error"]["target"]) == ("invalidRequest", "/id")
    same = await api.call("PATCH", f"{connectors()}/{DEMO_CONNECTOR}", json={"id": DEMO_CONNECTOR, "iosEnabled": True})
    assert same["iosEnabled"] is True


async def test_graph_answers_carry_the_odata_content_type_and_version(api: Api) -> None:
    await api.connector()
    for path in (connectors("v1.0"), f"{connectors()}/{DEMO_CONNECTOR}", "/v1.0/deviceManagement/managedDevices",
                 "/beta/deviceManagement/deviceCompliancePolicies"):  # fmt: skip
        response = await api.client.get(path, headers=api.admin)
        assert response.status == 200
        assert response.headers["Content-Type"] == GRAPH_CONTENT_TYPE
        assert response.headers["OData-Version"] == "4.0"
        assert (await response.json())["@odata.context"]


async def test_the_partner_channel_and_graph_errors_stay_plain_json(api: Api) -> None:
    await api.connector()
    partner = await api.client.post("/partner/v1/heartbeat", headers=api.partner)
    assert partner.headers["Content-Type"] == "application/json" and "OData-Version" not in partner.headers
    missing = await api.client.get(f"{connectors()}/nope", headers=api.admin)
    assert missing.status == 404 and missing.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("version", ["v1.0", "beta"])
async def test_every_property_the_write_contract_allows_can_be_patched(api: Api, version: str) -> None:
    import json

    from simulator.contracts import contracts_dir

    schema = json.loads((contracts_dir() / f"mtd-connector-write-{version}.schema.json").read_text())
    ignored = {"@odata.type", "id", "lastHeartbeatDateTime", "partnerState", "partnerDisplayName"}
    await api.connector()
    for name, spec in schema["properties"].items():
        if name in ignored:
            continue
        kinds = spec.get("type") or "integer"
        value = True if "boolean" in kinds else "7.1" if "string" in kinds else 5
        patched = await api.call("PATCH", f"{connectors(version)}/{DEMO_CONNECTOR}", json={name: value})
        assert patched[name] == value, name
