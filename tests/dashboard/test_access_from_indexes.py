"""The dashboard's device reader against brute force: for random fleets, reports, connector settings and virtual
times, the class counts and every filtered, sorted page equal what evaluating every device says, whichever path
(in-memory sort of few candidates, or a walk in an order the indexes keep) answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.dashboard import access, orders
from simulator.domain import EnrolledDevice, Platform, Tenant
from simulator.domain.clock import format_datetime
from simulator.domain.enums import ManagedDeviceOwnerType
from tests.domain.test_inventory import (
    LEVELS,
    PARTNERS,
    T0,
    build,
    connector_st,
    device,
    devices_st,
    reports_st,
    transitions,
)

FILTERS: list[dict[str, Any]] = [
    {}, {"platform": "ios"}, {"compliance": "noncompliant"}, {"compliance": "compliant", "platform": "android"},
    {"rule": "threatLevel"}, {"rule": "missingPartnerData"}, {"rule": "unsupportedOsVersion"},
    {"connector": PARTNERS[1]}, {"connector": PARTNERS[0], "compliance": "noncompliant"},
    {"owner": "personal"}, {"owner": "company", "compliance": "compliant"}, {"threat_state": "none"},
    {"threat_state": "highSeverity"}, {"search": "ANA"}, {"search": "aad-1", "platform": "android"},
]  # fmt: skip
QUERIES = [access.DeviceQuery(top=1000, **fields) for fields in FILTERS]
SORTS = [("name", False), ("user", True), ("platform", False), ("enrolled", True), ("complianceState", False),
         ("lastReport", True), ("osVersion", False)]  # fmt: skip


def brute_rows(tenant: Tenant, now: datetime) -> list[tuple[int, access.DeviceRow]]:
    """Every device with its compliance evaluated one by one (the old dashboard's way), with its enrolment position."""
    seq_of = tenant.inventory.seq_of
    return [(seq_of[aad], access.DeviceRow(d, tenant.compliance(aad, now), tenant.newest_report(aad)))
            for aad, d in tenant.devices.items()]  # fmt: skip


def brute_key(sort: str, seq: int, row: access.DeviceRow) -> Any:
    device = row.device
    return {"name": (device.device_name.lower(), seq), "user": (device.user_principal_name.lower(), seq),
            "platform": (device.platform.value, seq), "enrolled": (seq,),
            "complianceState": (row.compliance.state.value, seq),
            "lastReport": (row.newest is not None, row.newest.reported_at.timestamp() if row.newest else 0.0, seq),
            "osVersion": (device.platform.value, access._version_key(device.os_version), seq)}[sort]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(devices_st, reports_st, st.tuples(connector_st, connector_st), st.tuples(*[st.sampled_from(LEVELS)] * 2),
       st.integers(0, 3), st.integers(1, 4))
async def test_counts_and_pages_equal_brute_force_at_any_virtual_time(fleet: list[Any], reports: list[Any],
                                                                      toggles: Any, levels: Any, instant: int,
                                                                      limit: int) -> None:  # fmt: skip
    tenant = build(fleet, reports, list(toggles), levels)
    now = transitions(tenant)[instant % len(transitions(tenant))]
    rows = brute_rows(tenant, now)

    counts = await access.count(tenant, now)
    assert counts.complete and counts.total == len(rows)
    assert counts.by_platform == Counter((r.device.platform.value, r.compliance.state.value) for _, r in rows)
    assert counts.by_rule == Counter(x.rule for _, r in rows for x in r.compliance.reasons if x.noncompliant)
    assert counts.by_connector == Counter((x.connector_id, "noncompliant" if x.noncompliant else "compliant")
                                          for _, r in rows for x in r.compliance.reasons if x.connector_id)  # fmt: skip

    for query in QUERIES:
        for sort, descending in SORTS:
            asked = access.DeviceQuery(**{**_fields(query), "sort": sort, "descending": descending})
            expected = sorted((pair for pair in rows if asked.matches(pair[1])),
                              key=lambda pair: brute_key(sort, *pair), reverse=descending)  # fmt: skip
            want = [r.device.azure_ad_device_id for _, r in expected]
            for bound in (access.SCAN_LIMIT, limit):  # a small bound takes the index walks and the bounded checks
                page = await access.find(tenant, now, asked, limit=bound)
                got = [r.device.azure_ad_device_id for r in page.rows]
                if page.complete:
                    assert (got, page.matched) == (want, len(want)), (asked, bound)
                else:
                    assert set(got) <= set(want) and page.scanned < page.total, (asked, bound)
                assert all(r.compliance == tenant.compliance(r.device.azure_ad_device_id, now) for r in page.rows)
            skipped = await access.find(tenant, now, access.DeviceQuery(**{**_fields(asked), "skip": 2, "top": 3}),
                                        limit=limit)  # fmt: skip
            if skipped.complete:
                assert [r.device.azure_ad_device_id for r in skipped.rows] == want[2:5], (asked, limit)


def _fields(query: access.DeviceQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in access.DeviceQuery.__slots__}


async def test_a_name_order_follows_devices_enrolled_after_it_was_first_built() -> None:
    tenant = build([(Platform.android, "14.0", ManagedDeviceOwnerType.company, "m")] * 3, [], [{}, {}],
                   ("low", "low"))  # fmt: skip
    query = access.DeviceQuery(sort="name", top=10)
    first = await access.find(tenant, datetime.now().astimezone(), query, limit=1)
    assert first.matched == 3
    tenant.enroll(device(3, Platform.ios, "17.4", ManagedDeviceOwnerType.personal, "a"))
    later = await access.find(tenant, datetime.now().astimezone(), query, limit=1)
    assert later.matched == 4 and [r.device.azure_ad_device_id for r in later.rows] == [f"aad-{n}" for n in range(4)]


# Every pause, tail merge, fold and rebuild of the sorted orders, and every window of the class walks, happens with a
# handful of devices at these sizes.
SMALL = {(orders, "STEP"): 2, (access, "WINDOW"): 3, (orders, "TAIL_MAX"): 2, (orders, "MIN_COMPACT"): 2}
DEFAULT = {(module, name): getattr(module, name) for module, name in SMALL}
NAMES = ["", "ana", "Ana", "bo", "Cy", "zed", "émile", "a", "a\0", "a\0b", "a\1"]  # NUL, SOH: in order entries
named_st = st.tuples(st.sampled_from(list(Platform)), st.sampled_from(list(ManagedDeviceOwnerType)[:2]),
                     st.sampled_from(NAMES), st.sampled_from(NAMES))  # fmt: skip
# Between two pages: enrol a device (platform, owner, name, user), or remove the n-th enrolled one.
change_st = st.one_of(named_st, st.integers(0, 40))
ORDERED = [("name", False), ("name", True), ("user", False), ("user", True), ("platform", True), ("enrolled", False)]
PAGED: list[dict[str, Any]] = [{}, {"compliance": "noncompliant"}, {"owner": "personal"},
                               {"platform": "ios", "owner": "company"}, {"rule": "threatLevel"}]  # fmt: skip


def named(index: int, platform: Platform, owner: ManagedDeviceOwnerType, name: str, upn: str) -> EnrolledDevice:
    return EnrolledDevice(id=f"d-{index}", azure_ad_device_id=f"aad-{index}", platform=platform, os_version="14.0",
                          enrolled_at=T0, owner_type=owner, device_name=name, user_principal_name=upn)  # fmt: skip


def named_tenant(fleet: list[Any]) -> Tenant:
    """Devices with names and users; every third reports high severity, so some are noncompliant by threat level."""
    tenant = build([(Platform.android, "14.0", ManagedDeviceOwnerType.company, "")], [], [{}, {}], ("low", "low"))
    tenant.remove("aad-0")
    for index, spec in enumerate(fleet, 1):
        enroll(tenant, index, spec)
    return tenant


def enroll(tenant: Tenant, index: int, spec: Any) -> None:
    tenant.enroll(named(index, *spec))
    if index % 3 == 0:
        wire = {"azureADDeviceId": f"aad-{index}", "platform": spec[0].value, "osVersion": "14.0",
                "threatState": "highSeverity", "reportedDateTime": format_datetime(T0)}  # fmt: skip
        tenant.apply_reports(PARTNERS[0], [wire], [T0], T0)


def change(tenant: Tenant, step: Any, counter: list[int]) -> None:
    if isinstance(step, int):
        if tenant.devices:
            tenant.remove(sorted(tenant.devices, key=tenant.inventory.seq_of.__getitem__)[step % len(tenant.devices)])
    else:
        counter[0] += 1
        enroll(tenant, counter[0], step)


async def assert_pages_equal_brute_force(tenant: Tenant, limit: int = 1) -> None:
    rows = brute_rows(tenant, T0)
    for fields in PAGED:
        for sort, descending in ORDERED:
            asked = access.DeviceQuery(sort=sort, descending=descending, top=1000, **fields)
            expected = sorted((pair for pair in rows if asked.matches(pair[1])),
                              key=lambda pair: brute_key(sort, *pair), reverse=descending)  # fmt: skip
            want = [r.device.azure_ad_device_id for _, r in expected]
            page = await access.find(tenant, T0, asked, limit=limit)
            assert page.complete and [r.device.azure_ad_device_id for r in page.rows] == want, (asked, limit)
            assert page.matched == len(want), asked
            middle = await access.find(tenant, T0, access.DeviceQuery(**{**_fields(asked), "skip": 1, "top": 2}),
                                       limit=limit)  # fmt: skip
            assert [r.device.azure_ad_device_id for r in middle.rows] == want[1:3], asked


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(named_st, max_size=20), st.lists(st.lists(change_st, max_size=8), min_size=1, max_size=4),
       st.sampled_from([SMALL, DEFAULT]))  # fmt: skip
