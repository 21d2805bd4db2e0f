"""Device pages against brute force: keyset paging stays exact while devices are enrolled and removed between pages,
bounded scans resume where they stopped, and every path of $count and $orderby agrees with scanning everything."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.domain import CATALOG, EnrolledDevice, Platform, Tenant
from simulator.domain.enums import ManagedDeviceOwnerType
from simulator.errors import InvalidRequest
from simulator.query import devices as pages
from simulator.query.cursor import Cursor
from simulator.query.devices import find_devices
from simulator.query.fields import compile_filter, sort_value
from simulator.query.options import read_options
from simulator.service.device_fields import CLASS_FIELDS, FIELDS

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LOOKOUT = CATALOG["lookout"].connector_id


def device(index: int) -> EnrolledDevice:
    return EnrolledDevice(id=f"d-{index:05}", azure_ad_device_id=f"aad-{index}",
                          platform=Platform.ios if index % 3 == 0 else Platform.android,
                          os_version=f"{10 + index % 7}.0", enrolled_at=T0,
                          owner_type=ManagedDeviceOwnerType.personal if index % 2 else ManagedDeviceOwnerType.company,
                          user_principal_name=f"user{index % 5}@contoso.example",
                          device_name=f"Phone {index % 11}")  # fmt: skip


def fleet(count: int) -> Tenant:
    tenant = Tenant("t", "T")
    for index in range(count):
        tenant.enroll(device(index))
    return tenant


def query(tenant: Tenant, cursor: Cursor | None = None, /, **options: str) -> Any:
    parsed = read_options(options, selectable=FIELDS, sortable=FIELDS)
    return find_devices(tenant, parsed, cursor, T0, FIELDS, CLASS_FIELDS)


def everything(tenant: Tenant, **options: str) -> list[str]:
    """Follow the cursors to the end; the ids in order."""
    found, cursor = [], None
    while True:
        page = query(tenant, cursor, **options)
        found += [d.id for d in page.devices]
        if page.next is None:
            return found
        cursor = page.next


FILTERS = ["", "operatingSystem eq 'iOS'", "operatingSystem eq 'iOS' or managedDeviceOwnerType eq 'personal'",
           "startswith(deviceName, 'phone 1') and managedDeviceOwnerType eq 'company'",
           "complianceState eq 'compliant' and userPrincipalName eq 'USER2@contoso.example'",
           "complianceState ne 'noncompliant' and operatingSystem eq 'android'"]  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 60), st.integers(1, 7), st.sampled_from(FILTERS),
       st.lists(st.tuples(st.booleans(), st.integers(0, 200)), max_size=30))  # fmt: skip
def test_paging_sees_every_lasting_device_once_in_order_while_others_come_and_go(size, top, text, churn) -> None:
    tenant = fleet(size)
    options = {"$top": str(top), **({"$filter": text} if text else {})}
    node = read_options(options, selectable=FIELDS, sortable=FIELDS).filter
    predicate = compile_filter(node, FIELDS) if node is not None else None
    first = set(tenant.devices)
    removed: set[str] = set()
    seen: list[str] = []
    cursor, next_index, ops = None, size, iter(churn)
    while True:
        page = query(tenant, cursor, **options)
        assert all(d.azure_ad_device_id in tenant.devices for d in page.devices)
        seen += [d.azure_ad_device_id for d in page.devices]
        if page.next is None:
            break
        cursor = page.next
        for enroll, pick in [op for op in [next(ops, None)] if op]:
            if enroll:
                tenant.enroll(device(next_index))
                next_index += 1
            elif tenant.devices:
                victim = sorted(tenant.devices)[pick % len(tenant.devices)]
                tenant.remove(victim)
                removed.add(victim)
    assert len(seen) == len(set(seen))
    positions = [int(aad.split("-")[1]) for aad in seen]
    assert positions == sorted(positions)

    def matches(aad: str) -> bool:
        if predicate is None:
            return True
        seq = tenant.inventory.seq_of[aad]
        verdicts = tenant.classes.verdicts([], [], {}, T0)
        return bool(predicate(pages.DeviceRow(tenant, tenant.devices[aad], seq, verdicts, T0)))

    lasting = {aad for aad in first - removed if matches(aad)}
    assert lasting <= set(seen)


def test_a_scan_that_finds_nothing_within_its_budget_answers_a_short_page_and_resumes(monkeypatch) -> None:
    monkeypatch.setattr(pages, "SCAN_BUDGET", 10)
    tenant = fleet(95)
    tenant.enroll(EnrolledDevice(id="z", azure_ad_device_id="needle", platform=Platform.ios, os_version="17.4",
                                 enrolled_at=T0, model="Needle"))  # fmt: skip
    first = query(tenant, None, **{"$filter": "osVersion eq '17.4'"})
    assert first.devices == [] and first.next is not None and first.next.after == 9
    assert everything(tenant, **{"$filter": "osVersion eq '17.4'"}) == ["z"]
    costly = query(tenant, None, **{"$filter": "model eq 'needle'"})  # derived at read time: cost 4, a quarter
    assert costly.devices == [] and costly.next is not None and costly.next.after == 1
    assert everything(tenant, **{"$filter": "model eq 'needle'"}) == ["z"]


def test_skip_jumps_by_position_and_agrees_with_walking_after_removals() -> None:
    tenant = fleet(50)
    assert everything(tenant, **{"$skip": "45"}) == [f"d-{i:05}" for i in range(45, 50)]
    ios = [d.id for d in tenant.devices.values() if d.platform is Platform.ios]
    assert everything(tenant, **{"$skip": "3", "$filter": "operatingSystem eq 'iOS'"}) == ios[3:]
    tenant.remove("aad-3")
    assert everything(tenant, **{"$skip": "45"}) == [f"d-{i:05}" for i in range(46, 50)]


def test_skip_after_a_rebuild_of_the_indexes_still_counts_only_live_devices() -> None:
    tenant = fleet(3000)
    for index in range(0, 3000, 2):
        tenant.remove(f"aad-{index}")  # the 1500th removal rebuilds the indexes; the holes in the order stay
    live = [d.id for d in tenant.devices.values()]
    assert everything(tenant, **{"$skip": "1400"}) == live[1400:]
    ios = [d.id for d in tenant.devices.values() if d.platform is Platform.ios]
    assert everything(tenant, **{"$skip": "400", "$filter": "operatingSystem eq 'iOS'"}) == ios[400:]


def test_orderby_pages_equal_one_full_sort_and_need_a_narrow_filter_at_scale(monkeypatch) -> None:
    tenant = fleet(40)
    expected = [d.id for d in sorted(tenant.devices.values(), key=lambda d: (d.device_name.lower(), d.id),
                                     reverse=True)]  # fmt: skip
    got = everything(tenant, **{"$orderby": "deviceName desc", "$top": "7"})
    assert [tenant.devices_by_id[i].device_name for i in got] == [tenant.devices_by_id[i].device_name
                                                                   for i in expected]  # fmt: skip
    assert len(got) == 40 and len(set(got)) == 40
    monkeypatch.setattr(pages, "SORT_LIMIT", 80)  # deviceName is derived (cost 4): 20 of them
    with pytest.raises(InvalidRequest, match="sorts at most 20"):
        query(tenant, None, **{"$orderby": "deviceName"})
    assert len(everything(tenant, **{"$orderby": "deviceName", "$filter": "operatingSystem eq 'iOS'"})) == 14


def test_every_count_path_agrees_with_counting_by_hand(monkeypatch) -> None:
    tenant = fleet(60)
    tenant.create_connector(LOOKOUT, {"androidEnabled": True}, T0)

    def count(text: str) -> int:
        return int(query(tenant, None, **{"$count": "true", "$filter": text}).count)

    assert query(tenant, None, **{"$count": "true"}).count == 60
    assert count("operatingSystem eq 'Android'") == 40  # from the index
    assert count("complianceState eq 'compliant' and operatingSystem eq 'iOS'") == 20  # from the classes
    assert count("managedDeviceOwnerType eq 'personal' and osVersion eq '11.0'") == sum(
        1 for i in range(60) if i % 2 and i % 7 == 1)  # by scanning
    monkeypatch.setattr(pages, "COUNT_LIMIT", 10)
    with pytest.raises(InvalidRequest, match="at most 10"):
        count("osVersion eq '11.0'")
    assert count("complianceState ne 'noncompliant'") == 60  # classes need no scan


ORDERS = ["", "deviceName", "deviceName desc,osVersion", "operatingSystem desc,managedDeviceOwnerType"]


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 50), st.sampled_from(FILTERS), st.sampled_from(ORDERS), st.integers(0, 12), st.integers(1, 7),
       st.lists(st.integers(0, 49), max_size=30), st.booleans())  # fmt: skip
def test_pages_equal_brute_force_for_any_filter_order_skip_and_removals(size, text, order, skip, top, removals,
                                                                        rebuild_early) -> None:  # fmt: skip
    from simulator.domain.inventory import index as index_module

    saved = index_module._MIN_REBUILD
    index_module._MIN_REBUILD = 1 if rebuild_early else saved  # exercise compacted buckets beside holes
    try:
        tenant = fleet(size)
        for pick in removals:
            if f"aad-{pick}" in tenant.devices:
                tenant.remove(f"aad-{pick}")
        options = {"$top": str(top), "$skip": str(skip), **({"$filter": text} if text else {}),
                   **({"$orderby": order} if order else {})}  # fmt: skip
        parsed = read_options(options, selectable=FIELDS, sortable=FIELDS)
        verdicts = tenant.classes.verdicts([], [], {}, T0)
        rows = [pages.DeviceRow(tenant, d, tenant.inventory.seq_of[d.azure_ad_device_id], verdicts, T0)
                for d in tenant.devices.values()]  # fmt: skip
        if parsed.filter is not None:
            predicate = compile_filter(parsed.filter, FIELDS)
            rows = [r for r in rows if predicate(r)]
        for name, desc in reversed(parsed.orderby):
            rows.sort(key=lambda r: sort_value(FIELDS[name], r), reverse=desc)
        assert everything(tenant, **options) == [r.device.id for r in rows][skip:]
        assert query(tenant, None, **options, **{"$count": "true"}).count == len(rows)
    finally:
        index_module._MIN_REBUILD = saved
