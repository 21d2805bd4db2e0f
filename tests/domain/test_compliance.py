from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from simulator.domain import (
    CATALOG,
    CompliancePolicy,
    ComplianceState,
    Connector,
    DeviceThreatProtectionLevel,
    Platform,
    ThreatReport,
    evaluate_compliance,
)
from simulator.domain import ManagedDevicePartnerReportedHealthState as Health

LOOKOUT = CATALOG["lookout"]  # Android 5.0+, iOS 12+
ZIMPERIUM = CATALOG["zimperium"]
PARTNERS = {p.connector_id: p for p in CATALOG.values()}
Level = DeviceThreatProtectionLevel


def policy(now: datetime, level: Level = Level.medium, enabled: bool = True, platform: Platform = Platform.android):
    return CompliancePolicy(f"p-{level}-{platform}", platform, "MTD", now, now, enabled, level)


def connector(partner=LOOKOUT, now: datetime | None = None, **settings: object) -> Connector:
    settings.setdefault("android_enabled", True)
    return Connector(id=partner.connector_id, last_heartbeat=now, **settings)  # type: ignore[arg-type]


def report(state: Health, now: datetime, partner=LOOKOUT, aad_id: str = "") -> ThreatReport:
    return ThreatReport(partner.connector_id, aad_id, Platform.android, "14", state, now, now)


def verdict(device, policies, connectors, reports, now):
    by_connector = {r.connector_id: r for r in reports}
    return evaluate_compliance(device, policies, connectors, by_connector, PARTNERS, now)


def test_without_a_policy_the_rule_is_not_evaluated(make_device, now) -> None:
    result = verdict(make_device(), [], [], [], now)
    assert result.state is ComplianceState.compliant
    assert result.reasons[0].rule == "notEvaluated"


@pytest.mark.parametrize(("enabled", "level"), [(False, Level.high), (True, Level.notSet), (True, Level.unavailable)])
def test_a_disabled_or_not_set_policy_is_not_evaluated(make_device, now, enabled, level) -> None:
    result = verdict(make_device(), [policy(now, level, enabled)], [], [], now)
    assert (result.state, result.reasons[0].rule) == (ComplianceState.compliant, "notEvaluated")


def test_a_policy_record_defaults_to_protection_off_and_level_unavailable_as_graph_does(now) -> None:
    bare = CompliancePolicy("p", Platform.android, "MTD", now, now)
    assert (bare.threat_protection_enabled, bare.required_level) == (False, Level.unavailable)
    assert bare.required_rank is None
    assert CompliancePolicy("p", Platform.android, "MTD", now, now, True).required_rank is None


def test_a_policy_with_protection_off_is_not_evaluated_whatever_its_level(make_device, now) -> None:
    off = CompliancePolicy("p", Platform.android, "MTD", now, now, required_level=Level.secured)
    result = verdict(make_device(), [off], [connector(now=now)], [report(Health.highSeverity, now)], now)
    assert (result.state, [r.rule for r in result.reasons]) == (ComplianceState.compliant, ["notEvaluated"])


def test_a_policy_of_another_platform_does_not_apply(make_device, now) -> None:
    result = verdict(make_device(), [policy(now, platform=Platform.ios)], [], [], now)
    assert result.reasons[0].rule == "notEvaluated"


def test_no_connector_enabled_for_the_platform_is_noncompliant(make_device, now) -> None:
    ios_only = connector(now=now, android_enabled=False, ios_enabled=True)
    result = verdict(make_device(), [policy(now)], [ios_only], [], now)
    assert result.state is ComplianceState.noncompliant
    assert result.reasons[0].rule == "noConnectorEnabled"


LEVEL_TABLE = [
    (Level.secured, Health.secured, True),
    (Level.secured, Health.lowSeverity, False),
    (Level.low, Health.lowSeverity, True),
    (Level.low, Health.mediumSeverity, False),
    (Level.medium, Health.mediumSeverity, True),
    (Level.medium, Health.highSeverity, False),
    (Level.high, Health.highSeverity, True),
    (Level.high, Health.secured, True),
]