async def test_sorted_and_filtered_pages_stay_exact_while_devices_are_enrolled_and_removed_between_pages(
    fleet: list[Any], batches: list[list[Any]], sizes: dict[tuple[Any, str], int]
) -> None:
    tenant, counter = named_tenant(fleet), [len(fleet)]
    with pytest.MonkeyPatch.context() as patch:
        for (module, name), value in sizes.items():
            patch.setattr(module, name, value)
        await assert_pages_equal_brute_force(tenant)
        for batch in batches:
            for step in batch:
                change(tenant, step, counter)
            await assert_pages_equal_brute_force(tenant)


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    for (module, name), value in SMALL.items():
        monkeypatch.setattr(module, name, value)


def fleet_of(count: int) -> Tenant:
    return named_tenant([(list(Platform)[n % 2], list(ManagedDeviceOwnerType)[n % 3 % 2], f"n{(n * 7) % count:03d}",
                          f"u{n % 5}") for n in range(count)])  # fmt: skip


async def turns_while(work: Any, watch: Any = lambda: 0) -> tuple[Any, int, list[Any]]:
    """What ``work`` returns, how many times another task got the event loop while it ran, and what ``watch()``
    said at each of those turns (and at the first)."""
    ticks, running, seen = 0, True, []

    async def ticker() -> None:
        nonlocal ticks
        seen.append(watch())
        while running:
            await asyncio.sleep(0)
            ticks += 1
            seen.append(watch())

    task = asyncio.create_task(ticker())
    result = await work
    running = False
    await task
    return result, ticks, seen


