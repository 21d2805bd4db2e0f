"""The inventory and compliance classes against brute force: what the indexes and counts say equals what scanning
every device says, for random fleets, reports, removals and virtual times on both sides of every transition."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.domain import CATALOG, CompliancePolicy, DeviceThreatProtectionLevel, EnrolledDevice, Platform, Tenant
from simulator.domain import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.clock import format_datetime
from simulator.domain.enums import ManagedDeviceOwnerType
from simulator.domain.inventory import INDEXED
from simulator.errors import Conflict

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PARTNERS = [CATALOG["lookout"].connector_id, CATALOG["jamf"].connector_id]  # minimums 5.0/12 and 11/15.6
VERSIONS = ["4.4", "5.0", "10", "11", "12", "14.0", "15.6", "17.4"]
LEVELS = ["secured", "low", "medium", "high", "notSet"]
TOGGLES = ["androidDeviceBlockedOnMissingPartnerData", "iosDeviceBlockedOnMissingPartnerData",
           "partnerUnsupportedOsVersionBlocked", "androidEnabled", "iosEnabled"]  # fmt: skip

devices_st = st.lists(st.tuples(st.sampled_from(list(Platform)), st.sampled_from(VERSIONS),
                                st.sampled_from(list(ManagedDeviceOwnerType)[:3]), st.sampled_from(["", "ana", "Bo"])),
                      min_size=1, max_size=25)  # fmt: skip
reports_st = st.lists(st.tuples(st.integers(0, 24), st.integers(0, 1), st.sampled_from(list(Health))), max_size=60)
# The admin may set a connector's own minimum OS (beta) at any time, after devices enrolled and reported.
MINIMUMS = {"partnerMinimumSupportedAndroidVersion": st.sampled_from(VERSIONS),
            "partnerMinimumSupportedIosVersion": st.sampled_from(VERSIONS)}
connector_st = st.fixed_dictionaries({name: st.booleans() for name in TOGGLES} |
                                     {"partnerUnresponsivenessThresholdInDays": st.integers(0, 3)},
                                     optional=MINIMUMS)  # fmt: skip


def device(index: int, platform: Platform, version: str, owner: ManagedDeviceOwnerType, upn: str) -> EnrolledDevice:
    return EnrolledDevice(id=f"d-{index}", azure_ad_device_id=f"aad-{index}", platform=platform, os_version=version,
                          enrolled_at=T0, owner_type=owner, user_principal_name=upn)  # fmt: skip


def build(fleet: list[Any], reports: list[Any], settings_by_connector: list[Any], levels: tuple[str, str]) -> Tenant:
    tenant = Tenant("t", "T")
    for index, spec in enumerate(fleet):
        tenant.enroll(device(index, *spec))
    for offset, cid in enumerate(PARTNERS):
        tenant.create_connector(cid, {"androidEnabled": True, "iosEnabled": True}, T0)
        tenant.heartbeat(cid, T0 + timedelta(hours=offset))
    for step, (index, connector, state) in enumerate(reports):
        target = tenant.devices.get(f"aad-{index % len(fleet)}")
        assert target is not None
        wire = {"azureADDeviceId": target.azure_ad_device_id, "platform": target.platform.value,
                "osVersion": target.os_version, "threatState": state.value,
                "reportedDateTime": format_datetime(T0 + timedelta(seconds=step))}  # fmt: skip
        tenant.apply_reports(PARTNERS[connector], [wire], [T0 + timedelta(seconds=step)], T0 + timedelta(hours=2))
    for cid, toggles in zip(PARTNERS, settings_by_connector, strict=True):
        tenant.update_connector(cid, toggles, T0)
    for platform, level in zip(Platform, levels, strict=True):
        tenant.add_policy(CompliancePolicy(f"p-{platform.value}", platform, "MTD", T0, T0, True,
                                           DeviceThreatProtectionLevel(level)))  # fmt: skip
    return tenant


def transitions(tenant: Tenant) -> list[datetime]:
    """Every instant a connector turns unresponsive, and a microsecond either side of it."""
    tiny = timedelta(microseconds=1)
    found = [T0]
    for connector in tenant.connectors.values():
        assert connector.last_heartbeat is not None
        edge = connector.last_heartbeat + timedelta(days=connector.unresponsive_days)
        found += [edge - tiny, edge, edge + tiny]
    return found


def assert_classes_match_brute_force(tenant: Tenant) -> None:
    for now in transitions(tenant):
        verdicts = tenant.classes.verdicts(tenant.policies.values(), tenant.connectors.values(), tenant.partners, now)
        expected: Counter[str] = Counter()
        for aad, dev in tenant.devices.items():
            state = tenant.compliance(aad, now).state
            number = tenant.classes.of_seq[tenant.inventory.seq_of[aad]]
            assert number >= 0 and verdicts.state(number) is state, (aad, now)
            key = tenant.classes.keys[number]
            expected[state.value] += 1
            assert key[0] == dev.platform.value
        counts = tenant.compliance_counts(now)
        assert counts.by_state == dict(expected) and counts.total == len(tenant.devices)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(devices_st, reports_st, st.lists(connector_st, min_size=2, max_size=2),
       st.tuples(st.sampled_from(LEVELS), st.sampled_from(LEVELS)))  # fmt: skip
def test_class_verdicts_and_counts_equal_evaluating_every_device_at_every_transition(fleet, reports, toggles,
                                                                                    levels) -> None:  # fmt: skip
    assert_classes_match_brute_force(build(fleet, reports, toggles, levels))


@settings(max_examples=40, deadline=None)
@given(devices_st, reports_st, st.lists(connector_st, min_size=2, max_size=2), st.data())
def test_classes_stay_exact_after_removals_and_a_deleted_connector(fleet, reports, toggles, data) -> None:
    tenant = build(fleet, reports, toggles, ("low", "medium"))
    for aad in data.draw(st.lists(st.sampled_from(sorted(tenant.devices)), unique=True)):
        tenant.remove(aad)
    if data.draw(st.booleans()):
        tenant.delete_connector(PARTNERS[0])
    assert_classes_match_brute_force(tenant)
    assert sum(tenant.classes.sizes) == len(tenant.devices)


@settings(max_examples=60, deadline=None)
@given(devices_st, st.data())
def test_indexes_list_exactly_the_live_devices_with_each_value_in_enrolment_order(fleet, data) -> None:
    tenant = Tenant("t", "T")
    for index, spec in enumerate(fleet):
        tenant.enroll(device(index, *spec))
    removed = data.draw(st.lists(st.sampled_from(sorted(tenant.devices)), unique=True))
    for aad in removed:
        tenant.remove(aad)
    for index in range(len(fleet), len(fleet) + data.draw(st.integers(0, 5))):
        tenant.enroll(device(index, Platform.ios, "17.4", ManagedDeviceOwnerType.company, "ana"))
    inventory = tenant.inventory
    assert [d for d in inventory.slots if d is not None] == list(tenant.devices.values())
    for name, value_of in INDEXED.items():
        values = {value_of(d).lower() for d in tenant.devices.values()}
        for value in values:
            live = [s for s in inventory.bucket(name, value) if inventory.slots[s] is not None]
            expected = [inventory.seq_of[d.azure_ad_device_id] for d in tenant.devices.values()
                        if value_of(d).lower() == value]  # fmt: skip
            assert live == expected and inventory.bucket_size(name, value) == len(expected)


def test_a_thousand_removals_rebuild_the_indexes_without_dead_entries() -> None:
    tenant = Tenant("t", "T")
    for index in range(3000):
        tenant.enroll(device(index, Platform.android, "14.0", ManagedDeviceOwnerType.company, ""))
    for index in range(0, 3000, 2):
        tenant.remove(f"aad-{index}")
    bucket = tenant.inventory.bucket("operatingSystem", "android")
    assert len(bucket) == 1500 and all(tenant.inventory.slots[s] is not None for s in bucket)


def test_counts_at_scale_follow_a_partner_turning_unresponsive() -> None:
    """20,000 devices, one report each: the counts flip at the threshold without touching any device."""
    tenant = Tenant("t", "T")
    cid = PARTNERS[0]
    for index in range(20_000):
        tenant.enroll(device(index, Platform.android, "14.0", ManagedDeviceOwnerType.company, ""))
    tenant.create_connector(cid, {"androidEnabled": True, "partnerUnresponsivenessThresholdInDays": 1}, T0)
    tenant.heartbeat(cid, T0)
    wires = [{"azureADDeviceId": f"aad-{i}", "platform": "android", "osVersion": "14.0",
              "threatState": "highSeverity" if i % 4 == 0 else "secured", "reportedDateTime": "x"}
             for i in range(20_000)]  # fmt: skip
    for start in range(0, 20_000, 1000):
        tenant.apply_reports(cid, wires[start:start + 1000], [T0] * 1000, T0)
    tenant.add_policy(CompliancePolicy("p", Platform.android, "MTD", T0, T0, True, DeviceThreatProtectionLevel.low))
    edge = T0 + timedelta(days=1)
    assert tenant.compliance_counts(edge).by_state == {"compliant": 15_000, "noncompliant": 5_000}
    after = tenant.compliance_counts(edge + timedelta(microseconds=1))
    assert after.by_state == {"compliant": 20_000} and after.by_connector[cid]["partnerUnresponsive"] == 20_000
    assert tenant.compliance_counts(edge).classes == 2


@settings(max_examples=30, deadline=None)
@given(devices_st, reports_st, st.lists(connector_st, min_size=2, max_size=2), st.data())
def test_reindex_rebuilds_the_same_classes_and_indexes_from_devices_and_reports(fleet, reports, toggles,
                                                                               data) -> None:  # fmt: skip
    tenant = build(fleet, reports, toggles, ("low", "high"))
    for aad in data.draw(st.lists(st.sampled_from(sorted(tenant.devices)), unique=True)):
        tenant.remove(aad)
    def facts(tenant: Tenant) -> tuple[dict[str, Any], dict[Any, int]]:
        """Each device's class facts and the size of each class (numbers may differ after a rebuild)."""
        classes = tenant.classes
        of = {aad: classes.keys[classes.of_seq[tenant.inventory.seq_of[aad]]] for aad in tenant.devices}
        return of, {classes.keys[number]: size for number, size in classes.populated()}

    before = facts(tenant)
    tenant.reindex()
    assert facts(tenant) == before
    assert list(tenant.inventory.slots) == list(tenant.devices.values())
    assert_classes_match_brute_force(tenant)


