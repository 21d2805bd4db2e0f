"""OpenID Connect discovery documents and instance discovery, shaped as Entra serves them.

Endpoints point at the mock (the scheme and host the client used); ``issuer`` values are Entra's own
(``https://sts.windows.net/{tid}/`` and ``https://login.microsoftonline.com/{tid}/v2.0``), because that is what the
tokens carry and what token validators written for Entra expect (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from simulator.entra.claims import issuer

__all__ = ["MULTI_TENANT", "instance_discovery", "openid_configuration", "tenant_of_authorization_endpoint"]

# Tenant-independent authorities: documents keep Entra's literal "{tenantid}" placeholder in the issuer.
MULTI_TENANT = frozenset({"common", "organizations", "consumers"})
_AUTH_METHODS = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
_CLAIMS = ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
           "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
           "ver", "at_hash", "c_hash", "email"]  # fmt: skip
_CLOUD = {"tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com",
          "cloud_graph_host_name": "graph.windows.net", "msgraph_host": "graph.microsoft.com",
          "rbac_url": "https://pas.windows.net"}  # fmt: skip


def openid_configuration(base_url: str, tenant: str, version: int) -> dict[str, Any]:
    """The tenant's v1 (``version`` 1) or v2 ``.well-known/openid-configuration``."""
    tid = "{tenantid}" if tenant in MULTI_TENANT else tenant
    root = f"{base_url}/{tenant}"
    if version == 2:
        oauth = f"{root}/oauth2/v2.0"
        document: dict[str, Any] = {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer(2, tid),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": _CLAIMS,
            "kerberos_endpoint": f"{root}/kerberos",
        }
    else:
        oauth = f"{root}/oauth2"
        document = {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "jwks_uri": f"{base_url}/{tenant}/discovery/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": issuer(1, tid),
            "microsoft_multi_refresh_token": True,
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": _CLAIMS,
            "check_session_iframe": f"{oauth}/checksession",
            "userinfo_endpoint": f"{root}/openid/userinfo",
            "kerberos_endpoint": f"{root}/kerberos",
        }
    return document | _CLOUD


def tenant_of_authorization_endpoint(authorization_endpoint: str, host: str) -> tuple[str, int] | None:
    """(tenant, version) of an authorization endpoint on ``host``; None if it is not one of ours.

    Only host names are compared: MSAL builds the endpoint from the authority's host name and drops its port.
    """
    parts = urlsplit(authorization_endpoint)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https" or (parts.hostname or "") != urlsplit(f"//{host}").hostname or not segments:
        return None
    return segments[0], 2 if "v2.0" in segments else 1


def instance_discovery(base_url: str, host: str, tenant: str, version: int) -> dict[str, Any]:
    """``/common/discovery/instance``: where the tenant's discovery document is, and the host's aliases."""
    well_known = "v2.0/.well-known" if version == 2 else ".well-known"
    return {
        "tenant_discovery_endpoint": f"{base_url}/{tenant}/{well_known}/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }
