"""Compliance classes: devices that share every fact compliance reads share one verdict at any virtual time.

A device's compliance (DESIGN 4.2) depends on its platform, its OS version (against each connector's minimum, which
the admin may change at any time) and the newest threat state each connector reported; everything else (policies,
toggles, minimums, heartbeats, the clock) is tenant-wide. Those per-device facts form the device's *class*. The
tenant keeps each device's class and how many devices are in each, and updates them only when a fact changes
(enrolment, removal, a report whose threat state differs from the stored one, a connector deleted with its reports).
Counts by state, platform and connector are then one evaluation per class at the time asked, O(classes x connectors)
and exact at any virtual time, with nothing scheduled: a partner turning unresponsive changes the verdict of whole
classes at once. The number of classes is bounded by platforms x distinct OS versions x threat-state combinations, a
few hundred in a realistic fleet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from simulator.domain.catalog import Partner
from simulator.domain.compliance import below_minimum, connector_verdict, effective_minimum, platform_required_rank
from simulator.domain.connector import Connector
from simulator.domain.devices import EnrolledDevice
from simulator.domain.enums import ComplianceState, Platform
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.policies import CompliancePolicy

__all__ = ["ClassCounts", "ClassKey", "ComplianceClasses", "Verdict", "VerdictCache", "class_verdict"]

# (platform, OS version, ((connector id, newest threat state), ...) sorted), as wire strings: a str hashes in C, an
# Enum member through a Python __hash__.
ClassKey = tuple[str, str, tuple[tuple[str, str], ...]]
# The class's state and each enabled connector's (id, rule, blocks).
Verdict = tuple[ComplianceState, tuple[tuple[str, str, bool], ...]]
_PLATFORM_VALUE, _OS_VERSION = attrgetter("platform._value_"), attrgetter("os_version")  # a batch's class facts, in C


@dataclass(frozen=True, slots=True)
class ClassCounts:
    """Devices by compliance state, by platform and state, and by connector (each rule's count)."""

    total: int
    by_state: Mapping[str, int]
    by_platform: Mapping[str, Mapping[str, int]]
    by_connector: Mapping[str, Mapping[str, int]]
    classes: int = field(default=0)


class ComplianceClasses:
    """Each device's class (by seq) and the number of devices per class.

    Classes are numbered: a device's class is a small int, the sizes a list, and a report that changes a threat state
    moves the device with one lookup of ``(class, connector, state)``, where keying by the class tuple itself would
    hash it again at every step (this runs on the ingest path).
    """

    def __init__(self) -> None:
        self.of_seq: list[int] = []  # seq -> class number; -1 for a removed device
        self.sizes: list[int] = []  # class number -> devices
        self.keys: list[ClassKey] = []  # class number -> its facts
        self._numbers: dict[ClassKey, int] = {}
        self._moves: dict[tuple[int, str, str | None], int] = {}
        self._fresh: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        """Classes with at least one device."""
        return sum(1 for size in self.sizes if size)

    def add_all(self, seqs: Sequence[int], devices: Sequence[EnrolledDevice]) -> None:
        """Newly enrolled devices, with no reports yet (``seqs[i]`` is the seq of ``devices[i]``; seqs arrive in
        order), counted in C."""
        starts = list(zip(map(_PLATFORM_VALUE, devices), map(_OS_VERSION, devices), strict=True))
        fresh = self._fresh
        for start in dict.fromkeys(starts):  # in order of first appearance: numbers do not depend on hashing
            if start not in fresh:
                fresh[start] = self._number((*start, ()))
        if seqs and seqs[0] != len(self.of_seq):
            self.of_seq.extend([-1] * (seqs[0] - len(self.of_seq)))
        numbers = list(map(fresh.__getitem__, starts))
        self.of_seq.extend(numbers)
        for number, size in Counter(numbers).items():
            self.sizes[number] += size

    def remove(self, seq: int) -> None:
        number = self.of_seq[seq]
        if number >= 0:
            self.sizes[number] -= 1
            self.of_seq[seq] = -1

    def report(self, seq: int, connector_id: str, state: str | None) -> None:
        """The newest threat state (its wire value) from ``connector_id`` changed (None: its report is gone)."""
        old = self.of_seq[seq]
        new = self._moves.get((old, connector_id, state))
        if new is None:
            if old < 0:
                return
            platform, os_version, reported = self.keys[old]
            states = dict(reported)
            if state is None:
                states.pop(connector_id, None)
            else:
                states[connector_id] = state
            new = self._number((platform, os_version, tuple(sorted(states.items()))))
            self._moves[(old, connector_id, state)] = new
        if new != old:
            self.sizes[old] -= 1
            self.sizes[new] += 1
            self.of_seq[seq] = new

    def populated(self) -> Iterator[tuple[int, int]]:
        """(class number, devices) of every class that has devices."""
        return ((number, size) for number, size in enumerate(self.sizes) if size)

    def verdicts(self, policies: Iterable[CompliancePolicy], connectors: Iterable[Connector],
                 partners: Mapping[str, Partner], now: datetime) -> VerdictCache:  # fmt: skip
        return VerdictCache(self.keys, list(policies), list(connectors), partners, now)

    def counts(self, policies: Iterable[CompliancePolicy], connectors: Iterable[Connector],
               partners: Mapping[str, Partner], now: datetime) -> ClassCounts:  # fmt: skip
        cache = self.verdicts(policies, connectors, partners, now)
        by_state: Counter[str] = Counter()
        by_platform: dict[str, Counter[str]] = {p.value: Counter() for p in Platform}
        by_connector: dict[str, Counter[str]] = {c.id: Counter() for c in cache.connectors}
        classes = 0
        for number, size in self.populated():
            classes += 1
            key = self.keys[number]
            state, rules = cache.verdict(number)
            by_state[state.value] += size
            by_platform[key[0]][state.value] += size
            for connector_id, rule, _ in rules:
                by_connector[connector_id][rule] += size
            for connector_id, _ in key[2]:
                if connector_id in by_connector:
                    by_connector[connector_id]["reported"] += size
        return ClassCounts(sum(by_state.values()), dict(by_state), {k: dict(v) for k, v in by_platform.items()},
                           {k: dict(v) for k, v in by_connector.items()}, classes)  # fmt: skip

    def _number(self, key: ClassKey) -> int:
        number = self._numbers.get(key)
        if number is None:
            number = self._numbers[key] = len(self.keys)
            self.keys.append(key)
            self.sizes.append(0)
        return number


class VerdictCache:
    """Verdicts of classes at one instant, computed on first use (a request reads it for every device it scans)."""

    def __init__(self, keys: list[ClassKey], policies: list[CompliancePolicy], connectors: list[Connector],
                 partners: Mapping[str, Partner], now: datetime) -> None:  # fmt: skip
        self.keys = keys
        self.policies = policies
        self.connectors = connectors
        self.partners = partners
        self.now = now
        self._memo: dict[int, Verdict] = {}

    def state(self, number: int) -> ComplianceState:
        return self.verdict(number)[0]

    def verdict(self, number: int) -> Verdict:
        found = self._memo.get(number)
        if found is None:
            found = self._memo[number] = class_verdict(self.keys[number], self.policies, self.connectors,
                                                       self.partners, self.now)  # fmt: skip
        return found


def class_verdict(key: ClassKey, policies: Iterable[CompliancePolicy], connectors: Iterable[Connector],
                  partners: Mapping[str, Partner], now: datetime) -> Verdict:  # fmt: skip
    """evaluate_compliance's state for every device of the class, with each enabled connector's rule."""
    platform, os_version, states = Platform(key[0]), key[1], key[2]
    required = platform_required_rank(platform, policies)
    if required is None:
        return ComplianceState.compliant, ()
    enabled = [c for c in connectors if c.enabled_for(platform)]
    if not enabled:
        return ComplianceState.noncompliant, ()
    reported = {cid: Health(state) for cid, state in states}
    rules = tuple((c.id, *connector_verdict(c, platform, _below(os_version, c, partners, platform),
                                            reported.get(c.id), required, now))
                  for c in enabled)  # fmt: skip
    blocked = any(blocks for _, _, blocks in rules)
    return (ComplianceState.noncompliant if blocked else ComplianceState.compliant), rules


def _below(os_version: str, connector: Connector, partners: Mapping[str, Partner], platform: Platform) -> bool:
    return connector.unsupported_os_blocked and below_minimum(
        os_version, effective_minimum(connector, partners.get(connector.id), platform)
    )
