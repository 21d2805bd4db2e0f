"""Prepare a running mock for a load test through its control API (plain urllib: usable from Locust and tests).

Credentials are derived from the seed, so every Locust worker knows them without talking to the master:
the master (or ``python -m loadtests.target``) creates the tenant, one partner app, one admin app, the connector
with both platforms and App Sync on, a first heartbeat (so partnerState leaves notSetUp) and the device pool.
Creating what already exists (409) is fine: preparing twice with one seed is idempotent.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loadtests.ids import device_id, device_platform
from simulator.errors import SimulationError

__all__ = [
    "Credentials",
    "HttpResult",
    "call",
    "credentials_for",
    "device_record",
    "enroll_devices",
    "fetch_stats",
    "fetch_token",
    "prepare",
]

SCOPE = "https://graph.microsoft.com/.default"
CONTROL_HEADER = "X-Mtdsim-Control-Key"
ENROLL_CHUNK = 2000
IOS_APPS = (
    {"bundleId": "com.microsoft.Office.Outlook", "version": "4.2415.0", "name": "Outlook", "isManaged": True},
    {"bundleId": "com.example.notes", "version": "2.1", "name": "Notes", "isManaged": False},
)


@dataclass(frozen=True, slots=True)
class Credentials:
    tenant_id: str
    partner_client_id: str
    partner_secret: str
    admin_client_id: str
    admin_secret: str
    partner: str


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    body: Any


def credentials_for(seed: int, partner: str = "demo") -> Credentials:
    """Deterministic per seed: every worker computes the same ones without coordination."""
    def uid(label: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mtdsim-load/{seed}/{label}"))

    return Credentials(uid("tenant"), uid("partner-app"), f"partner-secret-{seed}", uid("admin-app"),
                       f"admin-secret-{seed}", partner)


def call(method: str, url: str, body: Any = None, headers: Mapping[str, str] | None = None,
         form: Mapping[str, str] | None = None, timeout: float = 30.0) -> HttpResult:
    """One HTTP call; 4xx/5xx come back as results, not exceptions. Only transport errors raise."""
    data, all_headers = None, dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=_ssl_context()) as response:
            return HttpResult(response.status, _json(response.read()))
    except urllib.error.HTTPError as exc:
        return HttpResult(exc.code, _json(exc.read()))
    except OSError as exc:
        raise SimulationError(f"{method} {url}: {exc}") from exc


@functools.cache
def _ssl_context() -> ssl.SSLContext | None:
    """For an https mock: trust MTDSIM_CA (the CA file `mtdsim serve --tls` printed); None: the default."""
    ca_file = os.environ.get("MTDSIM_CA")
    return ssl.create_default_context(cafile=ca_file) if ca_file else None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def _expect(result: HttpResult, what: str, ok: Iterable[int] = (200, 201, 204)) -> HttpResult:
    if result.status not in tuple(ok):
        raise SimulationError(f"load-test set-up: {what} answered {result.status}: {result.body}")
    return result


def fetch_token(host: str, tenant_id: str, client_id: str, secret: str) -> dict[str, Any]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": SCOPE}
    result = _expect(call("POST", f"{host}/{tenant_id}/oauth2/v2.0/token", form=form), "token")
    token: dict[str, Any] = result.body
    return token


def jwt_claims(access_token: str) -> dict[str, Any]:
    """The unverified claims of a JWT (the load generator only reads ``iat``, the mock's virtual now)."""
    payload = access_token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def device_record(seed: int, worker: int, user: int, n: int) -> dict[str, Any]:
    """The enroll body of one pool device (same derivation as the Locust users use)."""
    platform = device_platform(user, n)
    record: dict[str, Any] = {
        "azureADDeviceId": device_id(seed, worker, user, n),
        "platform": platform,
        "osVersion": "17.4" if platform == "ios" else "14.0",
        "userPrincipalName": f"load{worker}.{user}.{n}@contoso.example",
    }
    if platform == "ios":
        record["installedApps"] = list(IOS_APPS)
    return record


def pool(seed: int, workers: int, users: int, per_user: int) -> Iterator[dict[str, Any]]:
    for worker in range(workers):
        for user in range(users):
            for n in range(per_user):
                yield device_record(seed, worker, user, n)


def enroll_devices(host: str, control_key: str, tenant_id: str, devices: Iterable[dict[str, Any]]) -> int:
    """Enroll in chunks; a chunk answering 409 (already enrolled by an earlier run with this seed) is fine."""
    headers, count, chunk = {CONTROL_HEADER: control_key}, 0, []
    url = f"{host}/_sim/tenants/{tenant_id}/devices"
    for device in devices:
        chunk.append(device)
        if len(chunk) == ENROLL_CHUNK:
            _expect(call("POST", url, {"devices": chunk}, headers), "enroll devices", (200, 201, 204, 409))
            count, chunk = count + len(chunk), []
    if chunk:
        _expect(call("POST", url, {"devices": chunk}, headers), "enroll devices", (200, 201, 204, 409))
        count += len(chunk)
    return count


def prepare(host: str, control_key: str, seed: int, *, workers: int, users: int, per_user: int,
            partner: str = "demo") -> Credentials:
    """Create tenant, apps, connector (all toggles this load needs), first heartbeat and device pool."""
    creds, headers = credentials_for(seed, partner), {CONTROL_HEADER: control_key}
    _expect(call("POST", f"{host}/_sim/tenants", {"id": creds.tenant_id, "displayName": f"load {seed}"}, headers),
            "create tenant", (200, 201, 409))
    apps = f"{host}/_sim/tenants/{creds.tenant_id}/apps"
    _expect(call("POST", apps, {"kind": "partner", "partner": partner, "clientId": creds.partner_client_id,
                                "clientSecret": creds.partner_secret}, headers), "partner app", (200, 201, 409))
    _expect(call("POST", apps, {"kind": "admin", "clientId": creds.admin_client_id,
                                "clientSecret": creds.admin_secret}, headers), "admin app", (200, 201, 409))
    _configure_connector(host, creds)
    partner_token = fetch_token(host, creds.tenant_id, creds.partner_client_id, creds.partner_secret)
    auth = {"Authorization": f"Bearer {partner_token['access_token']}"}
    _expect(call("POST", f"{host}/partner/v1/heartbeat", {}, auth), "first heartbeat")
    enroll_devices(host, control_key, creds.tenant_id, pool(seed, workers, users, per_user))
    return creds


CONNECTOR_TOGGLES = {
    "androidEnabled": True,
    "iosEnabled": True,
    "allowPartnerToCollectIOSApplicationMetadata": True,
    "allowPartnerToCollectIOSPersonalApplicationMetadata": True,
}


def _configure_connector(host: str, creds: Credentials) -> None:
    from simulator.domain.catalog import find_partner

    connector_id = find_partner(creds.partner).connector_id
    token = fetch_token(host, creds.tenant_id, creds.admin_client_id, creds.admin_secret)
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    base = f"{host}/beta/deviceManagement/mobileThreatDefenseConnectors"
    created = call("POST", base, {"id": connector_id, **CONNECTOR_TOGGLES}, auth)
    if created.status == 409:
        _expect(call("PATCH", f"{base}/{connector_id}", CONNECTOR_TOGGLES, auth), "update connector")
    else:
        _expect(created, "create connector")


def fetch_stats(host: str, control_key: str) -> dict[str, Any]:
    result = _expect(call("GET", f"{host}/_sim/stats", headers={CONTROL_HEADER: control_key}), "stats")
    stats: dict[str, Any] = result.body
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m loadtests.target --host URL --control-key KEY --seed N``: prepare a target by hand."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--control-key", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--devices-per-user", type=int, default=10)
    parser.add_argument("--partner", default="demo")
    args = parser.parse_args(argv)
    creds = prepare(args.host.rstrip("/"), args.control_key, args.seed, workers=args.workers, users=args.users,
                    per_user=args.devices_per_user, partner=args.partner)
    print(json.dumps({"seed": args.seed, **{k: getattr(creds, k) for k in creds.__slots__}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