async def test_the_first_sorted_page_builds_its_order_in_slices_that_let_other_tasks_run(small: None) -> None:
    tenant = fleet_of(60)
    order = orders.order_of(tenant.inventory, "name")
    page, ticks, scanned = await turns_while(access.find(tenant, T0, access.DeviceQuery(sort="name", top=5), limit=1),
                                             lambda: order.seen)  # fmt: skip
    assert [r.device.device_name for r in page.rows] == [f"n{n:03d}" for n in range(5)]
    steps = [after - before for before, after in pairwise(scanned)]
    assert max(steps) <= orders.STEP and ticks > 3 * 60 // orders.STEP  # scanned, sorted and merged in slices


async def test_concurrent_first_pages_share_one_build_of_the_order(small: None, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:  # fmt: skip
    folds, fold = [], orders.SortedOrder._fold

    async def counted(order: orders.SortedOrder) -> None:
        folds.append(len(order.pending))
        await fold(order)

    monkeypatch.setattr(orders.SortedOrder, "_fold", counted)
    tenant, query = fleet_of(50), access.DeviceQuery(sort="name", top=1000)
    first, second = await asyncio.gather(access.find(tenant, T0, query, limit=1),
                                         access.find(tenant, T0, query, limit=1))  # fmt: skip
    assert [r.device for r in first.rows] == [r.device for r in second.rows] and first.matched == 50
    assert orders.order_of(tenant.inventory, "name").entries == 50 and folds == [50]  # scanned and sorted once


async def test_a_deep_page_walks_the_order_in_slices(small: None) -> None:
    tenant = fleet_of(60)
    await access.find(tenant, T0, access.DeviceQuery(sort="name"), limit=1)  # the order is built
    page, ticks, _ = await turns_while(access.find(tenant, T0, access.DeviceQuery(sort="name", skip=50, top=3),
                                                   limit=1))  # fmt: skip
    assert [r.device.device_name for r in page.rows] == ["n050", "n051", "n052"]
    assert ticks >= 50 // orders.STEP - 1  # a pause every STEP entries
    none = await access.find(tenant, T0, access.DeviceQuery(sort="name", skip=5, top=0), limit=1)
    assert none.rows == [] and none.matched == 60


async def test_a_class_filtered_list_walks_the_class_map_in_windows_that_let_other_tasks_run(small: None) -> None:
    tenant = fleet_of(60)
    query = access.DeviceQuery(compliance="noncompliant", sort="enrolled", descending=True, top=3)
    page, ticks, _ = await turns_while(access.find(tenant, T0, query, limit=1))
    assert [r.device.azure_ad_device_id for r in page.rows] == ["aad-60", "aad-57", "aad-54"]
    assert page.matched == 20 and ticks >= 1  # the first page is found within the last window or two


async def test_a_page_asked_while_devices_come_and_go_during_the_build_is_sorted_and_the_next_is_exact(
    small: None,
) -> None:
    tenant, counter = fleet_of(40), [40]
    found = asyncio.create_task(access.find(tenant, T0, access.DeviceQuery(sort="name", top=1000), limit=1))
    for turn in range(500):  # one device enrolled or removed at every turn of the loop, until the page is found
        if found.done():
            break
        change(tenant, turn * 5 if turn % 3 == 0 else (list(Platform)[turn % 2], ManagedDeviceOwnerType.company,
               f"n{turn:03d}x", "u9"), counter)  # fmt: skip
        await asyncio.sleep(0)
    page = await found
    assert turn > 40  # the build and the walk paused often enough for the churn to reach into both
    keys = [(r.device.device_name.lower(), int(r.device.id[2:])) for r in page.rows]  # name, then enrolment order
    assert keys == sorted(keys) and len(set(keys)) == len(keys) and page.complete
    await assert_pages_equal_brute_force(tenant)




async def test_a_cancelled_build_leaves_an_order_the_next_request_completes(small: None) -> None:
    tenant = fleet_of(50)
    task = asyncio.create_task(access.find(tenant, T0, access.DeviceQuery(sort="name"), limit=1))
    for _ in range(10):
        await asyncio.sleep(0)
    assert not task.done()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await assert_pages_equal_brute_force(tenant)


async def test_an_order_is_rebuilt_without_its_removed_devices_once_most_are_gone(small: None) -> None:
    tenant = fleet_of(40)
    await access.find(tenant, T0, access.DeviceQuery(sort="name"), limit=1)
    for n in range(1, 31):
        tenant.remove(f"aad-{n}")
    page = await access.find(tenant, T0, access.DeviceQuery(sort="name", top=1000), limit=1)
    left = sorted((f"aad-{n}" for n in range(31, 41)), key=lambda aad: tenant.devices[aad].device_name)
    assert [r.device.azure_ad_device_id for r in page.rows] == left
    assert orders.order_of(tenant.inventory, "name").entries == 10


async def test_a_snapshot_restored_during_a_build_or_a_walk_gives_a_page_of_enrolled_devices(small: None) -> None:
    for turns in (3, 40, 70):  # early in the build, later, and near its end or in the walk
        tenant = fleet_of(30)
        found = asyncio.create_task(access.find(tenant, T0, access.DeviceQuery(sort="name", top=1000), limit=1))
        for _ in range(turns):
            await asyncio.sleep(0)
        assert not found.done()
        tenant.remove("aad-7")
        tenant.reindex()  # what restoring a snapshot does: a new inventory and new classes, with new seqs
        page = await found
        names = [(r.device.device_name, int(r.device.id[2:])) for r in page.rows]
        assert len(names) == 29 and names == sorted(names), turns
        await assert_pages_equal_brute_force(tenant)


async def test_a_walk_that_pauses_keeps_its_order_while_another_request_folds_new_devices_in(
    small: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "SLICE", 1)  # the search below pauses at every device it checks: a slow walk
    tenant, counter = fleet_of(40), [40]
    await access.find(tenant, T0, access.DeviceQuery(sort="name"), limit=1)  # the order is built
    order = orders.order_of(tenant.inventory, "name")
    keys = order.keys
    walking = asyncio.create_task(access.find(tenant, T0, access.DeviceQuery(search="n0", sort="name", top=1000),
                                              limit=39))  # fmt: skip
    await asyncio.sleep(0)
    for n in range(10):  # more than TAIL_MAX: the next refresh folds them into a new large run
        change(tenant, (Platform.ios, ManagedDeviceOwnerType.company, f"a{n}", "u1"), counter)
    folding = asyncio.create_task(access.find(tenant, T0, access.DeviceQuery(sort="name", top=1000), limit=1))
    for _ in range(1000):
        if order.keys is not keys:
            break
        await asyncio.sleep(0)
    assert order.keys is not keys and not walking.done()  # the new run is in place, the walk still reads the old
    page, folded = await walking, await folding  # the walk's 39 checks: names n000-n038, all with "n0" in them
    assert [r.device.device_name for r in page.rows] == [f"n{n:03d}" for n in range(39)] and not page.complete
    assert [r.device.device_name for r in folded.rows][:10] == [f"a{n}" for n in range(10)]
    await assert_pages_equal_brute_force(tenant)


async def test_an_enrolment_storm_faster_than_the_build_does_not_keep_a_page_from_answering(small: None) -> None:
    tenant, counter = fleet_of(20), [20]
    found = asyncio.create_task(access.find(tenant, T0, access.DeviceQuery(sort="name", top=1000), limit=1))
    for turn in range(1000):  # three devices per turn of the loop, where the build scans STEP (2) per slice
        if found.done():
            break
        for _ in range(3):
            change(tenant, (Platform.android, ManagedDeviceOwnerType.company, f"s{turn:04d}", "u2"), counter)
        await asyncio.sleep(0)
    assert found.done()  # within the storm: it stopped chasing after ROUNDS rounds and a fold, and answered
    page = await found
    names = [(r.device.device_name, int(r.device.id[2:])) for r in page.rows]
    assert names == sorted(names) and len(names) >= 20
    quiet = await access.find(tenant, T0, access.DeviceQuery(sort="name", top=10_000), limit=1)
    want = sorted(tenant.devices, key=lambda aad: (tenant.devices[aad].device_name, tenant.inventory.seq_of[aad]))
    assert [r.device.azure_ad_device_id for r in quiet.rows] == want  # the next request covers every device


async def test_a_fold_empties_the_run_it_replaced_in_slices_when_no_walk_reads_it(small: None) -> None:
    tenant, counter = fleet_of(40), [40]
    await access.find(tenant, T0, access.DeviceQuery(sort="name"), limit=1)
    order = orders.order_of(tenant.inventory, "name")
    keys = order.keys
    for n in range(10):
        change(tenant, (Platform.ios, ManagedDeviceOwnerType.company, f"a{n}", "u1"), counter)
    page, _, sizes = await turns_while(access.find(tenant, T0, access.DeviceQuery(sort="name", top=1000), limit=1),
                                       lambda: len(keys))  # fmt: skip
    assert order.keys is not keys and keys == [] and len(page.rows) == 50
    assert set(sizes) == set(range(0, 41, orders.STEP))  # emptied STEP entries per turn of the loop


async def test_a_device_found_by_a_bounded_search_and_removed_before_the_page_is_built_is_left_out(
    small: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = fleet_of(40)
    await access.find(tenant, T0, access.DeviceQuery(sort="name"), limit=1)  # the order is built
    more = access._more

    async def removed_meanwhile(walk: Any) -> bool:
        tenant.remove("aad-1")  # n000, the first device the search found, while the walk goes on
        return await more(walk)

    monkeypatch.setattr(access, "_more", removed_meanwhile)
    page = await access.find(tenant, T0, access.DeviceQuery(search="n0", sort="name"), limit=3)
    assert [r.device.device_name for r in page.rows] == ["n001", "n002"] and not page.complete
