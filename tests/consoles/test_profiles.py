from __future__ import annotations

from collections import Counter
from datetime import timedelta

import orjson
import pytest

from simulator.consoles import Profile, run_console
from simulator.fleet import Behaviour, Gaps, ThreatRates, device_key
from tests.consoles.conftest import SEED, TENANT, Recorded, Sim

ONE_DAY = Behaviour(SEED, ThreatRates(events_per_day=2), horizon=timedelta(days=1))
# Short runs for profiles whose every batch fails the contract (the mock's detailed error path is the slow one).
FEW_HOURS = Behaviour(SEED, ThreatRates(events_per_day=2), horizon=timedelta(hours=4))


async def _violations(sim: Sim) -> Counter[str]:
    body = await sim.control("GET", "/_sim/violations")
    return Counter(v["code"] for v in body["value"])


async def test_well_behaved_console_gets_no_rejection_and_causes_no_violation(sim: Sim) -> None:
    async with sim.console() as console:
        stats = await run_console(console, ONE_DAY)
    assert stats.reports_sent > 0
    assert stats.outcomes() == Counter() == stats.expected
    assert stats.accepted == stats.reports_sent
    assert stats.app_sync_calls > 0 and stats.apps_seen > 0
    assert await _violations(sim) == Counter()
    mock = (await sim.control("GET", "/_sim/stats"))["traffic"]
    assert mock["reportsAccepted"] == stats.accepted


async def test_the_ticks_are_announced_before_the_first_report_and_after_each_tick(sim: Sim) -> None:
    ticks: list[tuple[int, int | None, int]] = []
    async with sim.console() as console:
        await run_console(console, FEW_HOURS, on_tick=lambda done, total: ticks.append(
            (done, total, console.stats.reports_sent)))  # fmt: skip
    total = FEW_HOURS.total_ticks
    assert [(done, of) for done, of, _ in ticks] == [(n, total) for n in range(total + 1)]
    assert ticks[0][2] == 0 < ticks[-1][2]  # nothing sent before the first announcement, reports by the last


async def test_well_behaved_console_reports_only_registered_devices(sim: Sim) -> None:
    unregistered = {d.azure_ad_device_id for d in sim.fleet if not d.registered}
    assert unregistered
    async with sim.console() as console:
        console.sent = []
        await run_console(console, ONE_DAY)
    assert console.sent
    assert not any(device_id.encode() in body for body in console.sent for device_id in unregistered)


async def _throttle_first_batch(sim: Sim) -> None:
    """A Retry-After far longer than the run, so every later batch of the run is still too early."""
    await sim.provisioner.throttle_first_batch(TENANT, retry_after=3600)


@pytest.mark.parametrize("profile", [p for p in Profile if p is not Profile.well_behaved])
async def test_each_misbehaving_profile_gets_exactly_the_rejections_and_violations_it_planted(
    sim: Sim, profile: Profile
) -> None:
    if profile is Profile.ignores_retry_after:
        await _throttle_first_batch(sim)
    async with sim.console(profile) as console:
        stats = await run_console(console, FEW_HOURS)
    assert stats.expected or stats.expected_violations, "the profile planted nothing"
    assert stats.outcomes() == stats.expected
    assert await _violations(sim) == stats.expected_violations


PLANTED = {
    Profile.ignores_retry_after: ({}, {"retryAfterNotHonoured": 4}),  # the resent first batch and 3 later ones
    Profile.stale_reports: ({"staleReport": 78}, {}),
    Profile.unregistered_devices: ({"deviceNotRegistered": 6}, {}),
    Profile.wrong_platform: ({"platformMismatch": 9}, {}),
    Profile.oversized_batches: ({"400 invalidRequest": 4}, {"contractViolation": 4}),
    Profile.malformed_payloads: ({"400 invalidRequest": 4}, {"contractViolation": 4}),
    Profile.expired_token: ({"401 InvalidAuthenticationToken": 12}, {}),
    Profile.silent: ({"connectorNotActive": 78, "403 connectorNotActive": 7}, {}),
}


