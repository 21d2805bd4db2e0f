"""RS256 access tokens with Entra's claim sets, verified against the published JWKS, checked on the virtual clock."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jwt
from aiohttp.test_utils import TestClient

from simulator.service import create_app
from simulator.service.config import (
    DEMO_ADMIN_CLIENT_ID,
    DEMO_ADMIN_SECRET,
    DEMO_PARTNER_CLIENT_ID,
    DEMO_PARTNER_SECRET,
    DEMO_TENANT_ID,
)
from simulator.service.keys import STATE

TENANT = DEMO_TENANT_ID
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


async def token(client: TestClient[Any, Any], client_id: str = DEMO_PARTNER_CLIENT_ID,
                secret: str = DEMO_PARTNER_SECRET) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default"}
    response = await client.post(f"/{TENANT}/oauth2/v2.0/token", data=form)
    assert response.status == 200, await response.text()
    return str((await response.json())["access_token"])


async def jwks(client: TestClient[Any, Any], path: str = f"/{TENANT}/discovery/v2.0/keys") -> dict[str, Any]:
    response = await client.get(path)
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


def verify(access_token: str, keys: dict[str, Any], audience: str = "https://graph.microsoft.com") -> dict[str, Any]:
    """What a partner's own validator does: pick the JWK by kid and verify RS256."""
    kid = jwt.get_unverified_header(access_token)["kid"]
    jwk = next(k for k in keys["keys"] if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(access_token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=audience,
                                        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    return claims


async def call(client: TestClient[Any, Any], access_token: str) -> int:
    response = await client.get("/partner/v1/connector", headers={"Authorization": f"Bearer {access_token}"})
    return response.status


async def test_a_graph_token_is_an_rs256_v1_app_only_token_verifiable_with_the_published_jwks(mtd_client):
    access_token = await token(mtd_client)
    header = jwt.get_unverified_header(access_token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["x5t"] == header["kid"]
    claims = verify(access_token, await jwks(mtd_client))
    assert claims["ver"] == "1.0" and claims["iss"] == claims["idp"] == f"https://sts.windows.net/{TENANT}/"
    assert claims["appid"] == DEMO_PARTNER_CLIENT_ID and claims["appidacr"] == "1" and "azp" not in claims
    assert claims["idtyp"] == "app" and claims["oid"] == claims["sub"] and claims["tid"] == TENANT
    assert claims["app_displayname"] and claims["rh"].startswith("0.") and claims["roles"]
    assert claims["nbf"] == claims["iat"] and claims["exp"] - claims["iat"] == 3599


async def test_v2_tokens_carry_azp_and_the_v2_issuer_and_still_work(aiohttp_client, settings):
    client = await aiohttp_client(create_app(replace(settings, token_version=2)))
    access_token = await token(client)
    claims = verify(access_token, await jwks(client), audience=GRAPH_APP_ID)
    assert claims["ver"] == "2.0" and claims["iss"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert claims["azp"] == DEMO_PARTNER_CLIENT_ID and claims["azpacr"] == "1"
    assert "appid" not in claims and "app_displayname" not in claims
    assert await call(client, access_token) != 401


async def test_every_jwks_route_publishes_the_signing_key(mtd_client):
    kid = jwt.get_unverified_header(await token(mtd_client))["kid"]
    for path in (f"/{TENANT}/discovery/keys", f"/{TENANT}/discovery/v2.0/keys", "/common/discovery/keys",
                 "/common/discovery/v2.0/keys", "/organizations/discovery/v2.0/keys"):
        keys = (await jwks(mtd_client, path))["keys"]
        assert [k["kid"] for k in keys] == [kid], path
        assert keys[0]["kty"] == "RSA" and keys[0]["use"] == "sig" and keys[0]["x5c"]
        assert ("issuer" in keys[0]) == ("v2.0" in path), path
    assert (await jwks(mtd_client, "/common/discovery/v2.0/keys"))["keys"][0]["issuer"] == \
        "https://login.microsoftonline.com/{tenantid}/v2.0"


async def test_a_token_used_before_its_nbf_on_the_virtual_clock_is_401(mtd_client, control_headers):
    access_token = await token(mtd_client)
    moved = await mtd_client.put("/_sim/clock", json={"now": "2026-11-25T09:59:59Z"}, headers=control_headers)
    assert moved.status == 200
    response = await mtd_client.get("/partner/v1/connector", headers={"Authorization": f"Bearer {access_token}"})
    body = await response.json()
    assert response.status == 401 and "not yet valid" in body["error"]["message"]
    await mtd_client.put("/_sim/clock", json={"now": "2026-11-25T10:00:00Z"}, headers=control_headers)
    assert await call(mtd_client, access_token) != 401


async def test_a_rotated_key_signs_new_tokens_and_the_old_key_verifies_until_removed(mtd_client, control_headers):
    old_token = await token(mtd_client)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    rotated = await mtd_client.post("/_sim/keys/rotate", headers=control_headers)
    assert rotated.status == 201
    listed = (await rotated.json())["value"]
    new_kid = next(k["kid"] for k in listed if k["active"])
    assert new_kid != old_kid and {k["kid"] for k in listed} == {old_kid, new_kid}
    new_token = await token(mtd_client)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert {k["kid"] for k in (await jwks(mtd_client))["keys"]} == {old_kid, new_kid}
    assert await call(mtd_client, old_token) != 401 and await call(mtd_client, new_token) != 401
    assert (await mtd_client.delete(f"/_sim/keys/{new_kid}", headers=control_headers)).status == 409
    assert (await mtd_client.delete(f"/_sim/keys/{old_kid}", headers=control_headers)).status == 204
    assert await call(mtd_client, old_token) == 401
    assert await call(mtd_client, new_token) != 401
    assert [k["kid"] for k in (await jwks(mtd_client))["keys"]] == [new_kid]


async def test_the_rotation_path_is_not_a_key_id_so_its_405_allows_post_only(mtd_client, control_headers):
    response = await mtd_client.delete("/_sim/keys/rotate", headers=control_headers)
    assert response.status == 405 and response.headers["Allow"] == "POST"


async def test_a_token_signed_by_an_unpublished_key_is_401(mtd_client):
    from cryptography.hazmat.primitives.asymmetric import rsa

    real = jwt.decode(await token(mtd_client), options={"verify_signature": False})
    header = jwt.get_unverified_header(await token(mtd_client))
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(real, own_key, algorithm="RS256", headers={"kid": header["kid"]})
    assert await call(mtd_client, forged) == 401
    unknown_kid = jwt.encode(real, own_key, algorithm="RS256", headers={"kid": "not-published"})
    assert await call(mtd_client, unknown_kid) == 401


async def test_a_token_with_another_tenants_issuer_is_401(mtd_client):
    access_token = await token(mtd_client)
    claims = jwt.decode(access_token, options={"verify_signature": False})
    assert claims["iss"].endswith(f"/{TENANT}/")
    key = mtd_client.app[STATE].keys.active
    wrong = jwt.encode({**claims, "iss": "https://sts.windows.net/11111111-1111-4111-8111-111111111111/"},
                       key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert await call(mtd_client, wrong) == 401


async def test_a_re_registered_app_invalidates_its_old_tokens(mtd_client, control_headers):
    app = {"kind": "partner", "clientId": "22222222-2222-4222-8222-222222222222", "clientSecret": "secret-one"}
    created = await mtd_client.post(f"/_sim/tenants/{TENANT}/apps", json=app, headers=control_headers)
    assert created.status == 201
    first = await token(mtd_client, app["clientId"], "secret-one")
    assert await call(mtd_client, first) != 401
    assert (await mtd_client.post("/_sim/reset", headers=control_headers)).status == 204  # the app is gone
    again = await mtd_client.post(f"/_sim/tenants/{TENANT}/apps", json={**app, "clientSecret": "secret-two"},
                                  headers=control_headers)
    assert again.status == 201
    assert await call(mtd_client, first) == 401
    assert await call(mtd_client, await token(mtd_client, app["clientId"], "secret-two")) != 401


async def test_admin_tokens_carry_admin_roles_and_reach_graph(mtd_client):
    access_token = await token(mtd_client, DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET)
    claims = verify(access_token, await jwks(mtd_client))
    assert "DeviceManagementServiceConfig.ReadWrite.All" in claims["roles"]
    response = await mtd_client.get("/v1.0/deviceManagement/mobileThreatDefenseConnectors",
                                    headers={"Authorization": f"Bearer {access_token}"})
    assert response.status == 200


def test_secrets_are_compared_in_constant_time():
    import inspect

    from simulator.entra import credentials
    from simulator.service import auth

    assert "compare_digest" in inspect.getsource(credentials.secret_matches)
    assert "secret_matches(" in inspect.getsource(auth._grant)
    assert credentials.secret_matches("abc", "abc") and not credentials.secret_matches("abc", "abd")
