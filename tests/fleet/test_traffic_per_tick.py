"""The traffic loop works per device once and hashes once per device and tick: same reports as the rules say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.fleet import Behaviour, Gaps, ThreatRates
from simulator.fleet.hashing import mix64, uuid_from
from simulator.fleet.traffic import RosterDevice, Traffic, device_key

START = datetime(2026, 11, 25, tzinfo=UTC)


def _reference(behaviour: Behaviour, traffic: Traffic, ticks: int) -> list[list[tuple[str, str]]]:
    """DESIGN's rule spelled out with Behaviour's per-device methods, tick by tick: what step must produce."""
    state = {d.azure_ad_device_id: Health.secured.value for d in traffic.roster}
    sent: dict[str, str | None] = dict.fromkeys(state)
    out = []
    for tick in range(ticks):
        due = []
        for device in traffic.roster:
            key, aad = device_key(device.azure_ad_device_id), device.azure_ad_device_id
            if tick:
                state[aad] = behaviour.next_state(key, tick, state[aad])
            if not behaviour.reports_at(key, tick):
                continue
            if sent[aad] != state[aad] or tick % behaviour.ticks_per_day == behaviour.checkin_tick(key):
                due.append((aad, state[aad]))
                sent[aad] = state[aad]
        out.append(due)
    return out


def test_traffic_steps_send_exactly_the_reports_the_per_device_rules_give() -> None:
    behaviour = Behaviour(11, ThreatRates(events_per_day=2.0), Gaps(never_report=0.1, silent=0.2,
                          silent_for=timedelta(hours=20)), timedelta(hours=2), timedelta(days=3))  # fmt: skip
    roster = [RosterDevice(uuid_from(mix64(5, 1, n), mix64(5, 2, n)), "ios" if n % 2 else "android", "17.0",
                           "company", "registered") for n in range(300)]  # fmt: skip
    traffic = Traffic(behaviour, roster, START)
    expected = _reference(behaviour, Traffic(behaviour, roster, START), behaviour.total_ticks)
    got: list[list[tuple[str, Any]]] = []
    for tick in range(behaviour.total_ticks):
        got.append([(r["azureADDeviceId"], r["threatState"]) for r in traffic.step(tick)])
    assert got == expected
    assert sum(map(len, got)) > 300 and any(s != Health.secured.value for tick in got for _, s in tick)
