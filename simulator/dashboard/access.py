"""The dashboard's only way to read devices: counts, and one filtered, sorted page of the device list.

It reads what the tenant keeps for scale (docs/architecture.md, "Device inventory"), so it stays fast at a million
devices: counts come from the compliance classes (exact at any size, O(classes x connectors)); platform, compliance
state, connector verdict and rule are decided per class, the owner by its equality index, and a page sorted by name,
user, platform or enrolment is walked in an order the indexes keep, as far as the page goes. Full compliance with
its reasons is evaluated only for the rows shown. What no index answers (free-text search, the partner-reported
state, a sort by a property that changes with reports or time) is checked on at most ``SCAN_LIMIT`` candidates, in
slices that yield to the event loop, and the page says so (``complete`` false). The views take ``Counts`` and
``DevicePage`` and do not care how they were found.

No step holds the event loop for long, whatever the fleet's size: the name and user orders are built and extended
in slices (``orders``), and every walk (an order, the class map, an owner bucket) pauses every ``orders.STEP``
positions, so a deep page or a sparse filter costs time, not responsiveness (docs/decisions.md, "Dashboard device
list at 1M devices").
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import compress
from typing import Any

from simulator.dashboard import orders
from simulator.dashboard.orders import Walk
from simulator.domain.compliance import ComplianceResult
from simulator.domain.devices import EnrolledDevice, ThreatReport
from simulator.domain.enums import ComplianceState
from simulator.domain.tenant import Tenant
from simulator.errors import InvalidRequest

__all__ = ["SCAN_LIMIT", "SORTS", "Counts", "DevicePage", "DeviceQuery", "DeviceRow", "count", "find"]

SCAN_LIMIT = 20_000  # candidates checked one by one (search, threat state) or sorted in memory, per request
SLICE = 500  # devices checked between yields to the event loop
WINDOW = 32768  # class-map entries looked up at C speed per slice of a class-filtered walk (~1 ms)
SORTS = ("name", "user", "platform", "osVersion", "complianceState", "threatState", "lastReport", "enrolled")
NO_REPORT = "none"
NO_CONNECTOR = "noConnectorEnabled"


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
    scanned: int  # devices the answer covers: all, unless a bounded check stopped before the last candidate
    total: int  # enrolled in the tenant

    @property
    def complete(self) -> bool:
        return self.scanned == self.total


@dataclass(frozen=True, slots=True)
class Counts:
    """Compliance counts by platform and by connector verdict, from the classes: ``scanned`` is always ``total``
    (kept so the views and samples need not know)."""

    by_platform: Counter[tuple[str, str]]  # (platform, complianceState)
    by_connector: Counter[tuple[str, str]]  # (connector id, compliant | noncompliant)
    by_rule: Counter[str]  # blocking rules
    scanned: int
    total: int

    @property
    def complete(self) -> bool:
        return self.scanned == self.total


async def count(tenant: Tenant, now: datetime) -> Counts:
    """Exact counts at any size from the compliance classes: one verdict per class, O(classes x connectors)."""
    verdicts = tenant.classes.verdicts(tenant.policies.values(), tenant.connectors.values(), tenant.partners, now)
    by_platform: Counter[tuple[str, str]] = Counter()
    by_connector: Counter[tuple[str, str]] = Counter()
    by_rule: Counter[str] = Counter()
    keys = tenant.classes.keys
    for number, size in tenant.classes.populated():
        state, rules = verdicts.verdict(number)
        by_platform[keys[number][0], state.value] += size
        if state is ComplianceState.noncompliant and not rules:
            by_rule[NO_CONNECTOR] += size  # evaluate_compliance's one reason when no connector is enabled
        for connector_id, rule, blocks in rules:
            by_connector[connector_id, "noncompliant" if blocks else "compliant"] += size
            if blocks:
                by_rule[rule] += size
    total = len(tenant.inventory)
    return Counts(by_platform, by_connector, by_rule, total, total)


async def find(tenant: Tenant, now: datetime, query: DeviceQuery, limit: int = SCAN_LIMIT) -> DevicePage:
    """One page: candidates narrowed by the classes and indexes, walked in the sort's order where an order is kept.

    ``limit`` bounds the devices that need a check of their own (search, threat state) or an in-memory sort. No step
    holds the event loop for long at any fleet size: walks pause every ``orders.STEP`` positions, and a sorted order is
    brought up to date in slices before the walk (so concurrent requests share one build)."""
    plan = _Plan(tenant, now, query)
    if plan.size > limit and query.sort in orders.ORDERED_BY:
        for _ in range(3):  # a restored snapshot replaces the inventory, and its orders start afresh
            inventory = tenant.inventory
            await orders.order_of(inventory, query.sort).refresh(inventory)
            if tenant.inventory is inventory:
                break
        plan = _Plan(tenant, now, query)  # devices may have come, gone or changed class while the order was built
    total = len(tenant.inventory)
    if plan.size <= limit:  # few candidates: every one is checked and sorted in memory, exactly
        matched = await plan.sorted(await plan.matching(plan.candidates(ascending=True), limit))
        return DevicePage(plan.rows(plan.live(matched[query.skip : query.skip + query.top])), len(matched), total,
                          total)  # fmt: skip
    ordered = plan.ordered()
    if ordered is None:  # a changing property: sort the first ``limit`` candidates in enrolment order
        matched = await plan.sorted(await plan.matching(plan.candidates(ascending=True), limit))
        scanned = total - plan.size + plan.examined
        return DevicePage(plan.rows(plan.live(matched[query.skip : query.skip + query.top])), len(matched), scanned,
                          total)  # fmt: skip
    if plan.exact_without_rows:  # the classes and indexes decide alone: walk only as far as the page
        page = await _page(ordered, query.skip, query.top)
        return DevicePage(plan.rows(plan.live(page)), await plan.exact_size(), total, total)
    matched = await plan.matching(ordered, limit)  # search or threat state: at most ``limit`` checked
    complete = plan.examined < limit or not await _more(ordered)
    matched = plan.live(matched)  # after the last pause
    scanned = total if complete else total - plan.size + plan.examined
    return DevicePage(plan.rows(matched[query.skip : query.skip + query.top]), len(matched), scanned, total)


async def _page(walk: Walk, skip: int, top: int) -> list[int]:
    """The admitted seqs ``skip`` to ``skip + top`` of a walk: O(skip + top) in all, bounded per slice."""
    out: list[int] = []
    if top <= 0:
        return out
    for seq in walk:
        if seq is None:
            await asyncio.sleep(0)
        elif skip:
            skip -= 1
        else:
            out.append(seq)
            if len(out) >= top:
                break
    return out


async def _more(walk: Walk) -> bool:
    """Whether the walk admits one more seq."""
    for seq in walk:
        if seq is None:
            await asyncio.sleep(0)
        else:
            return True
    return False


class _Plan:
    """What the classes and indexes decide for a query, and the candidates left to walk."""

    def __init__(self, tenant: Tenant, now: datetime, query: DeviceQuery) -> None:
        self.tenant, self.now, self.query = tenant, now, query
        # Kept, not re-read from the tenant: a walk pauses, and a restored snapshot replaces both meanwhile (the walk
        # then finishes on the fleet it started on, and ``rows`` drops devices no longer enrolled).
        self.classes = classes = tenant.classes
        self.inventory = tenant.inventory
        self.verdicts = classes.verdicts(tenant.policies.values(), tenant.connectors.values(), tenant.partners, now)
        self.allowed = self._classes()  # class numbers that can match; None: any
        inventory = self.inventory
        self.bucket = inventory.bucket("managedDeviceOwnerType", query.owner) if query.owner else None
        class_size = (sum(classes.sizes[n] for n in self.allowed) if self.allowed is not None
                      else len(inventory))  # fmt: skip
        self.size = min(class_size, len(self.bucket)) if self.bucket is not None else class_size
        self.exact_without_rows = not query.search and not query.threat_state
        self.examined = 0

    def _classes(self) -> set[int] | None:
        query = self.query
        if not (query.platform or query.compliance or query.connector or query.rule or query.threat_state):
            return None
        keys, verdicts = self.classes.keys, self.verdicts
        allowed = set()
        for number, _ in self.classes.populated():
            platform, _, reported = keys[number]
            state, rules = verdicts.verdict(number)
            if query.platform and platform != query.platform:
                continue
            blocking = [rule for _, rule, blocks in rules if blocks]
            if not rules and state is ComplianceState.noncompliant:
                blocking = [NO_CONNECTOR]
            if query.rule and query.rule not in blocking:
                continue
            said: str | None = state.value
            if query.connector:
                judged = [blocks for cid, _, blocks in rules if cid == query.connector]
                said = ("noncompliant" if judged[0] else "compliant") if judged else None
                if said is None:
                    continue
            if query.compliance and said != query.compliance:
                continue
            if query.threat_state and not _may_report(reported, query.threat_state):
                continue
            allowed.add(number)
        return allowed

    def admits(self, seq: int) -> bool:
        """Whether the classes let a live device through (the owner index is the walk itself or checked here)."""
        if self.allowed is not None and self.classes.of_seq[seq] not in self.allowed:
            return False
        device = self.inventory.slots[seq]
        if device is None:
            return False
        return not self.query.owner or device.owner_type.value.lower() == self.query.owner.lower()

    def live(self, seqs: list[int]) -> list[int]:
        """The seqs still enrolled: a walk pauses, and a device found before a pause may be removed during it."""
        slots = self.inventory.slots
        return [seq for seq in seqs if slots[seq] is not None]

    def candidates(self, ascending: bool) -> Walk:
        """Admitted seqs in enrolment order, lazily: from the owner bucket when it is smaller than the classes, else
        from the class map, a window at a time (C-speed set lookups, no device read), else every slot."""
        if self.bucket is not None and len(self.bucket) <= self.size:
            return orders.paced(self.bucket if ascending else reversed(self.bucket), self.admits)
        if self.allowed is not None:
            return self._classed(ascending)
        n = len(self.inventory.slots)
        return orders.paced(range(n) if ascending else range(n - 1, -1, -1), self.admits)

    def _classed(self, ascending: bool) -> Walk:
        assert self.allowed is not None
        of_seq, contains, admits = self.classes.of_seq, self.allowed.__contains__, self.admits
        n = len(of_seq)
        starts = range(0, n, WINDOW) if ascending else range((n - 1) // WINDOW * WINDOW, -1, -WINDOW)
        for start in starts:
            window = of_seq[start : start + WINDOW]  # a copy: the walk pauses, and enrolment appends to of_seq
            hits = list(compress(range(start, start + len(window)), map(contains, window)))
            if not ascending:
                hits.reverse()
            for done, seq in enumerate(hits, 1):
                if admits(seq):  # the owner, and anything that changed since the window was read
                    yield seq
                if done % orders.STEP == 0:
                    yield None
            yield None

    def ordered(self) -> Walk | None:
        """Admitted seqs in the sort's order, None for a sort by a property no index keeps in order. A name or user
        order must have been refreshed (``find`` does) since the last await."""
        query = self.query
        if query.sort == "enrolled":
            return self.candidates(ascending=not query.descending)
        if query.sort == "platform":
            return orders.by_platform(self.inventory, query.descending, self.admits)
        if query.sort not in orders.ORDERED_BY:
            return None
        return orders.order_of(self.inventory, query.sort).walk(query.descending, self.admits)

    async def matching(self, seqs: Walk, limit: int) -> list[int]:
        """Admitted seqs that pass the row checks (search, threat state), examining at most ``limit``."""
        found, slots, query = [], self.inventory.slots, self.query
        for seq in seqs:
            if seq is None:
                await asyncio.sleep(0)
                continue
            self.examined += 1
            if self.examined % SLICE == 0:
                await asyncio.sleep(0)
            device = slots[seq]  # None: removed during the pause just above
            if device is None or (query.threat_state and _threat_state(self.tenant, device) != query.threat_state):
                pass
            elif not query.search or _contains(device, query.search.casefold()):
                found.append(seq)
            if self.examined >= limit:
                break
        return found

    async def exact_size(self) -> int:
        """Matches when only classes and the owner index decide: class sizes, or the owner bucket's live seqs in
        admitted classes (C-speed lookups a window at a time)."""
        if self.bucket is None:
            return self.size
        bucket, of_seq, slots, found = self.bucket, self.classes.of_seq, self.inventory.slots, 0
        for start in range(0, len(bucket), WINDOW):
            if start:
                await asyncio.sleep(0)
            part = bucket[start : start + WINDOW]
            if self.allowed is not None:  # a removed device's class is -1, never allowed
                found += sum(map(self.allowed.__contains__, map(of_seq.__getitem__, part)))
            else:
                found += len(part) - list(map(slots.__getitem__, part)).count(None)
        return found

    async def sorted(self, seqs: list[int]) -> list[int]:
        """The live ones of ``seqs`` in the query's order: keys computed SLICE at a time (a key may read the newest
        report), then one sort of the key tuples, which end with the seq."""
        slots, key_of, keyed = self.inventory.slots, _SORT_KEYS[self.query.sort], []
        for done, seq in enumerate(seqs, 1):
            device = slots[seq]
            if device is not None:  # else removed during a pause
                keyed.append(key_of(self, seq, device))
            if done % SLICE == 0:
                await asyncio.sleep(0)
        keyed.sort(reverse=self.query.descending)
        return [key[-1] for key in keyed]

    def rows(self, seqs: list[int]) -> list[DeviceRow]:
        """Full compliance, with every reason, only for the devices shown (and still enrolled in the tenant)."""
        slots, tenant, out = self.inventory.slots, self.tenant, []
        for seq in seqs:
            device = slots[seq]
            assert device is not None
            aad = device.azure_ad_device_id
            if tenant.devices.get(aad) is device:
                out.append(DeviceRow(device, tenant.compliance(aad, self.now), tenant.newest_report(aad)))
        return out


def _may_report(reported: tuple[tuple[str, str], ...], threat_state: str) -> bool:
    """Whether a class's devices can have ``threat_state`` as their newest report (the newest of several
    connectors' needs the report times, so it is checked per device)."""
    return not reported if threat_state == NO_REPORT else any(state == threat_state for _, state in reported)