@pytest.mark.parametrize(("required", "reported", "compliant"), LEVEL_TABLE)
def test_compliant_iff_the_reported_level_is_at_or_under_the_required_one(
    make_device, now, required, reported, compliant
) -> None:
    result = verdict(make_device(), [policy(now, required)], [connector(now=now)], [report(reported, now)], now)
    assert (result.state is ComplianceState.compliant) is compliant
    assert result.reasons[0].rule == "threatLevel"
    assert result.reasons[0].connector_id == LOOKOUT.connector_id


@pytest.mark.parametrize("state", [Health.compromised, Health.misconfigured])
def test_compromised_and_misconfigured_are_noncompliant_even_at_high(make_device, now, state) -> None:
    result = verdict(make_device(), [policy(now, Level.high)], [connector(now=now)], [report(state, now)], now)
    assert result.state is ComplianceState.noncompliant
    assert result.reasons[0].rule == "threatStateBlocks"


@pytest.mark.parametrize("state", [None, Health.activated, Health.deactivated, Health.unknown, Health.unresponsive])
@pytest.mark.parametrize("blocks", [True, False])
def test_missing_data_blocks_only_when_the_connector_says_so(make_device, now, state, blocks) -> None:
    reports = [report(state, now)] if state else []
    conn = connector(now=now, android_blocked_on_missing_data=blocks)
    result = verdict(make_device(), [policy(now)], [conn], reports, now)
    assert (result.state is ComplianceState.noncompliant) is blocks
    assert result.reasons[0].rule == ("missingPartnerData" if blocks else "noPartnerData")


def test_missing_data_toggle_is_per_platform(make_device, now) -> None:
    conn = connector(now=now, ios_blocked_on_missing_data=True)
    assert verdict(make_device(), [policy(now)], [conn], [], now).state is ComplianceState.compliant


@pytest.mark.parametrize(("os_version", "blocked"), [("4.4", True), ("5.0", False), ("5", False), ("14", False)])
def test_unsupported_os_versions_are_blocked_below_the_partner_minimum(make_device, now, os_version, blocked) -> None:
    conn = connector(now=now, unsupported_os_blocked=True)
    result = verdict(make_device(os_version=os_version), [policy(now)], [conn], [report(Health.secured, now)], now)
    assert (result.state is ComplianceState.noncompliant) is blocked
    assert (result.reasons[0].rule == "unsupportedOsVersion") is blocked


def test_an_old_os_is_fine_while_block_unsupported_is_off(make_device, now) -> None:
    result = verdict(make_device(os_version="4.4"), [policy(now)], [connector(now=now)], [report(Health.secured, now)],
                     now)  # fmt: skip
    assert result.state is ComplianceState.compliant


def test_an_unresponsive_partners_data_is_ignored(make_device, now) -> None:
    conn = connector(now=now, unresponsive_days=7, android_blocked_on_missing_data=True)
    later = now + timedelta(days=7, seconds=1)
    result = verdict(make_device(), [policy(now, Level.secured)], [conn], [report(Health.highSeverity, now)], later)
    assert result.state is ComplianceState.compliant
    assert result.reasons[0].rule == "partnerUnresponsive"


def test_exactly_the_threshold_later_the_partner_still_counts(make_device, now) -> None:
    conn = connector(now=now, unresponsive_days=7)
    at_boundary = now + timedelta(days=7)
    result = verdict(make_device(), [policy(now, Level.secured)], [conn], [report(Health.highSeverity, now)],
                     at_boundary)  # fmt: skip
    assert result.state is ComplianceState.noncompliant


def test_the_strictest_of_several_policies_wins(make_device, now) -> None:
    policies = [policy(now, Level.high), policy(now, Level.low)]
    result = verdict(make_device(), policies, [connector(now=now)], [report(Health.mediumSeverity, now)], now)
    assert result.state is ComplianceState.noncompliant