def test_an_unreadable_os_version_is_never_below_a_partner_minimum() -> None:
    tenant = Tenant("t", "T")
    tenant.enroll(device(0, Platform.ios, "17.4-beta", ManagedDeviceOwnerType.company, ""))
    cid = PARTNERS[1]
    tenant.create_connector(cid, {"iosEnabled": True, "partnerUnsupportedOsVersionBlocked": True}, T0)
    tenant.add_policy(CompliancePolicy("p", Platform.ios, "MTD", T0, T0, True, DeviceThreatProtectionLevel.low))
    assert [r.rule for r in tenant.compliance("aad-0", T0).reasons] == ["noPartnerData"]
    assert tenant.compliance_counts(T0).by_state == {"compliant": 1}


def test_raising_a_connectors_own_minimum_os_moves_its_devices_to_noncompliant_in_the_counts() -> None:
    tenant = build([(Platform.android, "12", ManagedDeviceOwnerType.company, "ana")], [(0, 0, Health.secured)],
                   [{"partnerUnsupportedOsVersionBlocked": True}, {"androidEnabled": False}], ("low", "low"))
    assert tenant.compliance("aad-0", T0).state.value == "compliant"
    tenant.update_connector(PARTNERS[0], {"partnerMinimumSupportedAndroidVersion": "13.0"}, T0)
    assert tenant.compliance("aad-0", T0).state.value == "noncompliant"
    assert_classes_match_brute_force(tenant)


