from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import jwt
from aiohttp.test_utils import TestClient

from simulator.service import create_app
from simulator.service.config import DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET, DEMO_TENANT_ID

TOKEN_URL = f"/{DEMO_TENANT_ID}/oauth2/v2.0/token"
SCOPE = "https://graph.microsoft.com/.default"


def form(**overrides: str | None) -> dict[str, str]:
    base: dict[str, str | None] = {
        "grant_type": "client_credentials",
        "client_id": DEMO_PARTNER_CLIENT_ID,
        "client_secret": DEMO_PARTNER_SECRET,
        "scope": SCOPE,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


async def token_error(client: TestClient[Any, Any], data: dict[str, str], url: str = TOKEN_URL,
                      **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = await client.post(url, data=data, **kwargs)
    return response.status, await response.json()


async def test_client_credentials_grant_issues_a_bearer_token_with_documented_claims(mtd_client):
    response = await mtd_client.post(TOKEN_URL, data=form())
    body = await response.json()
    assert response.status == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["ext_expires_in"] == 3599
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tid"] == DEMO_TENANT_ID and claims["appid"] == DEMO_PARTNER_CLIENT_ID
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{DEMO_TENANT_ID}/"
    assert claims["ver"] == "1.0" and claims["idtyp"] == "app" and claims["appidacr"] == "1"
    assert claims["exp"] - claims["iat"] == 3599


async def test_client_secret_may_come_as_basic_auth(mtd_client):
    basic = base64.b64encode(f"{DEMO_PARTNER_CLIENT_ID}:{DEMO_PARTNER_SECRET}".encode()).decode()
    response = await mtd_client.post(TOKEN_URL, data=form(client_id=None, client_secret=None),
                                     headers={"Authorization": f"Basic {basic}"})
    assert response.status == 200


async def test_missing_parameter_is_invalid_request_900144(mtd_client):
    for name in ("grant_type", "client_id", "client_secret", "scope"):
        status, body = await token_error(mtd_client, form(**{name: None}))
        assert (status, body["error"], body["error_codes"]) == (400, "invalid_request", [900144]), name
        assert f"'{name}'" in body["error_description"]


async def test_unknown_tenant_is_invalid_request_90002(mtd_client):
    status, body = await token_error(mtd_client, form(), url="/11111111-1111-4111-8111-111111111111/oauth2/v2.0/token")
    assert (status, body["error"], body["error_codes"]) == (400, "invalid_request", [90002])


async def test_other_grant_type_is_unsupported_grant_type_70003(mtd_client):
    status, body = await token_error(mtd_client, form(grant_type="password"))
    assert (status, body["error"], body["error_codes"]) == (400, "unsupported_grant_type", [70003])


async def test_scope_without_default_suffix_is_invalid_scope_70011(mtd_client):
    for scope in ("https://graph.microsoft.com/User.Read", "https://management.azure.com/.default"):
        status, body = await token_error(mtd_client, form(scope=scope))
        assert (status, body["error"], body["error_codes"]) == (400, "invalid_scope", [70011]), scope


async def test_unknown_client_id_is_unauthorized_client_700016(mtd_client):
    status, body = await token_error(mtd_client, form(client_id="99999999-9999-4999-8999-999999999999"))
    assert (status, body["error"], body["error_codes"]) == (400, "unauthorized_client", [700016])


async def test_wrong_secret_is_invalid_client_7000215_with_status_401(mtd_client):
    status, body = await token_error(mtd_client, form(client_secret="nope"))
    assert (status, body["error"], body["error_codes"]) == (401, "invalid_client", [7000215])
    assert body["error_description"].startswith("AADSTS7000215: ")
    assert f"Trace ID: {body['trace_id']}" in body["error_description"]
    assert body["timestamp"] == "2026-11-25 10:00:00Z"


async def test_json_body_instead_of_form_is_a_missing_parameter(mtd_client):
    response = await mtd_client.post(TOKEN_URL, json=form())
    status, body = response.status, await response.json()
    assert (status, body["error_codes"]) == (400, [900144])


async def test_token_expires_on_the_virtual_clock(mtd_client, partner_headers, control_headers):
    assert (await mtd_client.get("/partner/v1/connector", headers=partner_headers)).status != 401
    advanced = await mtd_client.post("/_sim/clock/advance", json={"by": "PT3599S"}, headers=control_headers)
    assert advanced.status == 200
    response = await mtd_client.get("/partner/v1/connector", headers=partner_headers)
    body = await response.json()
    assert response.status == 401
    assert body["error"]["code"] == "InvalidAuthenticationToken" and "expired" in body["error"]["message"]


async def test_missing_malformed_and_forged_bearer_tokens_answer_401(mtd_client, partner_headers):
    forged = partner_headers["Authorization"][:-4] + "AAAA"
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer not.a.jwt"},
                    {"Authorization": "Basic abc"}, {"Authorization": forged}):
        response = await mtd_client.get("/partner/v1/connector", headers=headers)
        body = await response.json()
        assert response.status == 401, headers
        assert body["error"]["code"] == "InvalidAuthenticationToken"


async def test_admin_token_on_partner_route_is_403_access_denied(mtd_client, admin_headers, partner_headers):
    response = await mtd_client.get("/partner/v1/connector", headers=admin_headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "accessDenied"
    response = await mtd_client.get("/beta/deviceManagement/mobileThreatDefenseConnectors", headers=partner_headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "accessDenied"


async def test_a_multipart_body_without_a_boundary_is_invalid_request_not_a_500(mtd_client):
    response = await mtd_client.post(TOKEN_URL, data=b"grant_type=client_credentials",
                                     headers={"Content-Type": "multipart/form-data"})
    body = await response.json()
    assert (response.status, body["error"], body["error_codes"]) == (400, "invalid_request", [900144])


async def test_an_oversize_token_request_is_413_and_issues_no_token(aiohttp_client, settings, control_headers):
    client = await aiohttp_client(create_app(replace(settings, max_body_size=1024)))
    response = await client.post(TOKEN_URL, data={**form(), "padding": "x" * 4096})
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "requestEntityTooLarge"
    stats = await (await client.get("/_sim/stats", headers=control_headers)).json()
    assert stats["tokensIssued"] == 0


async def test_a_changed_payload_under_a_cached_tokens_signature_answers_401(mtd_client, partner_headers):
    assert (await mtd_client.get("/partner/v1/connector", headers=partner_headers)).status != 401  # now cached
    header, payload, signature = partner_headers["Authorization"].removeprefix("Bearer ").split(".")
    claims = jwt.decode(f"{header}.{payload}.{signature}", options={"verify_signature": False})
    claims["exp"] += 86_400
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = await mtd_client.get("/partner/v1/connector",
                                    headers={"Authorization": f"Bearer {header}.{changed}.{signature}"})
    assert response.status == 401
    assert "signature" in (await response.json())["error"]["message"]


async def test_the_v1_token_endpoint_the_v1_discovery_names_issues_a_token_in_entras_v1_shape(
        mtd_client, partner_headers):  # fmt: skip
    discovery = await (await mtd_client.get(f"/{DEMO_TENANT_ID}/.well-known/openid-configuration")).json()
    path = discovery["token_endpoint"].split("://", 1)[1].split("/", 1)[1]
    data = form(scope=None, resource="https://graph.microsoft.com")
    response = await mtd_client.post(f"/{path}", data=data)
    body = await response.json()
    assert response.status == 200, body
    assert body["token_type"] == "Bearer" and body["expires_in"] == "3599" and body["resource"] == data["resource"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (body["not_before"], body["expires_on"]) == (str(claims["nbf"]), str(claims["exp"]))
    calls = await mtd_client.get("/partner/v1/connector", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert calls.status != 401, await calls.text()  # the bearer check accepts it (the demo connector is not added)


async def test_the_v1_endpoint_wants_a_graph_resource_not_a_scope(mtd_client):
    url = f"/{DEMO_TENANT_ID}/oauth2/token"
    status, body = await token_error(mtd_client, form(), url=url)  # scope, no resource
    assert (status, body["error_codes"]) == (400, [900144]) and "'resource'" in body["error_description"]
    status, body = await token_error(mtd_client, form(scope=None, resource="https://management.azure.com"), url=url)
    assert (status, body["error"], body["error_codes"]) == (400, "invalid_resource", [500011])
    for graph in ("https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"):
        response = await mtd_client.post(url, data=form(scope=None, resource=graph))
        assert response.status == 200, graph
