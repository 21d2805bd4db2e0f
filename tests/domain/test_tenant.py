from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.domain import (
    DEMO_PARTNER,
    CompliancePolicy,
    ComplianceState,
    DeviceRegistrationState,
    DeviceThreatProtectionLevel,
    InstalledApp,
    ManagedDeviceOwnerType,
    Platform,
)
from simulator.domain import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.clock import format_datetime, parse_datetime
from simulator.errors import Conflict, Forbidden, InvalidRequest, NotFound

CID = DEMO_PARTNER.connector_id
ANDROID_ID = "00000000-0000-4000-8000-00000000a001"
IOS_ID = "00000000-0000-4000-8000-00000000a002"


def report(now, aad=ANDROID_ID, platform=Platform.android, state=Health.secured, at=None) -> dict[str, str]:
    """A threat report as the wire carries it."""
    return {"azureADDeviceId": aad, "platform": platform.value, "osVersion": "14", "threatState": state.value,
            "reportedDateTime": format_datetime(at or now)}


def apply(tenant, reports, now):
    return tenant.apply_reports(CID, reports, [parse_datetime(r["reportedDateTime"]) for r in reports], now)


@pytest.fixture
def live(tenant, now):
    """The fixture tenant after a heartbeat and with both platforms enabled."""
    tenant.heartbeat(CID, now)
    tenant.update_connector(CID, {"androidEnabled": True, "iosEnabled": True}, now)
    return tenant


def codes(outcomes) -> list[str | None]:
    return [o.code.value if o.code else None for o in outcomes]


def test_reports_before_the_first_heartbeat_are_refused_as_connector_not_active(tenant, now) -> None:
    tenant.update_connector(CID, {"androidEnabled": True}, now)
    assert codes(apply(tenant, [report(now)] * 2, now)) == ["connectorNotActive"] * 2


def test_reports_of_a_disconnected_partner_are_refused(live, now) -> None:
    live.set_condition(CID, "unavailable")
    assert codes(apply(live, [report(now)], now)) == ["connectorNotActive"]


def test_an_error_condition_blocks_nothing(live, now) -> None:
    live.set_condition(CID, "error")
    assert codes(apply(live, [report(now)], now)) == [None]


def test_an_unresponsive_partner_may_still_report(live, now) -> None:
    later = now + timedelta(days=8)
    assert codes(apply(live, [report(later)], later)) == [None]


def test_a_connector_changed_at_the_same_instant_judges_the_next_batch(live, now) -> None:
    # The checks of a batch are kept per (connector, instant); a frozen clock gives every call the same instant.
    assert codes(apply(live, [report(now)], now)) == [None]
    live.update_connector(CID, {"androidEnabled": False}, now)
    assert codes(apply(live, [report(now, at=now + timedelta(seconds=1))], now)) == ["platformNotEnabled"]
    live.update_connector(CID, {"androidEnabled": True}, now)
    live.set_condition(CID, "unavailable")
    assert codes(apply(live, [report(now, at=now + timedelta(seconds=2))], now)) == ["connectorNotActive"]
    live.set_condition(CID, None)
    assert codes(apply(live, [report(now, at=now + timedelta(seconds=3))], now)) == [None]


def test_the_clock_skew_bound_moves_with_the_instant_of_the_batch(live, now) -> None:
    ahead = now + timedelta(minutes=12)
    assert codes(apply(live, [report(now, at=ahead)], now)) == ["clockSkew"]
    later = now + timedelta(minutes=10)
    assert codes(apply(live, [report(now, at=ahead)], later)) == [None]


def test_partner_calls_before_the_admin_adds_the_connector_are_forbidden(make_device, now) -> None:
    from simulator.domain import Tenant

    empty = Tenant("t")
    with pytest.raises(Forbidden) as caught:
        empty.heartbeat(CID, now)
    assert caught.value.code == "connectorNotConfigured"


def test_each_rejection_code_has_its_cause(live, make_device, now) -> None:
    live.enroll(make_device("00000000-0000-4000-8000-00000000a003",
                            registration_state=DeviceRegistrationState.notRegistered))  # fmt: skip
    live.update_connector(CID, {"iosEnabled": False}, now)
    batch = [
        report(now, "00000000-0000-4000-8000-0000000000ff"),
        report(now, "00000000-0000-4000-8000-00000000a003"),
        report(now, platform=Platform.ios),
        report(now, IOS_ID, Platform.ios),
        report(now, at=now + timedelta(minutes=5, seconds=1)),
        report(now),
    ]
    assert codes(apply(live, batch, now)) == [
        "deviceNotFound", "deviceNotRegistered", "platformMismatch", "platformNotEnabled", "clockSkew", None,
    ]  # fmt: skip


def test_a_report_exactly_five_minutes_ahead_is_accepted(live, now) -> None:
    assert codes(apply(live, [report(now, at=now + timedelta(minutes=5))], now)) == [None]


def test_an_older_report_is_stale_and_changes_nothing(live, now) -> None:
    apply(live, [report(now, state=Health.highSeverity)], now)
    outcome = apply(live, [report(now, at=now - timedelta(seconds=1))], now)
    assert codes(outcome) == ["staleReport"]
    stored = live.report(CID, ANDROID_ID)
    assert stored is not None and stored.threat_state is Health.highSeverity


