from __future__ import annotations

from collections import Counter
from datetime import timedelta

import orjson
import pytest

from simulator.consoles import Profile, run_console
from simulator.fleet import Behaviour, Gaps, ThreatRates, device_key
from tests.consoles.conftest import SEED, Sim

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


async def test_well_behaved_console_reports_only_registered_devices(sim: Sim) -> None:
    unregistered = {d.azure_ad_device_id for d in sim.fleet if not d.registered}
    assert unregistered
    async with sim.console() as console:
        console.sent = []
        await run_console(console, ONE_DAY)
    assert console.sent
    assert not any(device_id.encode() in body for body in console.sent for device_id in unregistered)


@pytest.mark.parametrize(
    "profile",
    [
        Profile.stale_reports,
        Profile.unregistered_devices,
        Profile.wrong_platform,
        Profile.oversized_batches,
        Profile.malformed_payloads,
        Profile.silent,
    ],
)
async def test_each_misbehaving_profile_gets_exactly_the_rejections_it_planted(sim: Sim, profile: Profile) -> None:
    async with sim.console(profile) as console:
        stats = await run_console(console, FEW_HOURS)
    assert stats.expected, "the profile planted nothing"
    assert stats.outcomes() == stats.expected


async def test_malformed_payloads_are_recorded_as_contract_violations(sim: Sim) -> None:
    async with sim.console(Profile.malformed_payloads) as console:
        stats = await run_console(console, ONE_DAY)
    violations = await _violations(sim)
    assert sum(violations.values()) >= stats.expected["400 invalidRequest"] > 0


async def test_expired_token_profile_keeps_using_its_token_and_gets_401s(make_sim: object) -> None:
    sim: Sim = await make_sim(token_lifetime=5400)  # type: ignore[operator]
    async with sim.console(Profile.expired_token) as console:
        stats = await run_console(console, ONE_DAY)
    assert stats.token_fetches == 1
    assert stats.expected["401 InvalidAuthenticationToken"] > 0
    assert stats.outcomes() == stats.expected


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
