"""Compliance policies keep every setting real admin tools send, and take assignments as Graph's assign action does."""

from __future__ import annotations

from typing import Any

import pytest

Api = Any
POLICIES = "/{}/deviceManagement/deviceCompliancePolicies"
GROUP = "0f0e0d0c-0b0a-4909-8807-060504030201"
ALL_USERS = "acacacac-9df4-4c7d-9d50-4ef0226f57a9"
ANDROID_SETTINGS = {
    "osMinimumVersion": "12.0", "osMaximumVersion": None, "passwordRequired": True, "passwordMinimumLength": 6,
    "passwordRequiredType": "numericComplex", "securityBlockJailbrokenDevices": True,
    "storageRequireEncryption": True, "minAndroidSecurityPatchLevel": "2026-01-01",
}  # fmt: skip
IOS_SETTINGS = {"osMinimumVersion": "17.0", "passcodeRequired": True, "passcodeMinimumLength": 6,
                "passcodeRequiredType": "numeric", "securityBlockJailbrokenDevices": True}  # fmt: skip


def policy(kind: str, **settings: Any) -> dict[str, Any]:
    return {"@odata.type": f"#microsoft.graph.{kind}CompliancePolicy", "displayName": f"MTD {kind}",
            "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "low",
            **settings}  # fmt: skip


@pytest.mark.parametrize(("kind", "settings"), [("android", ANDROID_SETTINGS), ("ios", IOS_SETTINGS)])
async def test_a_policy_with_what_admin_tools_send_is_stored_and_returned(
    api: Api, kind: str, settings: dict[str, Any]
) -> None:
    created = await api.call("POST", POLICIES.format("v1.0"), json=policy(kind, **settings), status=201)
    assert {name: created[name] for name in settings} == settings
    read = await api.call("GET", f"{POLICIES.format('beta')}/{created['id']}")
    assert {name: read[name] for name in settings} == settings


async def test_settings_never_given_show_graphs_values_for_unset(api: Api) -> None:
    created = await api.call("POST", POLICIES.format("v1.0"), json={
        "@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "bare"}, status=201)  # fmt: skip
    assert created["deviceThreatProtectionEnabled"] is False
    assert created["deviceThreatProtectionRequiredSecurityLevel"] == "unavailable"
    assert (created["passwordRequired"], created["passwordRequiredType"], created["osMinimumVersion"]) == (
        False, "deviceDefault", None)
    assert "roleScopeTagIds" not in created and "requiredPasswordComplexity" not in created
    beta = await api.call("GET", f"{POLICIES.format('beta')}/{created['id']}")
    assert (beta["roleScopeTagIds"], beta["requiredPasswordComplexity"], beta["restrictedApps"]) == (["0"], "none", [])
    assert beta["advancedThreatProtectionRequiredSecurityLevel"] == "unavailable"


async def test_a_setting_of_the_other_platform_is_a_400_with_a_pointer(api: Api) -> None:
    body = await api.call("POST", POLICIES.format("v1.0"), json=policy("ios", passwordRequired=True), status=400)
    assert body["error"]["details"][0]["target"] == "/passwordRequired"
    created = await api.call("POST", POLICIES.format("v1.0"), json=policy("ios"), status=201)
    patched = await api.call("PATCH", f"{POLICIES.format('v1.0')}/{created['id']}", json={"passwordRequired": True},
                             status=400)  # fmt: skip
    assert patched["error"]["target"] == "/passwordRequired"


async def test_stored_settings_do_not_change_compliance(api: Api) -> None:
    body = policy("android", osMinimumVersion="99.0", deviceThreatProtectionEnabled=False)
    await api.call("POST", POLICIES.format("v1.0"), json=body, status=201)
    compliance = await api.call("GET", f"/_sim/tenants/{api.TENANT}/devices/{api.ANDROID}/compliance", as_="control")
    assert compliance["complianceState"] == "compliant"


async def test_assign_replaces_the_assignments_and_assignments_lists_them(api: Api) -> None:
    created = await api.call("POST", POLICIES.format("v1.0"), json=policy("android"), status=201)
    path = f"{POLICIES.format('v1.0')}/{created['id']}"
    assert (await api.call("GET", f"{path}/assignments"))["value"] == []
    targets = [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": GROUP}},
               {"@odata.type": "#microsoft.graph.deviceCompliancePolicyAssignment",
                "target": {"@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}}]  # fmt: skip
    assigned = await api.call("POST", f"{path}/assign", json={"assignments": targets})
    assert assigned["@odata.context"].endswith("$metadata#Collection(microsoft.graph.deviceCompliancePolicyAssignment)")
    assert [a["id"] for a in assigned["value"]] == [f"{created['id']}_{GROUP}", f"{created['id']}_{ALL_USERS}"]
    assert assigned["value"][0]["target"] == {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": GROUP}
    listed = await api.call("GET", f"{POLICIES.format('beta')}/{created['id']}/assignments")
    assert listed["@odata.context"].endswith(f"deviceCompliancePolicies('{created['id']}')/assignments")
    assert listed["value"][0]["target"]["deviceAndAppManagementAssignmentFilterType"] == "none"
    assert listed["value"][0]["source"] == "direct"
    await api.call("POST", f"{path}/assign", json={"assignments": []})
    assert (await api.call("GET", f"{path}/assignments"))["value"] == []


@pytest.mark.parametrize(
    ("assignments", "target"),
    [
        ([{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget"}}], "/assignments/0/target/groupId"),
        ([{"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}] * 2, "/assignments/1/target"),
    ],
)
async def test_bad_assignments_are_400s(api: Api, assignments: list[dict[str, Any]], target: str) -> None:
    created = await api.call("POST", POLICIES.format("v1.0"), json=policy("android"), status=201)
    body = await api.call("POST", f"{POLICIES.format('v1.0')}/{created['id']}/assign",
                          json={"assignments": assignments}, status=400)  # fmt: skip
    assert body["error"]["target"] == target


async def test_assigning_an_unknown_policy_is_a_404(api: Api) -> None:
    assigned = await api.call("POST", f"{POLICIES.format('v1.0')}/nope/assign", json={"assignments": []}, status=404)
    listed = await api.call("GET", f"{POLICIES.format('beta')}/nope/assignments", status=404)
    assert assigned["error"]["code"] == listed["error"]["code"] == "itemNotFound"