def test_a_resent_report_is_accepted_again_as_a_duplicate(live, now) -> None:
    first = apply(live, [report(now)], now)
    again = apply(live, [report(now)], now)
    assert (first[0].accepted, first[0].duplicate) == (True, False)
    assert (again[0].accepted, again[0].duplicate) == (True, True)


def test_the_same_time_with_another_state_is_stale(live, now) -> None:
    apply(live, [report(now)], now)
    assert codes(apply(live, [report(now, state=Health.highSeverity)], now)) == ["staleReport"]


def test_a_newer_report_replaces_the_stored_one(live, now) -> None:
    apply(live, [report(now)], now)
    later = now + timedelta(hours=1)
    apply(live, [report(now, state=Health.lowSeverity, at=later)], later)
    assert live.newest_report(ANDROID_ID).threat_state is Health.lowSeverity


def test_enabling_a_platform_creates_one_classic_policy_per_partner(tenant, now) -> None:
    assert tenant.classic_policies == {}
    tenant.update_connector(CID, {"androidEnabled": True}, now)
    tenant.update_connector(CID, {"iosEnabled": True}, now)
    [classic] = tenant.classic_policies.values()
    assert classic.connector_id == CID
    assert classic.to_graph()["state"] == "enabled"


def test_deleting_the_connector_removes_its_classic_policy_and_reports(live, now) -> None:
    apply(live, [report(now)], now)
    live.delete_connector(CID)
    assert live.classic_policies == {} and live.reports == {}
    live.create_connector(CID, {"androidEnabled": True}, now)
    assert len(live.classic_policies) == 1


def test_creating_a_connector_twice_conflicts_and_unknown_ids_are_refused(tenant, now) -> None:
    with pytest.raises(Conflict):
        tenant.create_connector(CID, {}, now)
    with pytest.raises(InvalidRequest) as caught:
        tenant.create_connector("not-a-partner", {}, now)
    assert caught.value.target == "/id"


def test_enrolling_the_same_device_twice_conflicts(tenant, make_device) -> None:
    with pytest.raises(Conflict):
        tenant.enroll(make_device())


APPS = (
    InstalledApp("com.microsoft.Office.Outlook", "Outlook", "4.2415.0", "4.2415", is_managed=True),
    InstalledApp("com.spotify.client", "Spotify", "8.9.1", "8.9"),
)


@pytest.fixture
def synced(live, make_device, now):
    live.update_connector(CID, {"allowPartnerToCollectIOSApplicationMetadata": True}, now)
    for n, owner in enumerate((ManagedDeviceOwnerType.company, ManagedDeviceOwnerType.personal)):
        live.enroll(make_device(f"00000000-0000-4000-8000-00000000b00{n}", Platform.ios, "17.4", owner_type=owner,
                                apps=APPS))  # fmt: skip
    return live


def test_app_sync_gives_company_devices_every_app(synced, now) -> None:
    assert synced.app_sync(CID, "00000000-0000-4000-8000-00000000b000", now) == APPS


def test_app_sync_gives_personal_devices_managed_apps_unless_allowed(synced, now) -> None:
    personal = "00000000-0000-4000-8000-00000000b001"
    assert synced.app_sync(CID, personal, now) == APPS[:1]
    synced.update_connector(CID, {"allowPartnerToCollectIOSPersonalApplicationMetadata": True}, now)
    assert synced.app_sync(CID, personal, now) == APPS


def test_app_sync_refusals(live, now) -> None:
    with pytest.raises(Forbidden, match="App Sync") as disabled:
        live.app_sync(CID, IOS_ID, now)
    assert disabled.value.code == "appSyncDisabled"
    live.update_connector(CID, {"allowPartnerToCollectIOSApplicationMetadata": True}, now)
    with pytest.raises(InvalidRequest) as android:
        live.app_sync(CID, ANDROID_ID, now)
    assert android.value.code == "platformNotSupported"
    with pytest.raises(NotFound) as unknown:
        live.app_sync(CID, "00000000-0000-4000-8000-0000000000ff", now)
    assert unknown.value.code == "deviceNotFound"
    live.set_condition(CID, "unavailable")
    with pytest.raises(Forbidden) as inactive:
        live.app_sync(CID, IOS_ID, now)
    assert inactive.value.code == "connectorNotActive"


def test_tenant_compliance_follows_reports_and_policies(live, now) -> None:
    live.add_policy(CompliancePolicy("p1", Platform.android, "MTD", now, now, True, DeviceThreatProtectionLevel.low))
    apply(live, [report(now, state=Health.mediumSeverity)], now)
    assert live.compliance(ANDROID_ID, now).state is ComplianceState.noncompliant
    later = now + timedelta(minutes=1)
    apply(live, [report(now, state=Health.lowSeverity, at=later)], later)
    assert live.compliance(ANDROID_ID, later).state is ComplianceState.compliant


def test_partner_device_list_filters_by_platform(live) -> None:
    assert [d.azure_ad_device_id for d in live.partner_devices(CID, Platform.ios)] == [IOS_ID]
    assert len(live.partner_devices(CID)) == 2
