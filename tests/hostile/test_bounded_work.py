"""Issue 15 items 1 and 2: no body makes one request do unbounded work, answer megabytes, or store what it sent.

Each body here once blocked the event loop for seconds (a million bad members, 100,000 unknown keys) or was stored
whole in the violations (a million-character key).
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from aiohttp.test_utils import TestClient

from simulator.contracts import MAX_PROBLEMS
from simulator.service.state import STORED_TEXT_LIMIT

Client = TestClient[Any, Any]
JSON = {"Content-Type": "application/json"}
REPORTS = "/partner/v1/deviceThreatReports"


async def test_a_million_bad_report_members_are_refused_by_the_size_of_the_batch_alone(
    mtd_client: Client, partner_headers: dict[str, str]
) -> None:
    body = b'{"reports": [' + b",".join([b"0"] * 1_000_001) + b"]}"
    answer = await mtd_client.post(REPORTS, data=io.BytesIO(body), headers={**partner_headers, **JSON})
    text = await answer.read()
    assert answer.status == 400
    details = orjson.loads(text)["error"]["details"]
    assert [d["target"] for d in details] == ["/reports"]
    assert "1000001 items" in details[0]["message"]


async def test_a_thousand_bad_reports_list_the_first_problems_and_count_the_rest(
    mtd_client: Client, partner_headers: dict[str, str]
) -> None:
    answer = await mtd_client.post(REPORTS, json={"reports": [0] * 1000}, headers=partner_headers)
    details = (await answer.json())["error"]["details"]
    assert answer.status == 400
    assert len(details) == MAX_PROBLEMS + 1
    assert details[-1]["code"] == "tooManyProblems"
    assert "more problems not listed" in details[-1]["message"]


async def test_a_heartbeat_with_a_hundred_thousand_unknown_keys_gets_a_bounded_answer(
    mtd_client: Client, partner_headers: dict[str, str], control_headers: dict[str, str]
) -> None:
    body = orjson.dumps({f"key{i}": i for i in range(100_000)})
    answer = await mtd_client.post("/partner/v1/heartbeat", data=io.BytesIO(body), headers={**partner_headers, **JSON})
    text = await answer.read()
    assert answer.status == 400
    assert len(text) < 20_000
    violations = await (await mtd_client.get("/_sim/violations", headers=control_headers)).json()
    assert violations["total"] == MAX_PROBLEMS + 1


async def test_a_million_character_unknown_key_is_neither_echoed_nor_stored_whole(
    mtd_client: Client, partner_headers: dict[str, str], control_headers: dict[str, str]
) -> None:
    key = "k" * 1_000_000
    answer = await mtd_client.post("/partner/v1/heartbeat", json={key: 1}, headers=partner_headers)
    assert answer.status == 400
    assert len(await answer.read()) < 5_000
    violations = await (await mtd_client.get("/_sim/violations", headers=control_headers)).json()
    (stored,) = violations["value"]
    assert stored["pointer"].startswith("/kkkk")
    assert all(len(text) <= STORED_TEXT_LIMIT for text in stored.values())
