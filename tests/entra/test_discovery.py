"""OIDC discovery documents, instance discovery and their errors, as Entra serves them."""

from __future__ import annotations

from simulator.service.config import DEMO_TENANT_ID as TENANT


async def test_the_v2_discovery_document_points_at_the_mock_with_entras_v2_issuer(mtd_client):
    response = await mtd_client.get(f"/{TENANT}/v2.0/.well-known/openid-configuration")
    doc = await response.json()
    base = str(mtd_client.make_url("")).rstrip("/")
    assert response.status == 200
    assert doc["token_endpoint"] == f"{base}/{TENANT}/oauth2/v2.0/token"
    assert doc["jwks_uri"] == f"{base}/{TENANT}/discovery/v2.0/keys"
    assert doc["authorization_endpoint"] == f"{base}/{TENANT}/oauth2/v2.0/authorize"
    assert doc["issuer"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_the_v1_discovery_document_has_the_sts_issuer_and_v1_keys(mtd_client):
    doc = await (await mtd_client.get(f"/{TENANT}/.well-known/openid-configuration")).json()
    assert doc["issuer"] == f"https://sts.windows.net/{TENANT}/"
    assert doc["jwks_uri"].endswith(f"/{TENANT}/discovery/keys")
    assert doc["token_endpoint"].endswith(f"/{TENANT}/oauth2/token")


async def test_common_keeps_entras_tenantid_placeholder_in_the_issuer(mtd_client):
    doc = await (await mtd_client.get("/common/v2.0/.well-known/openid-configuration")).json()
    assert doc["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"


async def test_discovery_for_an_unknown_tenant_is_aadsts90002(mtd_client):
    for path in ("/11111111-1111-4111-8111-111111111111/v2.0/.well-known/openid-configuration",
                 "/11111111-1111-4111-8111-111111111111/discovery/v2.0/keys"):
        response = await mtd_client.get(path)
        body = await response.json()
        assert (response.status, body["error"], body["error_codes"]) == (400, "invalid_tenant", [90002]), path


async def test_instance_discovery_names_the_tenants_discovery_document(mtd_client):
    base = str(mtd_client.make_url("")).rstrip("/")
    host = base.split("://")[1]
    endpoint = f"https://{host}/{TENANT}/oauth2/v2.0/authorize"
    response = await mtd_client.get("/common/discovery/instance",
                                    params={"authorization_endpoint": endpoint, "api-version": "1.1"})
    body = await response.json()
    assert response.status == 200
    assert body["tenant_discovery_endpoint"] == f"{base}/{TENANT}/v2.0/.well-known/openid-configuration"
    assert body["metadata"][0]["aliases"] == [host]


async def test_instance_discovery_refuses_another_host_and_a_missing_endpoint(mtd_client):
    other = await mtd_client.get("/common/discovery/instance",
                                 params={"authorization_endpoint": f"https://example.com/{TENANT}/oauth2/authorize"})
    assert other.status == 400 and (await other.json())["error"] == "invalid_instance"
    missing = await mtd_client.get("/common/discovery/instance")
    assert missing.status == 400 and (await missing.json())["error_codes"] == [900144]
