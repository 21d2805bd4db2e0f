"""Device compliance as far as Mobile Threat Defense goes (DESIGN 4.2), with the reason for every verdict.

Documented by Microsoft: the level order and "compliant iff at or under the required level", noncompliant when no
connector is enabled for the platform, "mark noncompliant if no data is received", "block unsupported OS
versions", ignoring unresponsive partners, and "a missing scan from any configured partner makes the device
noncompliant". Modelled: compromised/misconfigured are noncompliant at every level; activated, deactivated, unknown
and unresponsive device states count as no report; a policy applies to every device of its platform and the
strictest of several wins; if every enabled connector is ignored the device is compliant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from simulator.domain.catalog import Partner
from simulator.domain.connector import Connector, is_unresponsive
from simulator.domain.devices import EnrolledDevice, ThreatReport
from simulator.domain.enums import ComplianceState, Platform
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.policies import CompliancePolicy
from simulator.domain.versions import version_below

__all__ = [
    "ComplianceResult",
    "Reason",
    "below_minimum",
    "connector_verdict",
    "effective_minimum",
    "evaluate_compliance",
    "platform_required_rank",
    "required_rank",
]

REPORTED_RANK = {Health.secured: 1, Health.lowSeverity: 2, Health.mediumSeverity: 3, Health.highSeverity: 4}
ALWAYS_NONCOMPLIANT = frozenset({Health.compromised, Health.misconfigured})


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule's verdict: ``rule`` names it, ``noncompliant`` says whether it blocks the device."""

    rule: str
    detail: str
    noncompliant: bool
    connector_id: str | None = None

    def to_wire(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "detail": self.detail,
            "noncompliant": self.noncompliant,
            "connectorId": self.connector_id,
        }


@dataclass(frozen=True, slots=True)
class ComplianceResult:
    state: ComplianceState
    reasons: tuple[Reason, ...]

    def to_wire(self) -> dict[str, object]:
        return {"complianceState": self.state.value, "reasons": [r.to_wire() for r in self.reasons]}


def required_rank(device: EnrolledDevice, policies: Iterable[CompliancePolicy]) -> int | None:
    """The strictest level any policy of the device's platform requires, or None if the rule is not evaluated."""
    return platform_required_rank(device.platform, policies)


def platform_required_rank(platform: Platform, policies: Iterable[CompliancePolicy]) -> int | None:
    ranks = [p.required_rank for p in policies if p.platform is platform]
    evaluated = [rank for rank in ranks if rank is not None]
    return min(evaluated) if evaluated else None


def effective_minimum(connector: Connector | None, partner: Partner | None, platform: Platform) -> str | None:
    """The connector's own minimum (beta partnerMinimumSupported*Version) wins over the catalog's."""
    minimum = connector.minimum_version(platform) if connector is not None else None
    if minimum is None and partner is not None:
        minimum = partner.minimum_version(platform)
    return minimum


def below_minimum(os_version: str, minimum: str | None) -> bool:
    """The device runs an OS older than ``minimum`` (an unreadable version is never "below": modelled)."""
    if not minimum:
        return False
    try:
        return version_below(os_version, minimum)
    except ValueError:
        return False


def connector_verdict(
    connector: Connector, platform: Platform, below: bool, threat_state: Health | None, required: int, now: datetime
) -> tuple[str, bool]:
    """One connector's rule and whether it blocks, from the few facts it depends on (DESIGN 4.2, step 2).

    Both the per-device evaluation (with its reasons) and the class counts (simulator.domain.inventory) read their
    verdict here, so the two cannot disagree.
    """
    if is_unresponsive(connector, now):
        return "partnerUnresponsive", False
    if connector.unsupported_os_blocked and below:
        return "unsupportedOsVersion", True
    if threat_state in ALWAYS_NONCOMPLIANT:
        return "threatStateBlocks", True
    rank = REPORTED_RANK.get(threat_state) if threat_state is not None else None
    if rank is None:
        blocks = connector.blocks_on_missing_data(platform)
        return ("missingPartnerData", True) if blocks else ("noPartnerData", False)
    return "threatLevel", rank > required


def evaluate_compliance(
    device: EnrolledDevice,
    policies: Iterable[CompliancePolicy],
    connectors: Iterable[Connector],
    reports: Mapping[str, ThreatReport],
    partners: Mapping[str, Partner],
    now: datetime,
) -> ComplianceResult:
    """``reports`` maps connector id -> that connector's newest report for this device."""
    required = required_rank(device, policies)
    if required is None:
        reason = Reason("notEvaluated", "no compliance policy requires a device threat level", False)
        return ComplianceResult(ComplianceState.compliant, (reason,))
    enabled = [c for c in connectors if c.enabled_for(device.platform)]
    if not enabled:
        reason = Reason("noConnectorEnabled", f"no MTD connector is enabled for {device.platform.value}", True)
        return ComplianceResult(ComplianceState.noncompliant, (reason,))
    reasons = tuple(_judge(device, c, reports.get(c.id), partners.get(c.id), required, now) for c in enabled)
    blocked = any(r.noncompliant for r in reasons)
    return ComplianceResult(ComplianceState.noncompliant if blocked else ComplianceState.compliant, reasons)


def _judge(
    device: EnrolledDevice,
    connector: Connector,
    report: ThreatReport | None,
    partner: Partner | None,
    required: int,
    now: datetime,
) -> Reason:
    cid = connector.id
    minimum = effective_minimum(connector, partner, device.platform)
    below = below_minimum(device.os_version, minimum)
    rule, blocks = connector_verdict(
        connector, device.platform, below, report.threat_state if report else None, required, now
    )
    if rule == "partnerUnresponsive":
        days = connector.unresponsive_days
        return Reason(rule, f"no heartbeat for more than {days} days: data ignored", False, cid)
    if rule == "unsupportedOsVersion":
        return Reason(rule, f"OS {device.os_version} is below the partner minimum {minimum}", True, cid)
    if report is None or rule in ("missingPartnerData", "noPartnerData"):
        return _missing_data(device, connector, report)
    if rule == "threatStateBlocks":
        return Reason(rule, f"partner reports {report.threat_state.value}", True, cid)
    rank = REPORTED_RANK[report.threat_state]
    verdict = "above" if blocks else "at or under"
    detail = f"{report.threat_state.value} is {verdict} the required level (rank {rank} vs {required})"
    return Reason(rule, detail, blocks, cid)


def _missing_data(device: EnrolledDevice, connector: Connector, report: ThreatReport | None) -> Reason:
    what = "no report" if report is None else f"report says {report.threat_state.value} (no threat level)"
    if connector.blocks_on_missing_data(device.platform):
        return Reason("missingPartnerData", f"{what}; connector marks such devices noncompliant", True, connector.id)
    return Reason("noPartnerData", f"{what}; connector does not block on missing data", False, connector.id)
