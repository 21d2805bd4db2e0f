"""Microsoft's own clients against a real ``mtdsim serve --tls``, configured with only the authority (or base URL)
and the CA file: MSAL, azure-identity (sync and async, secret and certificate) and both Graph SDKs.

MSAL and azure-identity are told not to ask login.microsoftonline.com to validate the authority
(``instance_discovery=False`` / ``disable_instance_discovery=True``): without it they would call the real Entra.
One MSAL test points instance discovery at the mock's own ``/common/discovery/instance`` instead.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msal
import pytest
from azure.identity import CertificateCredential, ClientSecretCredential
from azure.identity.aio import CertificateCredential as AsyncCertificateCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulator.service.config import (
    DEMO_ADMIN_CLIENT_ID,
    DEMO_ADMIN_SECRET,
    DEMO_PARTNER_CLIENT_ID,
    DEMO_PARTNER_SECRET,
    DEMO_TENANT_ID,
)

from .conftest import TlsServer

pytestmark = pytest.mark.slow
SCOPE = "https://graph.microsoft.com/.default"


@pytest.fixture(autouse=True)
def only_the_configured_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session's own ``verify`` (psf/requests#3829):
    drop them, so each client trusts exactly the CA file it was given."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def app_certificate(server: TlsServer, client_id: str) -> tuple[str, str]:
    """A new key and self-signed certificate, registered on the app; (private key PEM, certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"partner app {client_id}")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))  # fmt: skip
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    body = json.dumps({"certificate": cert_pem}).encode()
    assert server.control("POST", f"/_sim/tenants/{DEMO_TENANT_ID}/apps/{client_id}/certificates", body) == 201
    return key_pem, cert_pem


def assert_graph_token(access_token: str, client_id: str, acr: str) -> None:
    claims = jwt.decode(access_token, options={"verify_signature": False})
    assert (claims["ver"], claims["appid"], claims["appidacr"], claims["tid"]) == ("1.0", client_id, acr,
                                                                                   DEMO_TENANT_ID)


def msal_app(server: TlsServer, credential: Any, **kwargs: Any) -> msal.ConfidentialClientApplication:
    kwargs.setdefault("instance_discovery", False)
    return msal.ConfidentialClientApplication(DEMO_PARTNER_CLIENT_ID, client_credential=credential,
                                              authority=f"{server.url}/{DEMO_TENANT_ID}",
                                              verify=str(server.ca_file), **kwargs)  # fmt: skip


def test_msal_confidential_client_gets_a_token_with_a_secret(tls_server):
    result = msal_app(tls_server, DEMO_PARTNER_SECRET).acquire_token_for_client(scopes=[SCOPE])
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    assert_graph_token(result["access_token"], DEMO_PARTNER_CLIENT_ID, "1")


def test_msal_finds_the_tenant_through_the_mocks_instance_discovery(tls_server):
    app = msal_app(tls_server, DEMO_PARTNER_SECRET, instance_discovery=f"{tls_server.url}/common/discovery/instance")
    result = app.acquire_token_for_client(scopes=[SCOPE])
    assert "access_token" in result, result


def test_msal_reports_a_wrong_secret_as_entra_does(tls_server):
    result = msal_app(tls_server, "not-the-secret").acquire_token_for_client(scopes=[SCOPE])
    assert result["error"] == "invalid_client" and 7000215 in result["error_codes"]


@pytest.mark.parametrize("style", ["sha1-thumbprint-rs256", "public-certificate-ps256"])
def test_msal_confidential_client_gets_a_token_with_a_certificate(tls_server, style):
    key_pem, cert_pem = app_certificate(tls_server, DEMO_PARTNER_CLIENT_ID)
    if style == "sha1-thumbprint-rs256":
        thumbprint = x509.load_pem_x509_certificate(cert_pem.encode()).fingerprint(hashes.SHA1()).hex()
        credential = {"private_key": key_pem, "thumbprint": thumbprint}
    else:
        credential = {"private_key": key_pem, "public_certificate": cert_pem}
    result = msal_app(tls_server, credential).acquire_token_for_client(scopes=[SCOPE])
    assert "access_token" in result, result
    assert_graph_token(result["access_token"], DEMO_PARTNER_CLIENT_ID, "2")


def test_msal_with_an_unregistered_certificate_is_refused(tls_server, tmp_path):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode()  # fmt: skip
    result = msal_app(tls_server, {"private_key": key_pem, "thumbprint": "AB" * 20}).acquire_token_for_client(
        scopes=[SCOPE])
    assert result["error"] == "invalid_client" and 700027 in result["error_codes"]


def identity_options(server: TlsServer) -> dict[str, Any]:
    return {"authority": server.url, "disable_instance_discovery": True, "connection_verify": str(server.ca_file)}


def test_azure_identity_client_secret_credential(tls_server):
    credential = ClientSecretCredential(DEMO_TENANT_ID, DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET,
                                        **identity_options(tls_server))  # fmt: skip
    with credential:
        assert_graph_token(credential.get_token(SCOPE).token, DEMO_PARTNER_CLIENT_ID, "1")


def test_azure_identity_certificate_credential(tls_server, tmp_path):
    key_pem, cert_pem = app_certificate(tls_server, DEMO_PARTNER_CLIENT_ID)
    pem = tmp_path / "app.pem"
    pem.write_text(key_pem + cert_pem)
    credential = CertificateCredential(DEMO_TENANT_ID, DEMO_PARTNER_CLIENT_ID, certificate_path=str(pem),
                                       **identity_options(tls_server))  # fmt: skip
    with credential:
        assert_graph_token(credential.get_token(SCOPE).token, DEMO_PARTNER_CLIENT_ID, "2")


async def test_azure_identity_async_client_secret_credential(tls_server):
    async with AsyncClientSecretCredential(DEMO_TENANT_ID, DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET,
                                           **identity_options(tls_server)) as credential:  # fmt: skip
        assert_graph_token((await credential.get_token(SCOPE)).token, DEMO_PARTNER_CLIENT_ID, "1")


async def test_azure_identity_async_certificate_credential(tls_server):
    key_pem, cert_pem = app_certificate(tls_server, DEMO_PARTNER_CLIENT_ID)
    async with AsyncCertificateCredential(DEMO_TENANT_ID, DEMO_PARTNER_CLIENT_ID,
                                          certificate_data=(key_pem + cert_pem).encode(),
                                          **identity_options(tls_server)) as credential:  # fmt: skip
        assert_graph_token((await credential.get_token(SCOPE)).token, DEMO_PARTNER_CLIENT_ID, "2")


def test_admin_credentials_also_work(tls_server):
    credential = ClientSecretCredential(DEMO_TENANT_ID, DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET,
                                        **identity_options(tls_server))  # fmt: skip
    with credential:
        assert_graph_token(credential.get_token(SCOPE).token, DEMO_ADMIN_CLIENT_ID, "1")
