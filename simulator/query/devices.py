"""One page of a tenant's devices for a query, in O(page) when an index or the enrolment order can answer it.

Rows come in enrolment order (a cursor is "after seq N"), narrowed by an equality index when the filter has an
indexed ``eq`` under its ``and``s (the smallest one) or an ``or`` of them. Every row is still checked against the
whole filter. Where no index helps, the work is bounded instead: one request examines at most ``SCAN_BUDGET`` rows
and, if the page is not full by then, answers what it found with a ``@odata.nextLink`` to go on from there (Graph
pages may be short). ``$orderby`` sorts the matches in memory, so it needs a filter that leaves at most
``SORT_LIMIT`` candidates; ``$count`` is answered from the index or the compliance classes where it can, and by
counting at most ``COUNT_LIMIT`` candidates where it cannot.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.domain.devices import EnrolledDevice
from simulator.domain.inventory import INDEXED
from simulator.domain.inventory.classes import ClassKey, VerdictCache
from simulator.domain.tenant import Tenant
from simulator.errors import InvalidRequest
from simulator.query.cursor import Cursor
from simulator.query.fields import Field, compile_filter, sort_value
from simulator.query.filter import And, Compare, Node, Or, properties_of
from simulator.query.options import QueryOptions

__all__ = ["COUNT_LIMIT", "SCAN_BUDGET", "SORT_LIMIT", "ClassRow", "DevicePage", "DeviceRow", "find_devices"]

SCAN_BUDGET = 20_000
SORT_LIMIT = 10_000
COUNT_LIMIT = 20_000


@dataclass(slots=True)  # not frozen: one is built per examined device, and a frozen __init__ costs twice as much
class DeviceRow:
    """What a field reads: the device, where it sits, and the tenant's verdicts at the request's instant."""

    tenant: Tenant
    device: EnrolledDevice
    seq: int
    verdicts: VerdictCache
    now: datetime

    @property
    def class_number(self) -> int:
        return self.tenant.classes.of_seq[self.seq]


@dataclass(frozen=True, slots=True)
class ClassRow:
    """A compliance class with its verdict, for fields every device of a class shares (counting by class)."""

    number: int
    key: ClassKey
    verdicts: VerdictCache


@dataclass(frozen=True, slots=True)
class DevicePage:
    devices: list[EnrolledDevice]
    next: Cursor | None
    count: int | None


def find_devices(
    tenant: Tenant,
    options: QueryOptions,
    cursor: Cursor | None,
    now: datetime,
    fields: Mapping[str, Field[DeviceRow]],
    class_fields: Mapping[str, Field[ClassRow]],
) -> DevicePage:
    verdicts = tenant.classes.verdicts(tenant.policies.values(), tenant.connectors.values(), tenant.partners, now)
    predicate = compile_filter(options.filter, fields) if options.filter is not None else None
    buckets = _plan(options.filter, tenant) if options.filter is not None else None
    # A filter or order on costly fields (derived at read time) examines proportionally fewer rows per request.
    names = [name for name, _ in options.orderby] + sorted(properties_of(options.filter) if options.filter else ())
    cost = max((fields[name].cost for name in names if name in fields), default=1)
    count = _count(tenant, options, buckets, predicate, verdicts, now, class_fields, cost) if options.count else None
    # One indexed eq: its bucket is exactly the matches, so rows need no check and $skip can jump.
    query = _Query(tenant, buckets, None if _single_indexed_eq(options.filter) else predicate, verdicts, now, cost)
    if options.orderby:
        page, following = query.sorted_page(options, cursor, fields)
    else:
        page, following = query.page(options, cursor)
    return DevicePage(page, following, count)


Predicate = Callable[[DeviceRow], bool]


class _Query:
    def __init__(self, tenant: Tenant, buckets: list[list[int]] | None, predicate: Predicate | None,
                 verdicts: VerdictCache, now: datetime, cost: int = 1) -> None:  # fmt: skip
        self.tenant, self.buckets, self.predicate, self.verdicts, self.now = tenant, buckets, predicate, verdicts, now
        self.scan_budget, self.sort_limit = max(1, SCAN_BUDGET // cost), max(1, SORT_LIMIT // cost)

    def candidates(self, after: int) -> Iterator[int]:
        inventory = self.tenant.inventory
        if self.buckets is None:
            return inventory.after(None, after)
        if len(self.buckets) == 1:
            return inventory.after(self.buckets[0], after)
        merged = heapq.merge(*(inventory.after(bucket, after) for bucket in self.buckets))
        return _unique(merged)

    def matches(self, seq: int, device: EnrolledDevice) -> bool:
        return self.predicate is None or bool(self.predicate(DeviceRow(self.tenant, device, seq, self.verdicts,
                                                                        self.now)))  # fmt: skip

    def page(self, options: QueryOptions, cursor: Cursor | None) -> tuple[list[EnrolledDevice], Cursor | None]:
        after, skip_left = (cursor.after, cursor.skip_left) if cursor else (-1, options.skip)
        if skip_left and self.predicate is None and (self.buckets is None or len(self.buckets) == 1):
            jumped = self.tenant.inventory.skip_ahead(self.buckets[0] if self.buckets else None, after, skip_left)
            if jumped != -2:  # no dead entries: positions are exact
                after, skip_left = jumped, 0
        slots, found, last = self.tenant.inventory.slots, [], after
        candidates = self.candidates(after)
        for examined, seq in enumerate(candidates, 1):
            device = slots[seq]
            assert device is not None
            last = seq
            if self.matches(seq, device):
                if skip_left:
                    skip_left -= 1
                else:
                    found.append(device)
            if len(found) == options.top or examined >= self.scan_budget:
                break
        else:
            return found, None
        return found, (Cursor(last, skip_left) if next(candidates, None) is not None else None)

    def sorted_page(
        self, options: QueryOptions, cursor: Cursor | None, fields: Mapping[str, Field[DeviceRow]]
    ) -> tuple[list[EnrolledDevice], Cursor | None]:
        slots, rows = self.tenant.inventory.slots, []
        for examined, seq in enumerate(self.candidates(-1), 1):
            if examined > self.sort_limit:
                raise InvalidRequest("invalidRequest", f"$orderby sorts at most {self.sort_limit} devices (for these "
                                     "properties): add a $filter "
                                     "on an indexed property (" + ", ".join(_INDEXED_NAMES) + ") that narrows the "
                                     "list", target="$orderby")  # fmt: skip
            device = slots[seq]
            assert device is not None
            row = DeviceRow(self.tenant, device, seq, self.verdicts, self.now)
            if self.predicate is None or self.predicate(row):
                rows.append((tuple(sort_value(fields[name], row) for name, _ in options.orderby), seq, device))
        rows.sort(key=lambda r: r[1])
        for position in reversed(range(len(options.orderby))):  # stable sorts, last key first
            rows.sort(key=lambda r: r[0][position], reverse=options.orderby[position][1])
        start = options.skip
        if cursor is not None and cursor.sort_key is not None:
            mark = (tuple(cursor.sort_key[:-1]), cursor.sort_key[-1])
            directions = [desc for _, desc in options.orderby]
            start = next((i for i, r in enumerate(rows) if _beyond((r[0], r[1]), mark, directions)), len(rows))
        page = rows[start : start + options.top]
        if start + options.top >= len(rows) or not page:
            return [r[2] for r in page], None
        keys, seq, _ = page[-1]
        return [r[2] for r in page], Cursor(seq, 0, (*keys, seq))


def _beyond(row: tuple[tuple[Any, ...], int], mark: tuple[tuple[Any, ...], int], directions: list[bool]) -> bool:
    """Whether ``row`` sorts after ``mark`` in the requested order (enrolment position breaks ties)."""
    for value, marked, desc in zip(row[0], mark[0], directions, strict=True):
        if value != marked:
            return bool(value < marked) if desc else bool(value > marked)
    return row[1] > mark[1]


_INDEXED_NAMES = ("azureADDeviceId", "id", *INDEXED)


def _plan(node: Node, tenant: Tenant) -> list[list[int]] | None:
    """Index buckets whose union holds every match, or None when no index narrows the filter."""
    if isinstance(node, Compare):
        if node.op != "eq" or node.literal.kind != "string":
            return None
        value = str(node.literal.value)
        if node.prop in INDEXED:
            return [tenant.inventory.bucket(node.prop, value)]
        if node.prop == "azureADDeviceId":  # Entra writes GUIDs in one case; a mixed-case id is not looked up
            seq_of = tenant.inventory.seq_of
            seq = seq_of.get(value, seq_of.get(value.lower(), seq_of.get(value.upper())))
            return [[seq] if seq is not None else []]
        if node.prop == "id":
            device = tenant.devices_by_id.get(value)
            return [[tenant.inventory.seq_of[device.azure_ad_device_id]] if device else []]
        return None
    if isinstance(node, And):
        plans = [p for p in (_plan(node.left, tenant), _plan(node.right, tenant)) if p is not None]
        return min(plans, key=lambda p: sum(map(len, p)), default=None)
    if isinstance(node, Or):
        left, right = _plan(node.left, tenant), _plan(node.right, tenant)
        return None if left is None or right is None else left + right
    return None


def _count(tenant: Tenant, options: QueryOptions, buckets: list[list[int]] | None, predicate: Predicate | None,
           verdicts: VerdictCache, now: datetime, class_fields: Mapping[str, Field[ClassRow]],
           cost: int = 1) -> int:  # fmt: skip
    node = options.filter
    if node is None:
        return len(tenant.inventory)
    if properties_of(node) <= set(class_fields):
        by_class = compile_filter(node, class_fields)
        keys = tenant.classes.keys
        return sum(size for number, size in tenant.classes.populated()
                   if by_class(ClassRow(number, keys[number], verdicts)))  # fmt: skip
    if _single_indexed_eq(node):
        assert isinstance(node, Compare)
        return tenant.inventory.bucket_size(node.prop, str(node.literal.value))
    query, total, limit = _Query(tenant, buckets, predicate, verdicts, now), 0, max(1, COUNT_LIMIT // cost)
    slots = tenant.inventory.slots
    for examined, seq in enumerate(query.candidates(-1), 1):
        if examined > limit:
            raise InvalidRequest("invalidRequest", f"$count examines at most {limit} devices for this filter: "
                                 "narrow it with an indexed property (" + ", ".join(_INDEXED_NAMES) + ") or count "
                                 "by complianceState and operatingSystem only", target="$count")  # fmt: skip
        device = slots[seq]
        assert device is not None
        total += query.matches(seq, device)
    return total


def _single_indexed_eq(node: Node | None) -> bool:
    return isinstance(node, Compare) and node.op == "eq" and node.prop in INDEXED and node.literal.kind == "string"


def _unique(seqs: Iterator[int]) -> Iterator[int]:
    previous = -1
    for seq in seqs:
        if seq != previous:
            yield seq
            previous = seq


