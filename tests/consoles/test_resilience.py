from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from simulator.consoles import Profile, run_console
from simulator.fleet import Behaviour, ThreatRates
from tests.consoles.conftest import SEED, Recorded, Sim

REPORTS_ROUTE = "/partner/v1/deviceThreatReports"


def _behaviour(hours: int = 24) -> Behaviour:
    return Behaviour(SEED, ThreatRates(events_per_day=2), horizon=timedelta(hours=hours))


async def _fault(sim: Sim, then: dict[str, Any], first: int) -> None:
    rule = {"match": {"route": REPORTS_ROUTE, "method": "POST"}, "when": {"first": first}, "then": then}
    await sim.control("POST", "/_sim/faults", rule, expect=201)


async def _mock_traffic(sim: Sim) -> dict[str, Any]:
    traffic: dict[str, Any] = (await sim.control("GET", "/_sim/stats"))["traffic"]
    return traffic


async def _violations(sim: Sim) -> Counter[str]:
    return Counter(v["code"] for v in (await sim.control("GET", "/_sim/violations"))["value"])


async def test_token_expiring_mid_run_is_refreshed_without_losing_a_report(make_sim: Any) -> None:
    sim: Sim = await make_sim(token_lifetime=3 * 3600)
    async with sim.console() as console:
        stats = await run_console(console, _behaviour())
    assert stats.token_fetches >= 8  # 24 virtual hours on a 3-hour token
    assert stats.errors == Counter()
    assert stats.accepted == stats.reports_sent == (await _mock_traffic(sim))["reportsAccepted"]


async def test_a_401_makes_the_console_fetch_a_new_token_and_resend(sim: Sim) -> None:
    async with sim.console() as console:
        await console.heartbeat()
        console.tokens._token = "not-a-jwt"  # as if the mock restarted with a new signing key
        reply = await console.read_connector()
    assert reply.status == 200
    assert console.stats.token_fetches == 2
    assert console.stats.errors == Counter()


async def test_retry_after_on_429_is_honoured_and_each_report_counted_once(sim: Sim) -> None:
    await _fault(sim, {"error": {"status": 429, "retryAfter": 0.2}}, first=2)
    async with sim.console() as console:
        stats = await run_console(console, _behaviour(hours=2))
    assert stats.retries == 2
    assert await _violations(sim) == Counter()
    assert stats.errors == Counter()
    assert stats.accepted == stats.reports_sent == (await _mock_traffic(sim))["reportsAccepted"]


async def test_ignoring_retry_after_is_recorded_as_exactly_one_violation_per_early_request(sim: Sim) -> None:
    await _fault(sim, {"error": {"status": 429, "retryAfter": 30}}, first=1)
    async with sim.console(Profile.ignores_retry_after) as console:
        stats = await run_console(console, _behaviour(hours=1))
    assert stats.retries == 1 and stats.batches == 1  # one batch, resent at once
    assert await _violations(sim) == Counter({"retryAfterNotHonoured": 1}) == stats.expected_violations
    assert stats.accepted == stats.reports_sent


async def test_5xx_and_transport_faults_are_retried_and_reports_counted_by_final_outcome(sim: Sim) -> None:
    await _fault(sim, {"error": {"status": 503, "retryAfter": 0}}, first=1)
    await _fault(sim, {"error": {"status": 500}}, first=1)
    await _fault(sim, {"transport": {"kind": "truncatedBody"}}, first=1)
    async with sim.console() as console:
        stats = await run_console(console, _behaviour(hours=3))
    assert stats.retries == 3
    assert stats.errors == Counter()
    assert stats.accepted == stats.reports_sent == (await _mock_traffic(sim))["reportsAccepted"]


async def test_retries_stop_after_the_policy_allows_and_the_batch_is_counted_as_failed(sim: Sim) -> None:
    await _fault(sim, {"error": {"status": 500}}, first=100)
    async with sim.console() as console:
        await console.heartbeat()
        roster = {d.azure_ad_device_id: d for d in await console.devices()}
        report = {"azureADDeviceId": next(iter(roster)), "platform": "ios", "osVersion": "17.4",
                  "threatState": "secured", "reportedDateTime": "2026-11-25T10:00:00Z"}  # fmt: skip
        await console.send_reports([report], roster)
    assert console.stats.retries == console.retry.attempts - 1
    assert console.stats.errors == Counter({"500 generalException": 1})
    assert console.stats.reports_in_failed_batches == 1 and console.stats.accepted == 0


async def test_same_seed_sends_the_same_bytes_against_fresh_mocks(make_sim: Any) -> None:
    runs: list[Recorded] = []
    for _ in range(2):
        received: Recorded = []
        sim: Sim = await make_sim(record=received)
        async with sim.console() as console:
            await run_console(console, _behaviour(hours=30))
        runs.append(received)
    # What the mock received, request by request: method, path and query, body bytes (token requests included).
    assert runs[0] == runs[1]
    reports = [body for method, path, body in runs[0] if path == REPORTS_ROUTE]
    assert len(reports) == 30 and len(set(reports)) == 30
    assert any(path.endswith("/apps") and path.startswith("/partner/") for _, path, _ in runs[0])


async def test_another_seed_sends_other_reports(make_sim: Any) -> None:
    runs: list[list[bytes]] = []
    for seed in (SEED, SEED + 1):
        received: Recorded = []
        sim: Sim = await make_sim(record=received)
        async with sim.console() as console:
            await run_console(console, Behaviour(seed, ThreatRates(events_per_day=2), horizon=timedelta(hours=6)))
        runs.append([body for _, path, body in received if path == REPORTS_ROUTE])
    assert runs[0] != runs[1]


async def test_the_device_list_follows_next_links_until_every_device_is_read(sim: Sim) -> None:
    async with sim.console() as console:
        roster = await console.devices(top=7)
    assert len(roster) == len(sim.fleet) == 60
    assert {d.azure_ad_device_id for d in roster} == {d.azure_ad_device_id for d in sim.fleet}