@pytest.mark.parametrize("profile", list(PLANTED))
async def test_each_profile_plants_a_fixed_number_of_faults_for_a_fixed_seed(sim: Sim, profile: Profile) -> None:
    if profile is Profile.ignores_retry_after:
        await _throttle_first_batch(sim)
    async with sim.console(profile) as console:
        stats = await run_console(console, FEW_HOURS)
    outcomes, violations = PLANTED[profile]
    assert (stats.outcomes(), await _violations(sim)) == (Counter(outcomes), Counter(violations))


async def test_well_behaved_console_waits_out_a_retry_after_and_causes_no_violation(sim: Sim) -> None:
    await sim.provisioner.throttle_first_batch(TENANT, retry_after=0.2)
    async with sim.console() as console:
        stats = await run_console(console, FEW_HOURS)
    assert stats.retries == 1
    assert stats.expected_violations == Counter() == await _violations(sim)
    assert stats.accepted == stats.reports_sent


async def test_malformed_payloads_are_recorded_as_contract_violations_at_the_bad_field(sim: Sim) -> None:
    async with sim.console(Profile.malformed_payloads) as console:
        stats = await run_console(console, ONE_DAY)
    body = await sim.control("GET", "/_sim/violations")
    assert [v["code"] for v in body["value"]] == ["contractViolation"] * stats.expected["400 invalidRequest"]
    assert {v["pointer"] for v in body["value"]} == {"/reports/0/threatState"}
    assert stats.expected["400 invalidRequest"] == 24  # one malformed batch per hourly tick


async def test_expired_token_profile_keeps_using_its_token_and_every_later_call_gets_a_401(make_sim: object) -> None:
    sim: Sim = await make_sim(token_lifetime=5400)  # type: ignore[operator]
    async with sim.console(Profile.expired_token) as console:
        stats = await run_console(console, ONE_DAY)
    assert stats.token_fetches == 1
    # Planted before sending: every call from the 90th virtual minute on (ticks 2..23) must be refused.
    assert stats.expected["401 InvalidAuthenticationToken"] > 22
    assert stats.outcomes() == stats.expected


async def test_app_sync_is_pulled_for_ios_devices_only(make_sim: object) -> None:
    received: Recorded = []
    sim: Sim = await make_sim(record=received)  # type: ignore[operator]
    async with sim.console() as console:
        stats = await run_console(console, ONE_DAY)
    synced = [path.split("/")[4] for _, path, _ in received if path.startswith("/partner/v1/devices/")]
    ios = {d.azure_ad_device_id for d in sim.fleet if d.platform.value == "ios" and d.registered}
    assert len(synced) == stats.app_sync_calls > 0
    assert set(synced) == ios  # once a day each, every registered iOS device, no Android one
    assert len(synced) == len(ios)


async def test_app_sync_is_not_pulled_when_the_connector_does_not_allow_it(make_sim: object) -> None:
    sim: Sim = await make_sim(app_sync=False)  # type: ignore[operator]
    async with sim.console() as console:
        stats = await run_console(console, ONE_DAY)
    assert stats.app_sync_calls == 0
    assert stats.accepted == stats.reports_sent > 0


async def test_a_partner_whose_heartbeat_stops_turns_unresponsive_after_the_threshold(sim: Sim) -> None:
    gaps = Gaps(heartbeat_stops_after=timedelta(days=1))
    behaviour = Behaviour(SEED, gaps=gaps, tick=timedelta(hours=6), horizon=timedelta(days=9))
    async with sim.console() as console:
        stats = await run_console(console, behaviour)
        reply = await console.read_connector()
    assert stats.heartbeats == 4  # ticks 0, 6 h, 12 h and 18 h of the first day
    assert reply.body["partnerState"] == "unresponsive"
    assert stats.outcomes() == Counter()


async def test_devices_that_never_report_are_absent_from_the_traffic(sim: Sim) -> None:
    behaviour = Behaviour(SEED, gaps=Gaps(never_report=0.3), horizon=timedelta(hours=6))
    async with sim.console() as console:
        console.sent = []
        stats = await run_console(console, behaviour)
    reported = {r["azureADDeviceId"] for body in console.sent for r in orjson.loads(body)["reports"]}
    eligible = {d.azure_ad_device_id for d in sim.fleet if d.registered}
    never = {d for d in eligible if behaviour.never_reports(device_key(d))}
    assert never and reported == eligible - never
    assert stats.outcomes() == Counter()
