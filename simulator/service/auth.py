"""The Entra-shaped token endpoint (D3.1) and the bearer checks route handlers call.

Route authors use ``require_partner(request)`` and ``require_admin(request)``; both raise ``Unauthorized`` (401
InvalidAuthenticationToken) or ``Forbidden`` (403 accessDenied) and fill in the journal's caller fields.
"""

from __future__ import annotations

import binascii
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from aiohttp import BasicAuth, web

from simulator.domain.clock import format_datetime
from simulator.domain.tenant import Tenant
from simulator.entra.credentials import ASSERTION_TYPE, AssertionRejected, secret_matches, verify_client_assertion
from simulator.errors import Forbidden, Unauthorized
from simulator.service.http import json_response, read_body, request_info
from simulator.service.keys import REQUEST_INFO, STATE
from simulator.service.state import AppRegistration, RequestInfo, ServiceState
from simulator.service.token import GRAPH_AUDIENCE, Claims, issue_token

__all__ = ["AdminCaller", "PartnerCaller", "aadsts_error", "bearer_claims", "require_admin", "require_partner",
           "routes"]

routes = web.RouteTableDef()

_PARAMETERS = ("grant_type", "client_id", "client_secret", "scope", "resource", "client_assertion_type",
               "client_assertion")  # fmt: skip
_GRAPH_APP = "00000003-0000-0000-c000-000000000000"
_SCOPES = (f"{GRAPH_AUDIENCE}/.default", f"{_GRAPH_APP}/.default")
_RESOURCES = (GRAPH_AUDIENCE, f"{GRAPH_AUDIENCE}/", _GRAPH_APP)  # the v1 endpoint names Graph by resource, not scope


class PartnerCaller(NamedTuple):
    """A NamedTuple (built with ``tuple.__new__``): one is built for every partner request."""

    tenant: Tenant
    connector_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class AdminCaller:
    tenant: Tenant
    client_id: str


def bearer_claims(request: web.Request) -> Claims:
    """Verified claims of the request's bearer token (any kind of app)."""
    return _verified(request, request[REQUEST_INFO])


def require_partner(request: web.Request) -> PartnerCaller:
    info = request[REQUEST_INFO]
    claims = _verified(request, info)
    if claims.kind != "partner" or claims.connector_id is None:
        raise Forbidden("accessDenied", "This route is for MTD partner apps; the token belongs to an admin app.")
    # tuple.__new__ skips the NamedTuple's Python-level __new__: one caller is built per partner request.
    return _new_caller(PartnerCaller, (_tenant(info.state, claims), claims.connector_id, claims.client_id))


def require_admin(request: web.Request) -> AdminCaller:
    info = request[REQUEST_INFO]
    claims = _verified(request, info)
    if claims.kind != "admin":
        raise Forbidden("accessDenied", "Graph admin routes need an admin app; the token belongs to a partner app.")
    return AdminCaller(_tenant(info.state, claims), claims.client_id)


_new_caller = tuple.__new__


def _verified(request: web.Request, info: RequestInfo) -> Claims:
    """The bearer token's claims, checked; the journal learns the caller from them."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not header:
        raise Unauthorized("InvalidAuthenticationToken", "Access token is empty.")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("InvalidAuthenticationToken", "IDX14100: JWT is not well formed: expected 'Bearer <token>'.")
    state = info.state
    claims = state.tokens.verify(token, state.apps, info.now)
    info.tenant, info.client_id, info.partner = claims.tenant_id, claims.client_id, claims.connector_id
    return claims


def _tenant(state: ServiceState, claims: Claims) -> Tenant:
    tenant = state.tenants.get(claims.tenant_id)
    if tenant is None:  # the tenant went away (control API reset) after the token was issued
        raise Unauthorized("InvalidAuthenticationToken", "The token's tenant does not exist.")
    return tenant


# ---- token endpoint -----------------------------------------------------------------------------------------


@routes.post("/{tenantId}/oauth2/v2.0/token", name="token")
async def token(request: web.Request) -> web.Response:
    return await _grant(request, endpoint=2)


@routes.post("/{tenantId}/oauth2/token", name="token_v1")
async def token_v1(request: web.Request) -> web.Response:
    """The v1 endpoint the v1 discovery document names (ADAL-era clients): ``resource`` instead of ``scope``, and
    Entra's v1 answer (every number a string, plus ``expires_on``, ``not_before`` and ``resource``)."""
    return await _grant(request, endpoint=1)


