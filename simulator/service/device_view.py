"""One managed device as Graph shows it: every v1.0 property, and on beta the ones msgraph-beta-sdk knows.

``managed_device_view`` is the single ``device -> dict`` every managedDevices route (and OData query handling)
builds on. The MTD facts (compliance, threat state, registration) come from the tenant; the cosmetic ones from
``domain.device_identity``, derived at view time so nothing extra is stored per device. Keys follow the order of
Graph's own managedDevice example; navigation properties (users, deviceCategory, ...) are not expanded, as in Graph.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from simulator.domain.clock import GRAPH_NEVER, format_datetime
from simulator.domain.device_identity import derived_identity
from simulator.domain.devices import EnrolledDevice
from simulator.domain.enums import Platform
from simulator.domain.tenant import Tenant

__all__ = ["managed_device_view"]

NOT_IN_GRACE = "9999-12-31T23:59:59Z"  # what Intune shows while a device is not in a compliance grace period


def managed_device_view(
    tenant: Tenant, device: EnrolledDevice, now: datetime, api: Literal["v1.0", "beta"] = "v1.0"
) -> dict[str, Any]:
    """The Graph managedDevice for ``device`` on ``api`` (without @odata.context/@odata.type)."""
    newest = tenant.newest_report(device.azure_ad_device_id)
    last_sync = newest.received_at if newest else device.enrolled_at
    cosmetic = derived_identity(device)
    ios = device.platform is Platform.ios
    body: dict[str, Any] = {
        "id": device.id,
        "userId": cosmetic["userId"],
        "deviceName": cosmetic["deviceName"],
        "managedDeviceOwnerType": device.owner_type.value,
        "enrolledDateTime": format_datetime(device.enrolled_at),
        "lastSyncDateTime": format_datetime(last_sync),
        "operatingSystem": device.platform.graph_operating_system,
        "complianceState": tenant.compliance(device.azure_ad_device_id, now).state.value,
        "jailBroken": "Unknown",
        "managementAgent": "mdm",
        "osVersion": device.os_version,
        "easActivated": False,
        "easDeviceId": "",
        "easActivationDateTime": GRAPH_NEVER,
        "azureADRegistered": device.registered,
        "deviceEnrollmentType": cosmetic["deviceEnrollmentType"],
        "activationLockBypassCode": None,
        "emailAddress": cosmetic["emailAddress"],
        "azureADDeviceId": device.azure_ad_device_id,
        "deviceRegistrationState": device.registration_state.value,
        "deviceCategoryDisplayName": "Unknown",
        "isSupervised": cosmetic["isSupervised"],
        "exchangeLastSuccessfulSyncDateTime": GRAPH_NEVER,
        "exchangeAccessState": "none",
        "exchangeAccessStateReason": "none",
        "remoteAssistanceSessionUrl": "",
        "remoteAssistanceSessionErrorDetails": "",
        "isEncrypted": cosmetic["isEncrypted"],
        "userPrincipalName": device.user_principal_name,
        "model": cosmetic["model"],
        "manufacturer": cosmetic["manufacturer"],
        "imei": cosmetic["imei"],
        "complianceGracePeriodExpirationDateTime": NOT_IN_GRACE,
        "serialNumber": cosmetic["serialNumber"],
        "phoneNumber": cosmetic["phoneNumber"],
        "androidSecurityPatchLevel": cosmetic["androidSecurityPatchLevel"],
        "userDisplayName": cosmetic["userDisplayName"],
        "configurationManagerClientEnabledFeatures": None,
        "wiFiMacAddress": cosmetic["wiFiMacAddress"],
        "deviceHealthAttestationState": None,
        "subscriberCarrier": "",
        "meid": "",
        "totalStorageSpaceInBytes": cosmetic["totalStorageSpaceInBytes"],
        "freeStorageSpaceInBytes": cosmetic["freeStorageSpaceInBytes"],
        "managedDeviceName": cosmetic["managedDeviceName"],
        "partnerReportedThreatState": newest.threat_state.value if newest else "unknown",
        "requireUserEnrollmentApproval": False,
        "managementCertificateExpirationDate": cosmetic["managementCertificateExpirationDate"],
        "iccid": "",
        "udid": cosmetic["udid"],
        "notes": None,
        "ethernetMacAddress": "",
        "physicalMemoryInBytes": 0,
        "enrollmentProfileName": "Corporate iOS (ADE)" if cosmetic["deviceEnrollmentType"] == "appleBulkWithUser"
        else None,
        "deviceActionResults": [],
        "managementState": "managed",
    }  # fmt: skip
    if api == "beta":
        body.update(_beta_only(device, body, ios))
    return body


def _beta_only(device: EnrolledDevice, v1: dict[str, Any], ios: bool) -> dict[str, Any]:
    """The beta properties beyond v1.0 (msgraph-beta-sdk 1.66): mostly Windows/Autopilot facts at their empty value."""
    return {
        "aadRegistered": v1["azureADRegistered"],
        "autopilotEnrolled": False,
        "azureActiveDirectoryDeviceId": device.azure_ad_device_id,
        "bootstrapTokenEscrowed": False,
        "chassisType": "phone",
        "chromeOSDeviceInfo": [],
        "cloudPcRemoteActionResults": [],
        "configurationManagerClientHealthState": None,
        "configurationManagerClientInformation": None,
        "deviceFirmwareConfigurationInterfaceManaged": False,
        "deviceHealthScriptStates": [],
        "deviceType": "iPhone" if ios else "android",
        "enrolledByUserPrincipalName": device.user_principal_name,
        "hardwareInformation": {"serialNumber": v1["serialNumber"], "manufacturer": v1["manufacturer"],
                                "model": v1["model"], "imei": v1["imei"], "isEncrypted": v1["isEncrypted"],
                                "isSupervised": v1["isSupervised"], "wifiMac": v1["wiFiMacAddress"],
                                "totalStorageSpace": v1["totalStorageSpaceInBytes"],
                                "freeStorageSpace": v1["freeStorageSpaceInBytes"]},
        "joinType": "azureADRegistered" if v1["azureADRegistered"] else "unknown",
        "lostModeState": "disabled",
        "managementFeatures": "none",
        "ownerType": device.owner_type.value,
        "preferMdmOverGroupPolicyAppliedDateTime": GRAPH_NEVER,
        "processorArchitecture": "arM64",
        "retireAfterDateTime": GRAPH_NEVER,
        "roleScopeTagIds": ["0"],
        "securityPatchLevel": v1["androidSecurityPatchLevel"],
        "skuFamily": "",
        "skuNumber": 0,
        "specificationVersion": "",
        "usersLoggedOn": [],
        "windowsActiveMalwareCount": 0,
        "windowsRemediatedMalwareCount": 0,
    }