def _threat_state(tenant: Tenant, device: EnrolledDevice) -> str:
    newest = tenant.newest_report(device.azure_ad_device_id)
    return newest.threat_state.value if newest else NO_REPORT


def _contains(device: EnrolledDevice, needle: str) -> bool:
    return any(needle in text.casefold() for text in
               (device.azure_ad_device_id, device.device_name, device.user_principal_name))  # fmt: skip


# Each key ends with the enrolment position, so equal values keep one stable order from page to page (the same
# tie-break as the index walks: values compare lower-cased, then enrolment order).
_SORT_KEYS: dict[str, Callable[[_Plan, int, EnrolledDevice], Any]] = {
    "name": lambda p, s, d: (d.device_name.lower(), s),
    "user": lambda p, s, d: (d.user_principal_name.lower(), s),
    "platform": lambda p, s, d: (d.platform.value, s),
    "osVersion": lambda p, s, d: (d.platform.value, _version_key(d.os_version), s),
    "complianceState": lambda p, s, d: (p.verdicts.state(p.classes.of_seq[s]).value, s),
    "threatState": lambda p, s, d: (_threat_state(p.tenant, d), s),
    "lastReport": lambda p, s, d: (*_last_report(p.tenant, d), s),
    "enrolled": lambda p, s, d: (s,),
}


def _last_report(tenant: Tenant, device: EnrolledDevice) -> tuple[bool, float]:
    newest = tenant.newest_report(device.azure_ad_device_id)
    return (newest is not None, newest.reported_at.timestamp() if newest else 0.0)


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))
