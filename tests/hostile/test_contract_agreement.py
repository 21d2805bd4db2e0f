"""Issue 15 item 5 (this helper's part): contract, OpenAPI and server agree; aiohttp's rejections are Graph-shaped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

Client = TestClient[Any, Any]
CONNECTORS = "/beta/deviceManagement/mobileThreatDefenseConnectors"


async def test_seven_point_zero_is_an_integer_number_of_days(
    mtd_client: Client, admin_headers: dict[str, str]
) -> None:
    answer = await mtd_client.post(CONNECTORS, json={"partnerUnresponsivenessThresholdInDays": 7.0},
                                   headers=admin_headers)  # fmt: skip
    assert answer.status == 201, await answer.text()
    assert (await answer.json())["partnerUnresponsivenessThresholdInDays"] == 7


async def test_a_tenant_is_created_without_a_body(mtd_client: Client, control_headers: dict[str, str]) -> None:
    answer = await mtd_client.post("/_sim/tenants", headers=control_headers)
    assert answer.status == 201, await answer.text()


async def test_every_operation_that_takes_a_json_body_documents_its_415(mtd_client: Client) -> None:
    document = await (await mtd_client.get("/openapi.json")).json()
    undocumented = [f"{method.upper()} {path}" for path, item in document["paths"].items()
                    for method, operation in item.items()
                    if isinstance(operation, dict) and "application/json" in operation.get("requestBody", {})
                    .get("content", {}) and "415" not in operation["responses"]]  # fmt: skip
    assert undocumented == []


async def test_journal_integers_are_documented_non_negative(mtd_client: Client) -> None:
    document = await (await mtd_client.get("/openapi.json")).json()
    parameters = {p["name"]: p for p in document["paths"]["/_sim/journal"]["get"]["parameters"]}
    assert parameters["status"]["schema"]["minimum"] == 0
    assert parameters["limit"]["schema"]["minimum"] == 0
    assert "clientRequestId" in parameters


@pytest.mark.slow
@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET /_sim/stats HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
    b"POST /_sim/tenants HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
], ids=["bad request line", "oversized header", "bad chunk"])  # fmt: skip
def test_what_aiohttp_refuses_itself_answers_in_the_graph_envelope_with_a_request_id(
    serve: Callable[..., Any], raw_to: Any, request_bytes: bytes
) -> None:
    served = serve()
    status, headers, body = asyncio.run(raw_to(("127.0.0.1", served.port), request_bytes))
    err = served.stop()
    assert 400 <= status < 500
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]
    assert "Traceback" not in err
