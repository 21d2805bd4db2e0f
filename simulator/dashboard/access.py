"""The dashboard's only way to read devices: counts, and one filtered, sorted page of the device list.

Bounded for now: a query evaluates at most ``SCAN_LIMIT`` devices of a tenant (enrolment order) and says so
(``complete`` false), and yields to the event loop every ``SLICE`` devices, so no view blocks it for long. When the
tenant keeps indexes and O(1) compliance counts (the scale work), only this module changes: the views take
``Counts`` and ``DevicePage`` and do not care how they were found.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from simulator.domain.compliance import ComplianceResult
from simulator.domain.devices import EnrolledDevice, ThreatReport
from simulator.domain.tenant import Tenant
from simulator.errors import InvalidRequest

__all__ = ["SCAN_LIMIT", "SORTS", "Counts", "DevicePage", "DeviceQuery", "DeviceRow", "count", "find", "rows"]

SCAN_LIMIT = 20_000
SLICE = 500  # devices evaluated between yields to the event loop (~10 ms on the reference machine)
SORTS = ("name", "user", "platform", "osVersion", "complianceState", "threatState", "lastReport", "enrolled")
NO_REPORT = "none"


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One device with what the list shows and filters on."""

    device: EnrolledDevice
    compliance: ComplianceResult
    newest: ThreatReport | None

    @property
    def threat_state(self) -> str:
        return self.newest.threat_state.value if self.newest else NO_REPORT

    def blocking_rules(self) -> list[str]:
        return [r.rule for r in self.compliance.reasons if r.noncompliant]

    def connector_verdict(self, connector_id: str) -> str | None:
        """``compliant``/``noncompliant`` as far as one connector goes; None when it does not judge the device."""
        for reason in self.compliance.reasons:
            if reason.connector_id == connector_id:
                return "noncompliant" if reason.noncompliant else "compliant"
        return None


@dataclass(frozen=True, slots=True)
class DeviceQuery:
    """The device list's filters (all optional, all must hold), order and page."""

    search: str = ""  # a substring of the Azure AD device id, the device name or the user, any case
    platform: str | None = None
    compliance: str | None = None  # of the device, or of ``connector``'s verdict when that is given
    connector: str | None = None
    rule: str | None = None  # a rule that says noncompliant (threatLevel, missingPartnerData, ...)
    owner: str | None = None
    threat_state: str | None = None  # the partner-reported state, or "none"
    sort: str = "name"
    descending: bool = False
    skip: int = 0
    top: int = 50

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise InvalidRequest("invalidRequest", f"sort must be one of {', '.join(SORTS)}", target="sort")

    def matches(self, row: DeviceRow) -> bool:
        device = row.device
        if self.platform and device.platform.value != self.platform:
            return False
        if self.owner and device.owner_type.value != self.owner:
            return False
        if self.threat_state and row.threat_state != self.threat_state:
            return False
        if self.rule and self.rule not in row.blocking_rules():
            return False
        if self.compliance:
            said = row.connector_verdict(self.connector) if self.connector else row.compliance.state.value
            if said != self.compliance:
                return False
        elif self.connector and row.connector_verdict(self.connector) is None:
            return False
        return not self.search or _contains(device, self.search.casefold())


@dataclass(frozen=True, slots=True)
class DevicePage:
    rows: list[DeviceRow]
    matched: int  # among the scanned devices
    scanned: int
    total: int  # enrolled in the tenant

    @property
    def complete(self) -> bool:
        return self.scanned == self.total


@dataclass(frozen=True, slots=True)
class Counts:
    """Compliance counts by platform and by connector verdict over ``scanned`` of ``total`` devices."""

    by_platform: Counter[tuple[str, str]]  # (platform, complianceState)
    by_connector: Counter[tuple[str, str]]  # (connector id, compliant | noncompliant)
    by_rule: Counter[str]  # blocking rules
    scanned: int
    total: int

    @property
    def complete(self) -> bool:
        return self.scanned == self.total


def rows(tenant: Tenant, now: datetime, limit: int = SCAN_LIMIT) -> Iterator[DeviceRow]:
    """The first ``limit`` devices of the tenant with their compliance, evaluated now.

    The devices are listed first: callers yield to the event loop between rows, and an enrolment meanwhile must not
    change the dict being iterated."""
    for device in list(islice(tenant.devices.values(), limit)):
        aad = device.azure_ad_device_id
        yield DeviceRow(device, tenant.compliance(aad, now), tenant.newest_report(aad))


async def count(tenant: Tenant, now: datetime, limit: int = SCAN_LIMIT) -> Counts:
    by_platform: Counter[tuple[str, str]] = Counter()
    by_connector: Counter[tuple[str, str]] = Counter()
    by_rule: Counter[str] = Counter()
    scanned = 0
    for row in rows(tenant, now, limit):
        scanned += 1
        if scanned % SLICE == 0:
            await asyncio.sleep(0)
        by_platform[row.device.platform.value, row.compliance.state.value] += 1
        for reason in row.compliance.reasons:
            if reason.connector_id is not None:
                by_connector[reason.connector_id, "noncompliant" if reason.noncompliant else "compliant"] += 1
            if reason.noncompliant:
                by_rule[reason.rule] += 1
    return Counts(by_platform, by_connector, by_rule, scanned, len(tenant.devices))


async def find(tenant: Tenant, now: datetime, query: DeviceQuery, limit: int = SCAN_LIMIT) -> DevicePage:
    scanned = 0
    matched: list[DeviceRow] = []
    for row in rows(tenant, now, limit):
        scanned += 1
        if scanned % SLICE == 0:
            await asyncio.sleep(0)
        if query.matches(row):
            matched.append(row)
    matched.sort(key=_SORT_KEYS[query.sort], reverse=query.descending)
    page = matched[query.skip : query.skip + query.top]
    return DevicePage(page, len(matched), scanned, len(tenant.devices))


def _contains(device: EnrolledDevice, needle: str) -> bool:
    return any(needle in text.casefold() for text in
               (device.azure_ad_device_id, device.device_name, device.user_principal_name))  # fmt: skip


# Each key ends with the device id, so equal values keep one stable order from page to page.
_SORT_KEYS: dict[str, Callable[[DeviceRow], Any]] = {
    "name": lambda r: (r.device.device_name.casefold(), r.device.azure_ad_device_id),
    "user": lambda r: (r.device.user_principal_name.casefold(), r.device.azure_ad_device_id),
    "platform": lambda r: (r.device.platform.value, r.device.azure_ad_device_id),
    "osVersion": lambda r: (r.device.platform.value, _version_key(r.device.os_version), r.device.azure_ad_device_id),
    "complianceState": lambda r: (r.compliance.state.value, r.device.azure_ad_device_id),
    "threatState": lambda r: (r.threat_state, r.device.azure_ad_device_id),
    "lastReport": lambda r: (r.newest is not None, r.newest.reported_at.timestamp() if r.newest else 0.0,
                             r.device.azure_ad_device_id),
    "enrolled": lambda r: (r.device.enrolled_at, r.device.azure_ad_device_id),
}


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))