def inventory_facts(tenant: Tenant) -> tuple[Any, ...]:
    """Everything enrolment writes: the dicts, positions, indexes (keys in order) and classes."""
    inventory, classes = tenant.inventory, tenant.classes
    indexes = {name: list(index.items()) for name, index in inventory.indexes.items()}
    return (list(tenant.devices.items()), list(tenant.devices_by_id.items()), inventory.slots, inventory.seq_of,
            indexes, classes.of_seq, classes.sizes, classes.keys)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(devices_st, st.lists(st.integers(1, 10), min_size=1, max_size=25))
def test_enrolling_in_batches_writes_what_enrolling_one_by_one_writes(fleet, sizes) -> None:
    one_by_one, batched = Tenant("t", "T"), Tenant("t", "T")
    devices = [device(index, *spec) for index, spec in enumerate(fleet)]
    for item in devices:
        one_by_one.enroll(item)
    start = 0
    for size in sizes * len(devices):
        batched.enroll_all(devices[start:start + size])
        start += size
        if start >= len(devices):
            break
    assert inventory_facts(batched) == inventory_facts(one_by_one)


def test_a_batch_sharing_one_value_and_a_batch_of_mixed_values_both_index_every_device_in_order() -> None:
    tenant = Tenant("t", "T")
    same = [device(i, Platform.ios, "17.4", ManagedDeviceOwnerType.company, "ana") for i in range(3)]
    mixed = [device(i, Platform.android if i % 2 else Platform.ios, "14.0", ManagedDeviceOwnerType.company,
                    f"user{i % 3}") for i in range(3, 9)]  # fmt: skip
    tenant.enroll_all(same)
    tenant.enroll_all(mixed)
    assert tenant.inventory.bucket("userPrincipalName", "ANA") == [0, 1, 2]
    assert tenant.inventory.bucket("operatingSystem", "ios") == [0, 1, 2, 4, 6, 8]
    assert tenant.inventory.bucket("userPrincipalName", "user0") == [3, 6]


@pytest.mark.parametrize(("batch", "target"), [
    ([("new-1", "aad-new-1"), ("new-2", "aad-new-2"), ("new-3", "aad-new-1")], "/devices/2/azureADDeviceId"),
    ([("new-1", "aad-new-1"), ("new-1", "aad-new-2")], "/devices/1/id"),
    ([("new-1", "aad-new-1"), ("new-2", "aad-0")], "/devices/1/azureADDeviceId"),
    ([("d-1", "aad-new-1")], "/devices/0/id"),
])  # fmt: skip
def test_a_refused_batch_points_at_its_first_repeat_and_changes_nothing(batch, target) -> None:
    tenant = Tenant("t", "T")
    tenant.enroll_all([device(i, Platform.ios, "17.4", ManagedDeviceOwnerType.company, "") for i in range(3)])
    before = inventory_facts(tenant)
    devices = [EnrolledDevice(intune, aad, Platform.android, "14.0", T0) for intune, aad in batch]
    with pytest.raises(Conflict) as refused:
        tenant.enroll_all(devices)
    assert refused.value.target == target
    assert inventory_facts(tenant) == before
