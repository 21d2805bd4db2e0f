from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from simulator.service import create_app
from simulator.service.faulting import retry_after_header

OPENAPI = "/openapi.json"


async def install(client: Any, headers: dict[str, str], rule: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/_sim/faults", json=rule, headers=headers)
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def statuses(client: Any, n: int, path: str = OPENAPI) -> list[int]:
    return [(await client.get(path)).status for _ in range(n)]


async def test_error_fault_answers_graph_envelope_with_retry_after(mtd_client, control_headers):
    await install(mtd_client, control_headers,
                  {"match": {"route": OPENAPI, "method": "GET"}, "then": {"error": {"status": 429, "retryAfter": 2}}})
    response = await mtd_client.get(OPENAPI)
    body = await response.json()
    assert response.status == 429 and response.headers["Retry-After"] == "2"
    assert body["error"]["code"] == "TooManyRequests" and response.headers["request-id"]


@pytest.mark.parametrize(("status", "code"), [(500, "generalException"), (502, "badGateway"),
                                              (503, "serviceNotAvailable"), (504, "gatewayTimeout")])
async def test_each_error_status_has_its_graph_code(mtd_client, control_headers, status, code):
    await install(mtd_client, control_headers, {"match": {"route": "/openapi*"}, "then": {"error": {"status": status}}})
    response = await mtd_client.get(OPENAPI)
    assert response.status == status and (await response.json())["error"]["code"] == code
    assert ("Retry-After" in response.headers) == (status == 503)


async def test_first_n_faults_only_the_first_requests(mtd_client, control_headers):
    await install(mtd_client, control_headers, {"match": {"route": OPENAPI}, "when": {"first": 2},
                                                "then": {"error": {"status": 500}}})
    assert await statuses(mtd_client, 4) == [500, 500, 200, 200]


async def test_nth_faults_every_nth_request_and_times_caps_it(mtd_client, control_headers):
    await install(mtd_client, control_headers, {"match": {"route": OPENAPI}, "when": {"nth": 2}, "times": 2,
                                                "then": {"error": {"status": 502}}})
    assert await statuses(mtd_client, 7) == [200, 502, 200, 502, 200, 200, 200]
    listed = (await (await mtd_client.get("/_sim/faults", headers=control_headers)).json())["value"][0]
    assert listed["fired"] == 2


async def test_rate_is_reproducible_from_the_seed(aiohttp_client, settings, control_headers):
    patterns = []
    for _ in range(2):
        client = await aiohttp_client(create_app(settings))
        await install(client, control_headers, {"match": {"route": "*"}, "when": {"rate": 0.5},
                                                "then": {"error": {"status": 500}}})
        patterns.append(await statuses(client, 30))
    assert patterns[0] == patterns[1]
    assert 0 < patterns[0].count(500) < 30


async def test_window_faults_only_while_the_virtual_clock_is_inside(mtd_client, control_headers):
    await install(mtd_client, control_headers, {
        "match": {"route": OPENAPI},
        "when": {"window": {"start": "2026-11-26T00:00:00Z", "end": "2026-11-27T00:00:00Z"}},
        "then": {"error": {"status": 504}}})
    assert await statuses(mtd_client, 1) == [200]
    await mtd_client.post("/_sim/clock/advance", json={"by": "P1D"}, headers=control_headers)
    assert await statuses(mtd_client, 1) == [504]
    await mtd_client.post("/_sim/clock/advance", json={"by": "P1D"}, headers=control_headers)
    assert await statuses(mtd_client, 1) == [200]


@pytest.mark.parametrize("latency", [{"distribution": "fixed", "seconds": 0.01},
                                     {"distribution": "uniform", "low": 0.0, "high": 0.02},
                                     {"distribution": "lognormal", "median": 0.005, "sigma": 0.5}])
async def test_latency_faults_delay_then_answer_normally(mtd_client, control_headers, latency):
    await install(mtd_client, control_headers, {"match": {"route": OPENAPI}, "then": {"latency": latency}})
    assert await statuses(mtd_client, 2) == [200, 200]
    listed = (await (await mtd_client.get("/_sim/faults", headers=control_headers)).json())["value"][0]
    assert listed["fired"] == 2


@pytest.mark.parametrize("kind", ["reset", "emptyReply", "truncatedBody", "stall"])
async def test_transport_faults_break_the_exchange_and_the_service_survives(mtd_client, control_headers, kind):
    transport: dict[str, Any] = {"kind": kind, "seconds": 0.05} if kind == "stall" else {"kind": kind}
    await install(mtd_client, control_headers, {"match": {"route": OPENAPI}, "when": {"first": 1},
                                                "then": {"transport": transport}})
    with pytest.raises(aiohttp.ClientError):
        response = await mtd_client.get(OPENAPI)
        await response.read()
    assert await statuses(mtd_client, 1) == [200]
    journal = (await (await mtd_client.get("/_sim/journal", params={"route": OPENAPI},
                                           headers=control_headers)).json())["value"]
    assert len(journal) == 2


async def test_ignoring_retry_after_is_recorded_as_a_violation(mtd_client, control_headers, partner_headers):
    await install(mtd_client, control_headers, {"match": {"route": "/partner/v1/connector"}, "when": {"first": 1},
                                                "then": {"error": {"status": 503, "retryAfter": 60}}})
    assert (await mtd_client.get("/partner/v1/connector", headers=partner_headers)).status == 503
    await mtd_client.get("/partner/v1/connector", headers=partner_headers)
    violations = (await (await mtd_client.get("/_sim/violations", headers=control_headers)).json())["value"]
    assert [v["code"] for v in violations] == ["retryAfterNotHonoured"]
    assert violations[0]["route"] == "GET /partner/v1/connector" and violations[0]["clientId"]


async def test_honouring_retry_after_records_nothing(mtd_client, control_headers):
    await install(mtd_client, control_headers, {"match": {"route": OPENAPI}, "when": {"first": 1},
                                                "then": {"error": {"status": 429, "retryAfter": 0.05}}})
    assert await statuses(mtd_client, 1) == [429]
    await asyncio.sleep(0.1)
    assert await statuses(mtd_client, 1) == [200]
    assert (await (await mtd_client.get("/_sim/violations", headers=control_headers)).json())["value"] == []


async def test_partner_matcher_uses_the_token_and_delete_removes_one_rule(mtd_client, control_headers,
                                                                            partner_headers):
    rule = await install(mtd_client, control_headers, {"match": {"route": "*", "partner": "lookout"},
                                                       "then": {"error": {"status": 500}}})
    assert (await mtd_client.get("/partner/v1/connector", headers=partner_headers)).status != 500
    await install(mtd_client, control_headers, {"match": {"route": "*", "partner": "demo"},
                                                "then": {"error": {"status": 502}}})
    assert (await mtd_client.get("/partner/v1/connector", headers=partner_headers)).status == 502
    assert (await mtd_client.delete(f"/_sim/faults/{rule['id']}", headers=control_headers)).status == 204
    assert (await mtd_client.delete(f"/_sim/faults/{rule['id']}", headers=control_headers)).status == 404
    assert (await mtd_client.delete("/_sim/faults", headers=control_headers)).status == 204
    assert (await mtd_client.get("/partner/v1/connector", headers=partner_headers)).status != 502


async def test_graph_like_throttling_answers_429_past_the_per_app_write_limit(mtd_client, control_headers,
                                                                              partner_headers):
    await mtd_client.put("/_sim/throttling", json={"enabled": True}, headers=control_headers)
    seen = [(await mtd_client.post("/partner/v1/heartbeat", headers=partner_headers)).status for _ in range(101)]
    assert 429 not in seen[:100] and seen[100] == 429


async def test_invalid_fault_rule_is_rejected_with_a_pointer(mtd_client, control_headers):
    rule = {"match": {"route": "/x"}, "then": {"error": {"status": 418}}}
    response = await mtd_client.post("/_sim/faults", json=rule, headers=control_headers)
    assert response.status == 400
    assert any(d["target"].startswith("/then") for d in (await response.json())["error"]["details"])


async def test_a_fractional_retry_after_is_sent_as_whole_seconds_rounded_up(mtd_client, control_headers):
    await install(mtd_client, control_headers, {"match": {"route": OPENAPI}, "when": {"first": 2},
                                                "then": {"error": {"status": 503, "retryAfter": 2.128}}})
    response = await mtd_client.get(OPENAPI)
    assert response.status == 503 and response.headers["Retry-After"] == "3"


async def test_built_in_throttling_sends_an_integer_retry_after(mtd_client, control_headers, partner_headers):
    assert (await mtd_client.put("/_sim/throttling", json={"enabled": True}, headers=control_headers)).status == 200
    responses = [await mtd_client.post("/partner/v1/heartbeat", headers=partner_headers) for _ in range(101)]
    throttled = responses[-1]
    assert throttled.status == 429
    assert throttled.headers["Retry-After"].isdigit() and 1 <= int(throttled.headers["Retry-After"]) <= 20


def test_retry_after_header_rounds_up_and_keeps_whole_seconds():
    assert [retry_after_header(s) for s in (0, 0.001, 1, 1.0, 19.753, 60)] == ["0", "1", "1", "1", "20", "60"]
