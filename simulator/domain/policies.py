"""Compliance policies with the device-threat rule, and the classic Conditional Access policies MTD created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.domain.clock import format_datetime
from simulator.domain.enums import DeviceThreatProtectionLevel, Platform

__all__ = ["LEVEL_RANK", "ClassicPolicy", "CompliancePolicy"]

# secured < low < medium < high; unavailable ("do not use") and notSet mean the rule is not evaluated.
LEVEL_RANK = {
    DeviceThreatProtectionLevel.secured: 1,
    DeviceThreatProtectionLevel.low: 2,
    DeviceThreatProtectionLevel.medium: 3,
    DeviceThreatProtectionLevel.high: 4,
}
_ODATA_TYPE = {
    Platform.android: "#microsoft.graph.androidCompliancePolicy",
    Platform.ios: "#microsoft.graph.iosCompliancePolicy",
}


@dataclass(frozen=True, slots=True)
class CompliancePolicy:
    """An iosCompliancePolicy or androidCompliancePolicy; applies to every device of its platform (modelled)."""

    id: str
    platform: Platform
    display_name: str
    created_at: datetime
    modified_at: datetime
    threat_protection_enabled: bool = False
    required_level: DeviceThreatProtectionLevel = DeviceThreatProtectionLevel.unavailable
    description: str = ""
    version: int = 1

    @property
    def odata_type(self) -> str:
        return _ODATA_TYPE[self.platform]

    @property
    def required_rank(self) -> int | None:
        """The rank the rule demands, or None when the rule is not evaluated."""
        if not self.threat_protection_enabled:
            return None
        return LEVEL_RANK.get(self.required_level)

    def to_graph(self) -> dict[str, Any]:
        return {
            "@odata.type": self.odata_type,
            "id": self.id,
            "createdDateTime": format_datetime(self.created_at),
            "description": self.description,
            "lastModifiedDateTime": format_datetime(self.modified_at),
            "displayName": self.display_name,
            "version": self.version,
            "deviceThreatProtectionEnabled": self.threat_protection_enabled,
            "deviceThreatProtectionRequiredSecurityLevel": self.required_level.value,
        }

    @staticmethod
    def platform_for(odata_type: str) -> Platform | None:
        return next((p for p, t in _ODATA_TYPE.items() if t == odata_type), None)


@dataclass(frozen=True, slots=True)
class ClassicPolicy:
    """The classic CA policy Intune created when a partner's connector was first enabled (shape modelled).

    It requires an Azure AD device id before a device talks to the partner, and may not be edited, deleted or
    disabled: deleting and recreating the connector is the documented way to recreate it.
    """

    id: str
    connector_id: str
    partner_name: str
    created_at: datetime

    def to_graph(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": f"[{self.partner_name}] Device registration required for Mobile Threat Defense",
            "description": "Created by Intune when the Mobile Threat Defense connector was enabled. "
            "It can be ignored, but must not be edited, deleted or disabled.",
            "state": "enabled",
            "createdDateTime": format_datetime(self.created_at),
            "mobileThreatDefenseConnectorId": self.connector_id,
        }
