"""Compliance classes: devices that share every fact compliance reads share one verdict at any virtual time.

A device's compliance (DESIGN 4.2) depends on its platform, on which partners' minimum OS versions it is below, and
on the newest threat state each connector reported; everything else (policies, toggles, heartbeats, the clock) is
tenant-wide. Those per-device facts form the device's *class*. The tenant keeps each device's class and how many
devices are in each, and updates them only when a fact changes (enrolment, removal, a report whose threat state
differs from the stored one, a connector deleted with its reports). Counts by state, platform and connector are then
one evaluation per class at the time asked, O(classes x connectors) and exact at any virtual time, with nothing
scheduled: a partner turning unresponsive changes the verdict of whole classes at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from simulator.domain.compliance import connector_verdict, platform_required_rank
from simulator.domain.connector import Connector
from simulator.domain.enums import ComplianceState, Platform
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.policies import CompliancePolicy

__all__ = ["ClassCounts", "ClassKey", "ComplianceClasses", "Verdict", "VerdictCache", "class_verdict"]

# (platform, connector ids whose partner minimum the OS is below, ((connector id, newest threat state), ...) sorted),
# as wire strings: a str hashes in C, an Enum member through a Python __hash__, and keys are hashed on every change.
ClassKey = tuple[str, frozenset[str], tuple[tuple[str, str], ...]]
# The class's state and each enabled connector's (id, rule, blocks).
Verdict = tuple[ComplianceState, tuple[tuple[str, str, bool], ...]]


@dataclass(frozen=True, slots=True)
class ClassCounts:
    """Devices by compliance state, by platform and state, and by connector (each rule's count)."""

    total: int
    by_state: Mapping[str, int]
    by_platform: Mapping[str, Mapping[str, int]]
    by_connector: Mapping[str, Mapping[str, int]]
    classes: int = field(default=0)


class ComplianceClasses:
    """Each device's class (by seq) and the number of devices per class."""

    def __init__(self) -> None:
        self.of_seq: list[ClassKey | None] = []
        self.sizes: Counter[ClassKey] = Counter()
        self._interned: dict[ClassKey, ClassKey] = {}
        self._moves: dict[tuple[ClassKey, str, str | None], ClassKey] = {}
        self._fresh: dict[tuple[str, frozenset[str]], ClassKey] = {}

    def add(self, seq: int, platform: Platform, below: frozenset[str]) -> None:
        """A newly enrolled device (seqs arrive in order, one each), with no reports yet."""
        key = self._fresh.get(start := (platform._value_, below))
        if key is None:
            key = self._fresh[start] = self._intern((*start, ()))
        if seq == len(self.of_seq):
            self.of_seq.append(key)
        else:
            self.of_seq.extend([None] * (seq - len(self.of_seq)))
            self.of_seq.append(key)
        self.sizes[key] += 1

    def remove(self, seq: int) -> None:
        key = self.of_seq[seq]
        if key is not None:
            self._shrink(key)
            self.of_seq[seq] = None

    def report(self, seq: int, connector_id: str, state: str | None) -> None:
        """The newest threat state (its wire value) from ``connector_id`` changed (None: its report is gone)."""
        old = self.of_seq[seq]
        if old is None:
            return
        move = (old, connector_id, state)
        new = self._moves.get(move)
        if new is None:
            states = dict(old[2])
            if state is None:
                states.pop(connector_id, None)
            else:
                states[connector_id] = state
            new = self._moves[move] = self._intern((old[0], old[1], tuple(sorted(states.items()))))
        if new is not old:
            self._shrink(old)
            self.sizes[new] += 1
            self.of_seq[seq] = new

    def verdicts(
        self, policies: Iterable[CompliancePolicy], connectors: Iterable[Connector], now: datetime
    ) -> VerdictCache:
        return VerdictCache(list(policies), list(connectors), now)

    def counts(
        self, policies: Iterable[CompliancePolicy], connectors: Iterable[Connector], now: datetime
    ) -> ClassCounts:
        cache = self.verdicts(policies, connectors, now)
        by_state: Counter[str] = Counter()
        by_platform: dict[str, Counter[str]] = {p.value: Counter() for p in Platform}
        by_connector: dict[str, Counter[str]] = {c.id: Counter() for c in cache.connectors}
        for key, size in self.sizes.items():
            state, rules = cache.verdict(key)
            by_state[state.value] += size
            by_platform[key[0]][state.value] += size
            for connector_id, rule, _ in rules:
                by_connector[connector_id][rule] += size
            for connector_id, _ in key[2]:
                if connector_id in by_connector:
                    by_connector[connector_id]["reported"] += size
        return ClassCounts(sum(self.sizes.values()), dict(by_state), {k: dict(v) for k, v in by_platform.items()},
                           {k: dict(v) for k, v in by_connector.items()}, len(self.sizes))  # fmt: skip

    def _intern(self, key: ClassKey) -> ClassKey:
        return self._interned.setdefault(key, key)

    def _shrink(self, key: ClassKey) -> None:
        self.sizes[key] -= 1
        if not self.sizes[key]:
            del self.sizes[key]


class VerdictCache:
    """Verdicts of classes at one instant, computed on first use (a request reads it for every device it scans)."""

    def __init__(self, policies: list[CompliancePolicy], connectors: list[Connector], now: datetime) -> None:
        self.policies = policies
        self.connectors = connectors
        self.now = now
        self._memo: dict[ClassKey, Verdict] = {}

    def state(self, key: ClassKey) -> ComplianceState:
        return self.verdict(key)[0]

    def verdict(self, key: ClassKey) -> Verdict:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = class_verdict(key, self.policies, self.connectors, self.now)
        return found


def class_verdict(
    key: ClassKey, policies: Iterable[CompliancePolicy], connectors: Iterable[Connector], now: datetime
) -> Verdict:
    """evaluate_compliance's state for every device of the class, with each enabled connector's rule."""
    platform, below, states = Platform(key[0]), key[1], key[2]
    required = platform_required_rank(platform, policies)
    if required is None:
        return ComplianceState.compliant, ()
    enabled = [c for c in connectors if c.enabled_for(platform)]
    if not enabled:
        return ComplianceState.noncompliant, ()
    reported = {cid: Health(state) for cid, state in states}
    rules = tuple((c.id, *connector_verdict(c, platform, c.id in below, reported.get(c.id), required, now))
                  for c in enabled)  # fmt: skip
    blocked = any(blocks for _, _, blocks in rules)
    return (ComplianceState.noncompliant if blocked else ComplianceState.compliant), rules