def test_with_two_partners_a_missing_scan_from_either_is_noncompliant(make_device, now) -> None:
    both = [connector(now=now, android_blocked_on_missing_data=True),
            connector(ZIMPERIUM, now=now, android_blocked_on_missing_data=True)]  # fmt: skip
    only_lookout = verdict(make_device(), [policy(now)], both, [report(Health.secured, now)], now)
    assert only_lookout.state is ComplianceState.noncompliant
    assert [r.rule for r in only_lookout.reasons] == ["threatLevel", "missingPartnerData"]
    reports = [report(Health.secured, now), report(Health.lowSeverity, now, ZIMPERIUM)]
    assert verdict(make_device(), [policy(now)], both, reports, now).state is ComplianceState.compliant


def test_with_two_partners_one_high_threat_is_enough_to_block(make_device, now) -> None:
    both = [connector(now=now), connector(ZIMPERIUM, now=now)]
    reports = [report(Health.secured, now), report(Health.highSeverity, now, ZIMPERIUM)]
    assert verdict(make_device(), [policy(now)], both, reports, now).state is ComplianceState.noncompliant


def test_when_every_enabled_partner_is_ignored_the_device_is_compliant(make_device, now) -> None:
    both = [connector(now=now, unresponsive_days=1), connector(ZIMPERIUM, now=now, unresponsive_days=1)]
    result = verdict(make_device(), [policy(now)], both, [], now + timedelta(days=2))
    assert result.state is ComplianceState.compliant
    assert {r.rule for r in result.reasons} == {"partnerUnresponsive"}


def test_an_unresponsive_partner_is_ignored_but_the_other_still_counts(make_device, now) -> None:
    stale = connector(now=now - timedelta(days=30), unresponsive_days=7)
    fresh = connector(ZIMPERIUM, now=now, android_blocked_on_missing_data=True)
    result = verdict(make_device(), [policy(now)], [stale, fresh], [], now)
    assert result.state is ComplianceState.noncompliant
    assert [r.rule for r in result.reasons] == ["partnerUnresponsive", "missingPartnerData"]


def test_reasons_render_for_the_wire(make_device, now) -> None:
    wire = verdict(
        make_device(), [policy(now)], [connector(now=now)], [report(Health.highSeverity, now)], now
    ).to_wire()
    assert wire["complianceState"] == "noncompliant"
    assert wire["reasons"] == [{"rule": "threatLevel", "noncompliant": True, "connectorId": LOOKOUT.connector_id,
                                "detail": "highSeverity is above the required level (rank 4 vs 3)"}]  # fmt: skip


def test_the_not_evaluated_reason_does_not_block_and_no_connector_enabled_does(make_device, now) -> None:
    [not_evaluated] = verdict(make_device(), [], [], [], now).reasons
    [no_connector] = verdict(make_device(), [policy(now)], [], [], now).reasons
    assert (not_evaluated.rule, not_evaluated.noncompliant) == ("notEvaluated", False)
    assert (no_connector.rule, no_connector.noncompliant) == ("noConnectorEnabled", True)


VERDICT_CASES = [
    ([], [], []),
    (["policy"], [], []),
    (["policy"], ["lookout"], []),
    (["policy"], ["lookout"], [Health.secured]),
    (["policy"], ["lookout"], [Health.highSeverity]),
    (["policy"], ["lookout", "blocking-zimperium"], [Health.secured]),
    (["policy"], ["stale-lookout"], [Health.highSeverity]),
]


@pytest.mark.parametrize(("policies", "connectors", "reports"), VERDICT_CASES)
def test_a_verdict_is_noncompliant_exactly_when_one_of_its_reasons_blocks(
    make_device, now, policies, connectors, reports
) -> None:
    made = {
        "lookout": connector(now=now),
        "blocking-zimperium": connector(ZIMPERIUM, now=now, android_blocked_on_missing_data=True),
        "stale-lookout": connector(now=now - timedelta(days=30), unresponsive_days=7),
    }
    result = verdict(
        make_device(),
        [policy(now) for _ in policies],
        [made[name] for name in connectors],
        [report(state, now) for state in reports],
        now,
    )
    blocked = any(r.noncompliant for r in result.reasons)
    assert result.reasons and (result.state is ComplianceState.noncompliant) == blocked
