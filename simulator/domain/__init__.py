"""The pure model of Intune's Mobile Threat Defense: no I/O, nothing from service, consoles or scenarios."""

from simulator.domain.catalog import CATALOG, DEMO_PARTNER, Partner, find_partner
from simulator.domain.clock import VirtualClock, format_datetime, parse_datetime, parse_duration
from simulator.domain.compliance import ComplianceResult, Reason, evaluate_compliance
from simulator.domain.connector import Connector, connector_to_graph, partner_state
from simulator.domain.devices import EnrolledDevice, InstalledApp, ThreatReport
from simulator.domain.enums import (
    ComplianceState,
    DeviceRegistrationState,
    DeviceThreatProtectionLevel,
    ManagedDeviceOwnerType,
    ManagedDevicePartnerReportedHealthState,
    MobileThreatPartnerTenantState,
    Platform,
    RejectionCode,
)
from simulator.domain.policies import ClassicPolicy, CompliancePolicy
from simulator.domain.tenant import ReportOutcome, Tenant

__all__ = [
    "CATALOG",
    "DEMO_PARTNER",
    "ClassicPolicy",
    "CompliancePolicy",
    "ComplianceResult",
    "ComplianceState",
    "Connector",
    "DeviceRegistrationState",
    "DeviceThreatProtectionLevel",
    "EnrolledDevice",
    "InstalledApp",
    "ManagedDeviceOwnerType",
    "ManagedDevicePartnerReportedHealthState",
    "MobileThreatPartnerTenantState",
    "Partner",
    "Platform",
    "Reason",
    "RejectionCode",
    "ReportOutcome",
    "Tenant",
    "ThreatReport",
    "VirtualClock",
    "connector_to_graph",
    "evaluate_compliance",
    "find_partner",
    "format_datetime",
    "parse_datetime",
    "parse_duration",
    "partner_state",
]
