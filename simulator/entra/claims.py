"""Access-token claim sets as Entra issues them for app-only (client credentials) tokens.

Graph's own app registration leaves ``accessTokenAcceptedVersion`` unset, so Entra issues **v1.0** tokens for Graph
whichever endpoint (v1 or v2) the client used: that is the default here (docs/decisions.md). v2.0 tokens can be
switched on (``mtdsim serve --token-version 2``) for partners whose validators must cope with them.

| claim | v1.0 | v2.0 |
|---|---|---|
| ``iss`` | ``https://sts.windows.net/{tid}/`` | ``https://login.microsoftonline.com/{tid}/v2.0`` |
| ``aud`` | ``https://graph.microsoft.com`` | ``00000003-0000-0000-c000-000000000000`` (Graph's app id) |
| app | ``appid``, ``appidacr`` (1 secret, 2 certificate), ``app_displayname`` | ``azp``, ``azpacr`` |
| both | ``ver``, ``tid``, ``oid`` = ``sub`` (the service principal), ``idtyp=app``, ``roles``, ``rh`` | same |
| both | ``uti``, ``aio``, ``iat``, ``nbf``, ``exp`` | same |

``idp`` is in v1.0 tokens only (as Entra sends it for app-only tokens). ``rh`` is opaque in Entra ("used to
revalidate tokens"); mtdsim puts the app registration's id there (modelled), so a re-registered app's old tokens
stop working although their signature still verifies.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "GRAPH_APP_ID",
    "GRAPH_AUDIENCE",
    "AppIdentity",
    "access_token_claims",
    "issuer",
    "registration_handle",
    "service_principal_id",
]

GRAPH_AUDIENCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
_SP_NAMESPACE = uuid.UUID("6f1b8f64-4a4e-4d55-9a38-2f1d3c0e7a11")  # mtdsim's own: object ids stable per app

TokenVersion = Literal[1, 2]
Credential = Literal["secret", "certificate"]


@dataclass(frozen=True, slots=True)
class AppIdentity:
    """Who the token is for: the facts of an app registration the claims need."""

    tenant_id: str
    client_id: str
    display_name: str
    registration: str  # changes when the app is registered again
    roles: Sequence[str]


def issuer(version: int, tenant_id: str) -> str:
    if version == 2:
        return f"https://login.microsoftonline.com/{tenant_id}/v2.0"
    return f"https://sts.windows.net/{tenant_id}/"


def service_principal_id(tenant_id: str, client_id: str) -> str:
    """The app's service principal object id in the tenant (``oid``/``sub``), stable for a tenant and client id."""
    return str(uuid.uuid5(_SP_NAMESPACE, f"{tenant_id}/{client_id}"))


def registration_handle(registration: str) -> str:
    return f"0.{registration}."


def access_token_claims(app: AppIdentity, *, version: TokenVersion, credential: Credential, now: datetime,
                        lifetime: int) -> dict[str, Any]:  # fmt: skip
    issued = int(now.timestamp())
    object_id = service_principal_id(app.tenant_id, app.client_id)
    acr = "2" if credential == "certificate" else "1"
    claims: dict[str, Any] = {
        "aud": GRAPH_APP_ID if version == 2 else GRAPH_AUDIENCE,
        "iss": issuer(version, app.tenant_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "aio": secrets.token_urlsafe(48),  # opaque in Entra; random here
    }
    if version == 2:
        claims |= {"azp": app.client_id, "azpacr": acr}
    else:
        claims |= {"app_displayname": app.display_name, "appid": app.client_id, "appidacr": acr,
                   "idp": issuer(1, app.tenant_id)}  # fmt: skip
    claims |= {
        "idtyp": "app",
        "oid": object_id,
        "rh": registration_handle(app.registration),
        "roles": list(app.roles),
        "sub": object_id,
        "tid": app.tenant_id,
        "uti": secrets.token_urlsafe(16),  # every token distinct, as Entra's are
        "ver": "2.0" if version == 2 else "1.0",
    }
    return claims
