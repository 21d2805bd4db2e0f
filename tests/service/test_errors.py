from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

from simulator.service import create_app

ADVANCE = "/_sim/clock/advance"


async def test_every_response_has_a_request_id_and_echoes_client_request_id(mtd_client):
    sent = str(uuid.uuid4())
    for path in ("/openapi.json", "/no/such/route"):
        response = await mtd_client.get(path, headers={"client-request-id": sent})
        assert uuid.UUID(response.headers["request-id"])
        assert response.headers["client-request-id"] == sent
    response = await mtd_client.get("/no/such/route")
    inner = (await response.json())["error"]["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["date"] == "2026-11-25T10:00:00Z"


async def test_unknown_route_is_404_in_the_graph_envelope(mtd_client):
    response = await mtd_client.get("/v1.0/deviceManagement/nothingHere")
    body = await response.json()
    assert response.status == 404
    assert body["error"]["code"] == "itemNotFound" and "No route" in body["error"]["message"]


async def test_wrong_method_is_405_with_allow_header(mtd_client, control_headers):
    response = await mtd_client.delete("/_sim/clock", headers=control_headers)
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert (await response.json())["error"]["code"] == "methodNotAllowed"


async def test_malformed_json_is_400_invalid_request_with_empty_target(mtd_client, control_headers):
    response = await mtd_client.post(ADVANCE, data=b'{"by": ', headers={**control_headers,
                                                                         "Content-Type": "application/json"})
    error = (await response.json())["error"]
    assert response.status == 400
    assert (error["code"], error["target"]) == ("invalidRequest", "")


async def test_wrong_content_type_is_415(mtd_client, control_headers):
    response = await mtd_client.post(ADVANCE, data=b'{"by": "P1D"}', headers={**control_headers,
                                                                               "Content-Type": "text/plain"})
    assert response.status == 415
    assert (await response.json())["error"]["code"] == "unsupportedMediaType"


async def test_oversize_body_is_413_both_with_and_without_content_length(aiohttp_client, settings, control_headers):
    client = await aiohttp_client(create_app(replace(settings, max_body_size=1024)))
    big = b'{"by": "' + b"x" * 4096 + b'"}'
    headers = {**control_headers, "Content-Type": "application/json"}
    response = await client.post(ADVANCE, data=big, headers=headers)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "requestEntityTooLarge"

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length, aiohttp's own limit answers
        yield big

    response = await client.post(ADVANCE, data=chunks(), headers=headers)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "requestEntityTooLarge"


async def test_contract_violation_lists_each_problem_with_a_pointer_and_is_recorded(mtd_client, control_headers):
    response = await mtd_client.post(ADVANCE, json={"by": 5, "extra": True}, headers=control_headers)
    error = (await response.json())["error"]
    assert response.status == 400 and error["code"] == "invalidRequest"
    assert {d["target"] for d in error["details"]} >= {"/by"}
    violations = await (await mtd_client.get("/_sim/violations", headers=control_headers)).json()
    assert {v["code"] for v in violations["value"]} == {"contractViolation"}
    assert "/by" in {v.get("pointer") for v in violations["value"]}
    assert violations["value"][0]["route"] == "POST /_sim/clock/advance"


async def test_garbage_bodies_on_every_write_route_never_answer_5xx(mtd_client, control_headers, partner_headers):
    routes = [(r.method, r.resource.canonical) for r in mtd_client.app.router.routes()
              if r.method in ("POST", "PUT", "PATCH") and r.resource is not None]
    bodies = [b"", b"null", b"[]", b'"x"', b"{", b'{"a": 1}', b"\xff\xfe", b'{"reports": [{}]}']
    headers = {**control_headers, **partner_headers, "Content-Type": "application/json"}
    for method, template in routes:
        path = template.replace("{tenantId}", "00000000-0000-4000-8000-000000000001")
        path = path.replace("{", "").replace("}", "")
        for body in bodies:
            response = await mtd_client.request(method, path, data=body, headers=headers)
            assert response.status < 500, (method, path, body, await response.text())


async def test_a_wrong_method_on_a_partner_route_is_405_and_journaled_under_its_path(mtd_client, control_headers):
    response = await mtd_client.get("/partner/v1/deviceThreatReports")
    assert response.status == 405 and response.headers["Allow"] == "POST"
    assert response.headers["request-id"]
    await mtd_client.get("/nowhere/at/all")
    journal = await (await mtd_client.get("/_sim/journal", params={"limit": "3"}, headers=control_headers)).json()
    assert [(e["status"], e["route"]) for e in journal["value"][:2]] == [
        (404, "/nowhere/at/all"), (405, "/partner/v1/deviceThreatReports")]


async def test_head_on_a_get_route_is_answered_and_options_anywhere_is_405_or_404(mtd_client):
    head = await mtd_client.head("/openapi.json")
    assert head.status == 200 and head.headers["request-id"]
    options = await mtd_client.options("/openapi.json")
    assert options.status == 405 and set(options.headers["Allow"].split(",")) >= {"GET", "HEAD"}
    assert (await mtd_client.options("/no/such/thing")).status == 404
