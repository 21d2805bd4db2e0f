from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from simulator.dashboard import access, timeline
from simulator.dashboard.sampler import run_sampler, sample_tenant
from simulator.dashboard.timeline import ComplianceSample, Timeline
from simulator.domain import DEMO_PARTNER, CompliancePolicy, EnrolledDevice, Platform, Tenant
from simulator.domain.enums import DeviceThreatProtectionLevel, RejectionCode
from simulator.domain.tenant import ACCEPTED, ReportOutcome
from simulator.errors import InvalidRequest

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
REFUSED = ReportOutcome(False, RejectionCode.deviceNotFound, "no such device")


def device(number: int, platform: Platform = Platform.android, **fields: str) -> EnrolledDevice:
    aad = f"00000000-0000-4000-8000-{number:012d}"
    return EnrolledDevice(id=f"intune-{number}", azure_ad_device_id=aad, platform=platform, os_version="14",
                          enrolled_at=NOW, **fields)  # type: ignore[arg-type]  # fmt: skip


def fleet(count: int) -> Tenant:
    tenant = Tenant("tenant-a", "Contoso")
    for number in range(count):
        tenant.enroll(device(number, Platform.ios if number % 2 else Platform.android,
                             device_name=f"Device {number:03d}", user_principal_name=f"user{number}@contoso.example"))
    tenant.create_connector(DEMO_PARTNER.connector_id, {"androidEnabled": True}, NOW)
    return tenant


def test_reports_are_counted_per_virtual_hour_with_rejections_by_code() -> None:
    line = Timeline()
    reports = [{"azureADDeviceId": "a"}, {"azureADDeviceId": "b"}]
    line.record_reports("t", "c", NOW, reports, [ACCEPTED, REFUSED], 1)
    line.record_reports("t", "c", NOW + timedelta(minutes=20), reports[:1], [ACCEPTED], 0)
    line.record_reports("t", "c", NOW + timedelta(hours=1), reports[:1], [ACCEPTED], 0)
    buckets = [(b.start.hour, b.accepted, dict(b.rejected)) for b in line.of("t").buckets.values()]
    assert buckets == [(10, 2, {"deviceNotFound": 1}), (11, 1, {})]


def test_the_first_batch_of_a_new_virtual_hour_marks_the_tenant_due_and_wakes_the_sampler_once() -> None:
    line, woken = Timeline(), []
    line.wake = lambda: woken.append(1)
    for minutes in (0, 10, 29, 30, 95):
        line.record_reports("t", "c", NOW + timedelta(minutes=minutes), [{"azureADDeviceId": "a"}], [ACCEPTED], 0)
    assert len(woken) == 3 and line.due == {"t"}  # 10:30, 11:00 and 12:05 start new hours


async def test_the_sampler_samples_a_due_tenant_and_does_nothing_while_none_is_due() -> None:
    tenant, line = fleet(3), Timeline()
    task = asyncio.create_task(run_sampler(lambda: {tenant.id: tenant}, line, lambda: NOW))
    for _ in range(3):
        await asyncio.sleep(0)
    assert not line.of(tenant.id).samples  # nothing due: no sample
    line.record_reports(tenant.id, "c", NOW, [{"azureADDeviceId": "a"}], [ACCEPTED], 0)
    for _ in range(100):
        if line.of(tenant.id).samples:
            break
        await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    [sample] = line.of(tenant.id).samples
    assert sample.scanned == 3 and sum(sample.counts.values()) == 3 and not line.due


def test_the_report_history_keeps_the_newest_reports_and_finds_a_device_newest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(timeline, "HISTORY_REPORTS", 3)
    line = Timeline()
    for minute in range(5):
        line.record_reports("t", "c", NOW + timedelta(minutes=minute), [{"azureADDeviceId": "a", "n": minute}],
                            [ACCEPTED], 0)  # fmt: skip
    found = [report["n"] for _, report, _ in line.of("t").history("a")]
    assert found == [4, 3, 2] and line.of("t").held_reports == 3


def test_a_sample_at_the_same_virtual_instant_replaces_the_previous_one() -> None:
    line = Timeline()
    line.add_sample("t", ComplianceSample(NOW, {"android/compliant": 1}, 1, 1))
    line.add_sample("t", ComplianceSample(NOW, {"android/noncompliant": 1}, 1, 1))
    line.add_sample("t", ComplianceSample(NOW + timedelta(hours=1), {}, 0, 0))
    assert [dict(s.counts) for s in line.of("t").samples] == [{"android/noncompliant": 1}, {}]


async def test_a_sample_counts_every_device_by_platform_and_compliance() -> None:
    sample = await sample_tenant(fleet(5), NOW)
    assert sample.scanned == sample.devices == 5
    assert sum(sample.counts.values()) == 5


async def test_a_sample_from_the_compliance_classes_equals_evaluating_every_device() -> None:
    tenant = fleet(40)
    states = ["secured", "lowSeverity", "highSeverity", "compromised"]
    reports = [{"azureADDeviceId": f"00000000-0000-4000-8000-{n:012d}", "platform": "android", "osVersion": "14",
                "threatState": states[n % 4]} for n in range(0, 30, 2)]  # fmt: skip
    tenant.heartbeat(DEMO_PARTNER.connector_id, NOW)
    tenant.add_policy(CompliancePolicy("p", Platform.android, "MTD", NOW, NOW, True, DeviceThreatProtectionLevel.low))
    outcomes = tenant.apply_reports(DEMO_PARTNER.connector_id, reports, [NOW] * len(reports), NOW)
    assert all(outcome.code is None for outcome in outcomes)
    sample = await sample_tenant(tenant, NOW + timedelta(minutes=5))
    at = NOW + timedelta(minutes=5)
    expected = Counter(f"{d.platform.value}/{tenant.compliance(d.azure_ad_device_id, at).state.value}"
                       for d in tenant.devices.values())  # fmt: skip
    assert dict(sample.counts) == dict(expected)
    assert sample.scanned == sample.devices == 40


async def test_counts_are_exact_at_any_size_and_only_a_search_is_bounded_and_says_so() -> None:
    tenant = fleet(10)
    counts = await access.count(tenant, NOW)
    assert (counts.scanned, counts.total, counts.complete) == (10, 10, True)
    page = await access.find(tenant, NOW, access.DeviceQuery(top=2, skip=1), limit=4)
    assert (page.scanned, page.matched, page.complete) == (10, 10, True)  # the name order walks as far as the page
    assert [r.device.device_name for r in page.rows] == ["Device 001", "Device 002"]
    searched = await access.find(tenant, NOW, access.DeviceQuery(search="device", top=2, skip=1), limit=6)
    assert (searched.scanned, searched.matched, searched.complete) == (6, 6, False)
    assert [r.device.device_name for r in searched.rows] == ["Device 001", "Device 002"]


async def test_search_matches_id_name_or_user_in_any_case_and_filters_combine() -> None:
    tenant = fleet(12)
    by_user = await access.find(tenant, NOW, access.DeviceQuery(search="USER11@"))
    assert [r.device.device_name for r in by_user.rows] == ["Device 011"]
    ios_desc = await access.find(tenant, NOW, access.DeviceQuery(platform="ios", sort="name", descending=True, top=3))
    assert [r.device.device_name for r in ios_desc.rows] == ["Device 011", "Device 009", "Device 007"]
    assert ios_desc.matched == 6


def test_an_unknown_sort_is_a_400_at_sort() -> None:
    with pytest.raises(InvalidRequest) as raised:
        access.DeviceQuery(sort="shoeSize")
    assert raised.value.target == "sort"
