"""Compliance policies with the device-threat rule, and the classic Conditional Access policies MTD created."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from simulator.domain.assignments import PolicyAssignment
from simulator.domain.clock import format_datetime
from simulator.domain.enums import DeviceThreatProtectionLevel, Platform
from simulator.domain.policy_settings import SETTINGS, settings_for
from simulator.errors import InvalidRequest

__all__ = ["LEVEL_RANK", "ClassicPolicy", "CompliancePolicy", "apply_policy_patch"]

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
    settings: Mapping[str, Any] = field(default_factory=dict)  # stored-not-enforced settings the admin gave
    role_scope_tag_ids: tuple[str, ...] = ("0",)  # "0": Intune's Default scope tag
    assignments: tuple[PolicyAssignment, ...] = ()

    @property
    def odata_type(self) -> str:
        return _ODATA_TYPE[self.platform]

    @property
    def required_rank(self) -> int | None:
        """The rank the rule demands, or None when the rule is not evaluated."""
        if not self.threat_protection_enabled:
            return None
        return LEVEL_RANK.get(self.required_level)

    def to_graph(self, api: Literal["v1.0", "beta"] = "v1.0") -> dict[str, Any]:
        """Every property ``api`` has for this platform; a setting never given shows Graph's value for unset."""
        body: dict[str, Any] = {
            "@odata.type": self.odata_type,
            "id": self.id,
            "createdDateTime": format_datetime(self.created_at),
            "description": self.description,
            "lastModifiedDateTime": format_datetime(self.modified_at),
            "displayName": self.display_name,
            "version": self.version,
        }
        if api == "beta":
            body["roleScopeTagIds"] = list(self.role_scope_tag_ids)
        body["deviceThreatProtectionEnabled"] = self.threat_protection_enabled
        body["deviceThreatProtectionRequiredSecurityLevel"] = self.required_level.value
        given = self.settings
        for setting in settings_for(self.platform, api):
            value = given.get(setting.graph, setting.default)
            body[setting.graph] = list(value) if isinstance(value, tuple) else value
        return body

    @staticmethod
    def platform_for(odata_type: str) -> Platform | None:
        return next((p for p, t in _ODATA_TYPE.items() if t == odata_type), None)


def apply_policy_patch(policy: CompliancePolicy, body: Mapping[str, Any]) -> CompliancePolicy:
    """A Graph write body (valid against compliance-policy-write) applied; a setting of the other platform is a 400."""
    changes: dict[str, Any] = {}
    if "displayName" in body:
        changes["display_name"] = body["displayName"]
    if "description" in body:
        changes["description"] = body["description"] or ""
    if "deviceThreatProtectionEnabled" in body:
        changes["threat_protection_enabled"] = body["deviceThreatProtectionEnabled"]
    if "deviceThreatProtectionRequiredSecurityLevel" in body:
        changes["required_level"] = DeviceThreatProtectionLevel(body["deviceThreatProtectionRequiredSecurityLevel"])
    if "roleScopeTagIds" in body:
        changes["role_scope_tag_ids"] = tuple(body["roleScopeTagIds"])
    own = SETTINGS[policy.platform]
    other = {name for platform, settings in SETTINGS.items() if platform is not policy.platform for name in settings}
    settings = dict(policy.settings)
    for name, value in body.items():
        if name in own:
            settings[name] = value
        elif name in other:
            raise InvalidRequest("invalidRequest", f"{name} is not a property of {policy.odata_type[1:]}",
                                 target=f"/{name}")  # fmt: skip
    return dataclasses.replace(policy, **changes, settings=settings)


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
