"""Issue 15 item 7: only the client that received a Retry-After is held to it."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from simulator.service.config import DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET

Client = TestClient[Any, Any]
CONNECTOR = "/partner/v1/connector"
RULE = {"match": {"route": CONNECTOR}, "when": {"first": 1}, "then": {"error": {"status": 503, "retryAfter": 60}}}


async def violation_codes(client: Client, control: dict[str, str]) -> list[str]:
    violations = (await (await client.get("/_sim/violations", headers=control)).json())["value"]
    return [v["code"] for v in violations]


async def test_a_worker_with_its_own_token_is_not_accused_for_another_workers_retry_after(
    mtd_client: Client, control_headers: dict[str, str], token_for: Any
) -> None:
    tokens = [await token_for(mtd_client, DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET) for _ in range(2)]
    first, second = [{"Authorization": f"Bearer {token}"} for token in tokens]
    assert (await mtd_client.post("/_sim/faults", json=RULE, headers=control_headers)).status == 201
    assert (await mtd_client.get(CONNECTOR, headers=first)).status == 503
    async with aiohttp.ClientSession() as other_worker:  # its own token and its own connections
        answer = await other_worker.get(mtd_client.make_url(CONNECTOR), headers=second)
        assert answer.status != 503  # answered (403: no connector yet), not throttled
        answer.release()
    assert await violation_codes(mtd_client, control_headers) == []
    await mtd_client.get(CONNECTOR, headers=first)  # the worker that received it
    assert await violation_codes(mtd_client, control_headers) == ["retryAfterNotHonoured"]
