"""Device behaviour over virtual time: threat events, remediation, and missing-data gaps (pure, seeded).

Time is cut into ticks (default one hour). At each tick a device in ``secured`` meets a threat with probability
``1 - exp(-events_per_day * tick_days)`` and moves to a severity drawn from ``severity``; a device under threat
is remediated back to ``secured`` with the matching probability for ``remediations_per_day``. Every draw is a
hash of (seed, device key, tick), so a run replays exactly and adding a device changes no other device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.fleet.hashing import MASK64, mix64, splitmix64, unit
from simulator.fleet.mix import Table

__all__ = ["DEFAULT_SEVERITY", "Behaviour", "Gaps", "ThreatRates"]

DEFAULT_SEVERITY: tuple[tuple[str, float], ...] = (
    (Health.lowSeverity.value, 40), (Health.mediumSeverity.value, 30), (Health.highSeverity.value, 15),
    (Health.compromised.value, 5), (Health.misconfigured.value, 10),
)  # fmt: skip

_EVENT_STREAM = 0xE7E7
_GAP_STREAM = 0x6A95


@dataclass(frozen=True, slots=True)
class ThreatRates:
    """How often threats appear and get fixed; rates are per device per virtual day."""

    events_per_day: float = 0.05
    remediations_per_day: float = 1.0
    severity: tuple[tuple[str, float], ...] = DEFAULT_SEVERITY

    def __post_init__(self) -> None:
        if self.events_per_day < 0 or self.remediations_per_day < 0:
            raise ValueError("threat rates must be >= 0")


@dataclass(frozen=True, slots=True)
class Gaps:
    """Missing data: devices that never report, devices silent for a while, a partner whose heartbeat stops."""

    never_report: float = 0.0
    silent: float = 0.0
    silent_for: timedelta = timedelta(days=2)
    heartbeat_stops_after: timedelta | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.never_report <= 1 and 0 <= self.silent <= 1):
            raise ValueError("gap fractions must be within [0, 1]")


@dataclass(slots=True)
class Behaviour:
    """The behaviour of every device of one seeded run, over ``horizon`` of virtual time cut into ``tick``s."""

    seed: int
    rates: ThreatRates = field(default_factory=ThreatRates)
    gaps: Gaps = field(default_factory=Gaps)
    tick: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(days=1)
    _p_event: float = field(init=False)
    _p_fix: float = field(init=False)
    _severity: Table[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.tick <= timedelta(0):
            raise ValueError("tick must be positive")
        days = self.tick / timedelta(days=1)
        self._p_event = 1 - math.exp(-self.rates.events_per_day * days)
        self._p_fix = 1 - math.exp(-self.rates.remediations_per_day * days)
        self._severity = Table.of(self.rates.severity)

    @property
    def ticks_per_day(self) -> int:
        return max(1, round(timedelta(days=1) / self.tick))

    @property
    def total_ticks(self) -> int:
        return math.ceil(self.horizon / self.tick)

    def next_state(self, key: int, tick: int, state: str) -> str:
        """The device's threat state after tick ``tick`` given its state before it."""
        return self.next_state_from(splitmix64(self.event_base(tick) ^ (key & MASK64)), state)

    def event_base(self, tick: int) -> int:
        """The part of ``mix64(seed, event stream of tick, key)`` shared by every device: computed once per tick, it
        leaves one ``splitmix64(base ^ key)`` per device instead of three (the traffic loop's main cost)."""
        return splitmix64(splitmix64(self.seed & MASK64) ^ ((_EVENT_STREAM ^ tick) & MASK64))

    def next_state_from(self, bits: int, state: str) -> str:
        """``next_state`` given the device's event bits for the tick (``splitmix64(event_base(tick) ^ key)``)."""
        if state == Health.secured.value:
            return str(self._severity.pick(bits)) if unit(bits) < self._p_event else state
        return Health.secured.value if unit(bits) < self._p_fix else state

    def quiet_ticks(self, key: int) -> tuple[int, float] | None:
        """The ticks [start, end) in which the device sends nothing (never reports: all of them), or None."""
        if self.never_reports(key):
            return (0, math.inf)
        bits = mix64(self.seed, _GAP_STREAM + 2, key)
        if unit(bits) >= self.gaps.silent:
            return None
        start = (bits >> 8) % max(1, self.total_ticks)
        return (start, start + math.ceil(self.gaps.silent_for / self.tick))

    def checkin_tick(self, key: int) -> int:
        """The tick of the day at which the device's agent reports even without a change."""
        return mix64(self.seed, _GAP_STREAM + 1, key) % self.ticks_per_day

    def never_reports(self, key: int) -> bool:
        return unit(mix64(self.seed, _GAP_STREAM, key)) < self.gaps.never_report

    def silent_at(self, key: int, tick: int) -> bool:
        """Whether the device is inside its silent window (if it has one) at ``tick``."""
        bits = mix64(self.seed, _GAP_STREAM + 2, key)
        if unit(bits) >= self.gaps.silent:
            return False
        start = (bits >> 8) % max(1, self.total_ticks)
        return start <= tick < start + math.ceil(self.gaps.silent_for / self.tick)

    def reports_at(self, key: int, tick: int) -> bool:
        return not self.never_reports(key) and not self.silent_at(key, tick)

    def heartbeats_at(self, tick: int) -> bool:
        stop = self.gaps.heartbeat_stops_after
        return stop is None or tick * self.tick < stop
