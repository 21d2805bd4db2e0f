"""Graph enumerations, spelled exactly as Microsoft Graph spells them, plus the partner-channel enums we model.

Member *values* are the JSON strings on the wire; Graph's integer values are kept in ``GRAPH_INT`` maps where a
rule needs an order.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ComplianceState",
    "DeviceRegistrationState",
    "DeviceThreatProtectionLevel",
    "ManagedDeviceOwnerType",
    "ManagedDevicePartnerReportedHealthState",
    "MobileThreatPartnerTenantState",
    "Platform",
    "RejectionCode",
]


class MobileThreatPartnerTenantState(StrEnum):
    """graph.mobileThreatPartnerTenantState (beta has all seven; v1.0 lacks notSetUp and error)."""

    unavailable = "unavailable"
    available = "available"
    enabled = "enabled"
    unresponsive = "unresponsive"
    notSetUp = "notSetUp"
    error = "error"
    unknownFutureValue = "unknownFutureValue"


class ManagedDevicePartnerReportedHealthState(StrEnum):
    """graph.managedDevicePartnerReportedHealthState: what a partner says about one device."""

    unknown = "unknown"
    activated = "activated"
    deactivated = "deactivated"
    secured = "secured"
    lowSeverity = "lowSeverity"
    mediumSeverity = "mediumSeverity"
    highSeverity = "highSeverity"
    unresponsive = "unresponsive"
    compromised = "compromised"
    misconfigured = "misconfigured"


class ComplianceState(StrEnum):
    """graph.complianceState."""

    unknown = "unknown"
    compliant = "compliant"
    noncompliant = "noncompliant"
    conflict = "conflict"
    error = "error"
    inGracePeriod = "inGracePeriod"
    configManager = "configManager"


class DeviceThreatProtectionLevel(StrEnum):
    """graph.deviceThreatProtectionLevel: the level a compliance policy requires."""

    unavailable = "unavailable"
    secured = "secured"
    low = "low"
    medium = "medium"
    high = "high"
    notSet = "notSet"


class ManagedDeviceOwnerType(StrEnum):
    """graph.managedDeviceOwnerType: decides "personally owned" for App Sync."""

    unknown = "unknown"
    company = "company"
    personal = "personal"
    unknownFutureValue = "unknownFutureValue"


class DeviceRegistrationState(StrEnum):
    """graph.deviceRegistrationState: Azure AD registration of a managed device."""

    notRegistered = "notRegistered"
    registered = "registered"
    revoked = "revoked"
    keyConflict = "keyConflict"
    approvalPending = "approvalPending"
    certificateReset = "certificateReset"
    notRegisteredPendingEnrollment = "notRegisteredPendingEnrollment"
    unknown = "unknown"


class Platform(StrEnum):
    """Platforms an MTD partner serves on the partner channel (modelled names)."""

    android = "android"
    ios = "ios"

    @property
    def graph_operating_system(self) -> str:
        """The ``operatingSystem`` string Graph shows on a managedDevice."""
        return "Android" if self is Platform.android else "iOS"


class RejectionCode(StrEnum):
    """Why the partner channel rejected one threat report (modelled names, see DESIGN 3.2)."""

    deviceNotFound = "deviceNotFound"
    deviceNotRegistered = "deviceNotRegistered"
    platformMismatch = "platformMismatch"
    platformNotEnabled = "platformNotEnabled"
    staleReport = "staleReport"
    clockSkew = "clockSkew"
    connectorNotActive = "connectorNotActive"
