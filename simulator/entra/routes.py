"""Entra's discovery routes (OIDC documents, instance discovery, JWKS) and the control routes for signing keys and
app certificates.

Discovery answers for a configured tenant and for ``common``/``organizations``/``consumers``; another tenant is 400
AADSTS90002, as Entra answers it.
"""

from __future__ import annotations

import dataclasses

from aiohttp import web

from simulator.domain.clock import format_datetime
from simulator.entra.claims import issuer
from simulator.entra.credentials import load_certificate
from simulator.entra.discovery import MULTI_TENANT, instance_discovery, openid_configuration
from simulator.entra.discovery import tenant_of_authorization_endpoint as _tenant_of
from simulator.errors import NotFound
from simulator.service.auth import aadsts_error
from simulator.service.control import controlled
from simulator.service.http import json_response, read_json
from simulator.service.keys import STATE

__all__ = ["routes"]

routes = web.RouteTableDef()
_NO_STORE = {"Cache-Control": "max-age=86400, private"}  # Entra lets clients cache discovery for a day


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _unknown_tenant(request: web.Request, tenant: str) -> web.Response | None:
    if tenant in MULTI_TENANT or tenant in request.app[STATE].tenants:
        return None
    return aadsts_error(request, 400, "invalid_tenant", 90002,
                        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
                        "signing into the correct cloud.")  # fmt: skip


@routes.get("/{tenantId}/.well-known/openid-configuration")
async def openid_v1(request: web.Request) -> web.Response:
    tenant = request.match_info["tenantId"]
    error = _unknown_tenant(request, tenant)
    return error or json_response(request, openid_configuration(_base_url(request), tenant, 1), headers=_NO_STORE)


@routes.get("/{tenantId}/v2.0/.well-known/openid-configuration")
async def openid_v2(request: web.Request) -> web.Response:
    tenant = request.match_info["tenantId"]
    error = _unknown_tenant(request, tenant)
    return error or json_response(request, openid_configuration(_base_url(request), tenant, 2), headers=_NO_STORE)


@routes.get("/common/discovery/instance")
async def discovery_instance(request: web.Request) -> web.Response:
    endpoint = request.query.get("authorization_endpoint")
    if not endpoint:
        return aadsts_error(request, 400, "invalid_request", 900144,
                            "The request body must contain the following parameter: 'authorization_endpoint'.")
    found = _tenant_of(endpoint, request.host)
    if found is None:
        return aadsts_error(request, 400, "invalid_instance", 50049, "Unknown or invalid instance.")
    body = instance_discovery(_base_url(request), request.host, *found)
    return json_response(request, body, headers=_NO_STORE)


@routes.get("/{tenantId}/discovery/keys")
async def keys_v1(request: web.Request) -> web.Response:
    error = _unknown_tenant(request, request.match_info["tenantId"])
    return error or json_response(request, request.app[STATE].keys.jwks(None), headers=_NO_STORE)


@routes.get("/{tenantId}/discovery/v2.0/keys")
async def keys_v2(request: web.Request) -> web.Response:
    tenant = request.match_info["tenantId"]
    error = _unknown_tenant(request, tenant)
    tid = "{tenantid}" if tenant in MULTI_TENANT else tenant
    return error or json_response(request, request.app[STATE].keys.jwks(issuer(2, tid)), headers=_NO_STORE)


# ---- control: signing keys and app certificates (modelled) ----------------------------------------------------


def _key_list(request: web.Request) -> web.Response:
    keys = request.app[STATE].keys
    value = [{"kid": k.kid, "active": k is keys.active, "created": format_datetime(k.created.replace(microsecond=0))}
             for k in keys.keys_list()]  # fmt: skip
    return json_response(request, {"value": value})


@routes.get("/_sim/keys")
@controlled
async def list_keys(request: web.Request) -> web.StreamResponse:
    return _key_list(request)


@routes.post("/_sim/keys/rotate")
@controlled
async def rotate_key(request: web.Request) -> web.StreamResponse:
    """A new active signing key; the old ones stay in the JWKS (and keep verifying) until deleted."""
    request.app[STATE].keys.rotate()
    response = _key_list(request)
    response.set_status(201)
    return response


# Not "rotate": /_sim/keys/rotate is only the rotation (its 405 then lists POST alone, as the spec says).
@routes.delete("/_sim/keys/{kid:(?!rotate$)[^/]+}")
@controlled
async def delete_key(request: web.Request) -> web.StreamResponse:
    request.app[STATE].keys.remove(request.match_info["kid"])
    return web.Response(status=204)


@routes.post("/_sim/tenants/{tenantId}/apps/{clientId}/certificates")
@controlled
async def add_certificate(request: web.Request) -> web.StreamResponse:
    """Register a certificate on an app (its tokens stay valid): client assertions signed with its key work."""
    body = await read_json(request, "sim-app-certificate")
    state = request.app[STATE]
    key = (request.match_info["tenantId"], request.match_info["clientId"])
    app = state.apps.get(key)
    if app is None:
        raise NotFound("itemNotFound", f"no app {key[1]!r} in tenant {key[0]!r}")
    certificate = load_certificate(body["certificate"])
    state.apps[key] = dataclasses.replace(app, certificates=(*app.certificates, certificate))
    return json_response(request, certificate.to_wire(), status=201)
