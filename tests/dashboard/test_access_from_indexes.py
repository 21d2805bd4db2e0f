"""The dashboard's device reader against brute force: for random fleets, reports, connector settings and virtual
times, the class counts and every filtered, sorted page equal what evaluating every device says, whichever path
(in-memory sort of few candidates, or a walk in an order the indexes keep) answers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.dashboard import access
from simulator.domain import Platform, Tenant
from simulator.domain.enums import ManagedDeviceOwnerType
from tests.domain.test_inventory import (
    LEVELS,
    PARTNERS,
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
