from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.fleet import Behaviour, Fleet, Gaps, RosterDevice, ThreatRates, Traffic, reports_bytes
from simulator.fleet.traffic import format_time

SEED = 7
START = datetime(2026, 11, 25, tzinfo=UTC)


def _roster(count: int) -> list[RosterDevice]:
    return [RosterDevice.from_wire(d.to_partner_view()) for d in Fleet(SEED, android=count, ios=count)]


def _run(behaviour: Behaviour, count: int = 100) -> tuple[Traffic, list[list[dict[str, object]]]]:
    traffic = Traffic(behaviour, _roster(count), START)
    return traffic, [traffic.step(tick) for tick in range(behaviour.total_ticks)]


def test_same_seed_gives_the_same_traffic_byte_for_byte() -> None:
    def wire(seed: int) -> list[bytes]:
        behaviour = Behaviour(seed, ThreatRates(events_per_day=2), Gaps(silent=0.2), horizon=timedelta(days=3))
        return [reports_bytes(batch) for batch in _run(behaviour)[1]]

    assert wire(SEED) == wire(SEED)
    assert wire(SEED) != wire(SEED + 1)


def test_threats_move_devices_through_every_state_and_remediation_brings_them_back() -> None:
    behaviour = Behaviour(SEED, ThreatRates(events_per_day=3, remediations_per_day=2), horizon=timedelta(days=4))
    _, batches = _run(behaviour)
    seen = Counter(report["threatState"] for batch in batches for report in batch)
    for state in ("secured", "lowSeverity", "mediumSeverity", "highSeverity", "compromised", "misconfigured"):
        assert seen[state] > 0, state
    recovered = [
        [r["threatState"] for b in batches for r in b if r["azureADDeviceId"] == device_id]
        for device_id in {r["azureADDeviceId"] for r in batches[-1]}
    ]
    assert any("secured" in states[1:] and states[0] == "secured" and len(set(states)) > 1 for states in recovered)


def test_zero_event_rate_keeps_every_device_secured() -> None:
    behaviour = Behaviour(SEED, ThreatRates(events_per_day=0), horizon=timedelta(days=2))
    traffic, batches = _run(behaviour)
    assert {r["threatState"] for b in batches for r in b} == {Health.secured.value}
    assert set(traffic.state) == {Health.secured.value}


def test_first_tick_reports_every_device_and_later_each_device_checks_in_once_a_day() -> None:
    behaviour = Behaviour(SEED, ThreatRates(events_per_day=0), horizon=timedelta(days=2))
    _, batches = _run(behaviour, count=50)
    assert len(batches[0]) == 100
    second_day = Counter(r["azureADDeviceId"] for b in batches[24:48] for r in b)
    assert len(second_day) == 100 and set(second_day.values()) == {1}


def test_reports_carry_threats_only_when_the_device_is_under_threat() -> None:
    behaviour = Behaviour(SEED, ThreatRates(events_per_day=4), horizon=timedelta(days=1))
    for report in (r for b in _run(behaviour)[1] for r in b):
        assert ("threats" in report) == (report["threatState"] != "secured")


def test_devices_that_never_report_send_nothing_and_silent_ones_pause() -> None:
    gaps = Gaps(never_report=0.3, silent=0.5, silent_for=timedelta(hours=30))
    behaviour = Behaviour(SEED, ThreatRates(events_per_day=0), gaps, horizon=timedelta(days=5))
    traffic, batches = _run(behaviour)
    keys = [key for key in traffic._keys]
    never = {d.azure_ad_device_id for d, k in zip(traffic.roster, keys, strict=True) if behaviour.never_reports(k)}
    assert 0.2 < len(never) / 200 < 0.4
    reported = {r["azureADDeviceId"] for b in batches for r in b}
    assert not never & reported
    assert len(reported) == 200 - len(never)
    silent = [k for k in keys if not behaviour.never_reports(k) and any(behaviour.silent_at(k, t) for t in range(120))]
    assert silent
    assert all(sum(behaviour.silent_at(k, t) for t in range(200)) == 30 for k in silent)


def test_partner_heartbeat_stops_after_the_configured_time() -> None:
    behaviour = Behaviour(SEED, gaps=Gaps(heartbeat_stops_after=timedelta(days=2)), horizon=timedelta(days=5))
    assert behaviour.heartbeats_at(47) and not behaviour.heartbeats_at(48)
    assert Behaviour(SEED).heartbeats_at(10_000)


def test_report_times_are_graph_text_with_a_four_digit_year() -> None:
    assert format_time(datetime(2026, 11, 25, 10, 0, 0, 900000, tzinfo=UTC)) == "2026-11-25T10:00:00Z"
    assert format_time(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02T03:04:05Z"