async def _grant(request: web.Request, endpoint: int) -> web.Response:
    state = request.app[STATE]
    tenant_id = request.match_info["tenantId"]
    request_info(request).tenant = tenant_id
    await read_body(request)  # within the body timeout; post() then parses what it read
    try:
        form = await request.post()
    except ValueError:  # e.g. multipart/form-data without a boundary: the body cannot be read as a form
        return aadsts_error(request, 400, "invalid_request", 900144,
                       "The request body must be application/x-www-form-urlencoded with the parameters of the "
                       "client credentials grant.")  # fmt: skip
    params = {k: v for k in _PARAMETERS if isinstance(v := form.get(k), str)}
    basic = _basic_auth(request)
    if basic is not None:
        params.setdefault("client_id", basic.login)
        params.setdefault("client_secret", basic.password)
    if tenant_id not in state.tenants:
        return aadsts_error(request, 400, "invalid_request", 90002, f"Tenant '{tenant_id}' not found.")
    target = "scope" if endpoint == 2 else "resource"
    for name in ("grant_type", "client_id", target, "client_assertion" if "client_assertion" in params
                 else "client_secret"):
        if not params.get(name):
            return aadsts_error(request, 400, "invalid_request", 900144,
                           f"The request body must contain the following parameter: '{name}'.")
    if params["grant_type"] != "client_credentials":
        return aadsts_error(request, 400, "unsupported_grant_type", 70003,
                       "The app requested an unsupported grant type. Only client_credentials is supported.")
    if endpoint == 2 and params["scope"] not in _SCOPES:
        return aadsts_error(request, 400, "invalid_scope", 70011,
                       f"The provided value for the input parameter 'scope' is not valid. The scope "
                       f"{params['scope']} is not valid: use {_SCOPES[0]}.")
    if endpoint == 1 and params["resource"] not in _RESOURCES:
        return aadsts_error(request, 400, "invalid_resource", 500011,
                            f"The resource principal named {params['resource']} was not found in the tenant named "
                            f"{tenant_id}. Use {GRAPH_AUDIENCE}.")  # fmt: skip
    app = state.apps.get((tenant_id, params["client_id"]))
    request_info(request).client_id = params["client_id"]
    if app is None:
        return aadsts_error(request, 400, "unauthorized_client", 700016,
                       f"Application with identifier '{params['client_id']}' was not found in the directory "
                       f"'{tenant_id}'.")
    if "client_assertion" in params:
        rejected = _assertion_problem(request, params, app)
        if rejected is not None:
            return rejected
    elif not secret_matches(params["client_secret"], app.client_secret):
        return aadsts_error(request, 401, "invalid_client", 7000215,
                       "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                       f"secret value, not the client secret ID, for a secret added to app '{app.client_id}'.")
    state.tokens_issued += 1
    lifetime, now = state.settings.token_lifetime, state.clock.now()
    access_token = issue_token(app, state.keys.active, now, lifetime,
                               version=2 if state.settings.token_version == 2 else 1,
                               credential="certificate" if "client_assertion" in params else "secret")  # fmt: skip
    headers = {"Cache-Control": "no-store"}
    if endpoint == 1:
        issued = int(now.timestamp())
        body_v1 = {"token_type": "Bearer", "expires_in": str(lifetime), "ext_expires_in": str(lifetime),
                   "expires_on": str(issued + lifetime), "not_before": str(issued),
                   "resource": params["resource"], "access_token": access_token}  # fmt: skip
        return json_response(request, body_v1, contract="token-response-v1", headers=headers)
    body = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access_token}
    return json_response(request, body, contract="token-response", headers=headers)


def _assertion_problem(request: web.Request, params: dict[str, str], app: AppRegistration) -> web.Response | None:
    """The AADSTS answer to a client assertion Entra would refuse; None when it proves the app."""
    if params.get("client_assertion_type") != ASSERTION_TYPE:
        return aadsts_error(request, 400, "invalid_request", 900144,
                            f"The request body must contain the following parameter: 'client_assertion_type' "
                            f"= '{ASSERTION_TYPE}'.")  # fmt: skip
    endpoint = f"{request.scheme}://{request.host}/{app.tenant_id}/oauth2"
    try:
        verify_client_assertion(params["client_assertion"], app.client_id, app.certificates,
                                (f"{endpoint}/v2.0/token", f"{endpoint}/token"))  # fmt: skip
    except AssertionRejected as exc:
        return aadsts_error(request, 401, "invalid_client", exc.aadsts, exc.message)
    return None


def _basic_auth(request: web.Request) -> BasicAuth | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        return BasicAuth.decode(header)
    except (ValueError, binascii.Error):
        return None


def aadsts_error(request: web.Request, status: int, error: str, code: int, text: str) -> web.Response:
    """An Entra error body: ``AADSTS<code>: <text>`` plus trace, correlation and timestamp lines."""
    stamp = format_datetime(request.app[STATE].clock.now().replace(microsecond=0)).replace("T", " ")
    trace, correlation = request_info(request).request_id, str(uuid.uuid4())
    description = f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
    }
    return json_response(request, body, status=status, contract="token-error")
