"""The Graph enums, member for member and in Graph's order, as reference/intune-mtd.md lists them."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pytest

from simulator.contracts import contracts_dir
from simulator.domain.enums import (
    ComplianceState,
    DeviceRegistrationState,
    DeviceThreatProtectionLevel,
    ManagedDeviceOwnerType,
    ManagedDevicePartnerReportedHealthState,
    MobileThreatPartnerTenantState,
)

GRAPH_ENUMS: list[tuple[type[StrEnum], str, list[str]]] = [
    (MobileThreatPartnerTenantState, "mobileThreatPartnerTenantState",
     ["unavailable", "available", "enabled", "unresponsive", "notSetUp", "error", "unknownFutureValue"]),
    (ManagedDevicePartnerReportedHealthState, "partnerReportedHealthState",
     ["unknown", "activated", "deactivated", "secured", "lowSeverity", "mediumSeverity", "highSeverity",
      "unresponsive", "compromised", "misconfigured"]),
    (ComplianceState, "complianceState",
     ["unknown", "compliant", "noncompliant", "conflict", "error", "inGracePeriod", "configManager"]),
    (DeviceThreatProtectionLevel, "deviceThreatProtectionLevel",
     ["unavailable", "secured", "low", "medium", "high", "notSet"]),
    (ManagedDeviceOwnerType, "managedDeviceOwnerType", ["unknown", "company", "personal", "unknownFutureValue"]),
    (DeviceRegistrationState, "deviceRegistrationState",
     ["notRegistered", "registered", "revoked", "keyConflict", "approvalPending", "certificateReset",
      "notRegisteredPendingEnrollment", "unknown"]),
]  # fmt: skip
IDS = [enum.__name__ for enum, _, _ in GRAPH_ENUMS]


@pytest.mark.parametrize(("enum", "definition", "members"), GRAPH_ENUMS, ids=IDS)
def test_each_graph_enum_has_graphs_member_names_as_names_and_wire_values(
    enum: type[StrEnum], definition: str, members: list[str]
) -> None:
    assert [m.name for m in enum] == members
    assert [m.value for m in enum] == members


@pytest.mark.parametrize(("enum", "definition", "members"), GRAPH_ENUMS, ids=IDS)
def test_the_contracts_accept_exactly_the_domains_enum_values(
    enum: type[StrEnum], definition: str, members: list[str]
) -> None:
    common = json.loads(Path(contracts_dir(), "common.schema.json").read_text("utf-8"))
    assert common["$defs"][definition]["enum"] == members
