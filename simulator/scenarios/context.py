"""The state of one scenario run: the target, the tenant and apps it made, tokens, device ids, saved variables and
the virtual clock as the runner last saw it. Every HTTP call of a run goes through here and is recorded."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from simulator.domain.catalog import CATALOG
from simulator.domain.clock import format_datetime, parse_datetime
from simulator.errors import ScenarioError
from simulator.scenarios.exchange import Exchange, send
from simulator.scenarios.model import DeviceSpec

__all__ = ["ADMIN", "GRAPH_SCOPE", "Credentials", "RunContext", "SetupFailed", "TenantRun"]

ADMIN = "admin"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Like MSAL, refresh a token a little before it expires (on the virtual clock), so advancing the clock by days
# does not turn every later call into a 401.
_REFRESH_MARGIN = timedelta(minutes=5)


class SetupFailed(ScenarioError):
    """A call the runner makes on the scenario's behalf (setup, token, expectation lookup) went wrong."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        self.exchange = exchange
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Credentials:
    client_id: str
    client_secret: str


@dataclass(slots=True)
class TenantRun:
    """One tenant a scenario made: its id on the target, its apps, their tokens and connector ids."""

    name: str
    tenant_id: str = ""
    apps: dict[str, Credentials] = field(default_factory=dict)
    tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    connector_ids: dict[str, str] = field(default_factory=dict)
    default_partner: str | None = None


@dataclass(slots=True)
class RunContext:
    """A step acts in ``active``, one of ``tenants``; devices are named across tenants (each knows its own)."""

    session: aiohttp.ClientSession
    base: str
    control_key: str
    seed: str
    now: datetime
    active: TenantRun = field(default_factory=lambda: TenantRun("default"))
    tenants: dict[str, TenantRun] = field(default_factory=dict)
    devices: dict[str, tuple[DeviceSpec, str]] = field(default_factory=dict)
    device_tenants: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str:
        return self.active.tenant_id

    @property
    def apps(self) -> dict[str, Credentials]:
        return self.active.apps

    @property
    def tokens(self) -> dict[str, tuple[str, datetime]]:
        return self.active.tokens

    @property
    def connector_ids(self) -> dict[str, str]:
        return self.active.connector_ids

    @property
    def default_partner(self) -> str | None:
        return self.active.default_partner

    def act_in(self, tenant: str | None) -> None:
        """Make ``tenant`` (a key of given.tenants) the one steps act in; None: the first."""
        self.active = self.tenants[tenant] if tenant is not None else next(iter(self.tenants.values()))

    def new_id(self, label: str) -> str:
        """A UUID that depends only on the seed and ``label``, so a run replays exactly."""
        rng = random.Random(f"{self.seed}:{label}")
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base.rstrip("/") + "/" + path.lstrip("/")

    def connector_id(self, partner: str) -> str:
        return self.connector_ids.get(partner) or CATALOG[partner].connector_id

    def device_id(self, name: str) -> str:
        return self.devices[name][1]

    def partner(self, given: str | None) -> str:
        partner = given or self.default_partner
        if partner is None:
            raise ScenarioError("this step needs `partner:`")
        return partner

    def builtin_variables(self) -> dict[str, Any]:
        names: dict[str, Any] = {"now": format_datetime(self.now), "tenant": self.tenant_id, "base": self.base}
        names.update({f"tenant.{t.name}": t.tenant_id for t in self.tenants.values()})
        names.update({f"device.{n}": aad for n, (_, aad) in self.devices.items()})
        for tenant in self.tenants.values():  # the active tenant's connectors win a name both tenants have
            names.update({f"connector.{p}": tenant.connector_ids.get(p) or CATALOG[p].connector_id
                          for p in tenant.apps if p != ADMIN})  # fmt: skip
        names.update({f"connector.{p}": self.connector_id(p) for p in self.apps if p != ADMIN})
        return names

    async def request(self, method: str, path: str, **kwargs: Any) -> Exchange:
        try:
            return await send(self.session, method, self.url(path), **kwargs)
        except aiohttp.ClientError as exc:
            raise SetupFailed(f"{method} {self.url(path)} failed: {exc!r}") from exc

    async def call(self, method: str, path: str, *, auth: str | None = None, body: Any = None) -> Exchange:
        """One request as ``auth``: None (no credentials), "control", "admin" or a partner key."""
        headers: dict[str, str] = {}
        if auth == "control":
            headers["X-Mtdsim-Control-Key"] = self.control_key
        elif auth is not None:
            headers["Authorization"] = f"Bearer {await self.token(auth)}"
        return await self.request(method, path, headers=headers, json_body=body)

    async def control(self, method: str, path: str, body: Any = None, expect: int | tuple[int, ...] = 200) -> Any:
        exchange = await self.call(method, path, auth="control", body=body)
        self._check(exchange, expect)
        return exchange.response_body

    async def as_app(self, app: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        exchange = await self.call(method, path, auth=app, body=body)
        self._check(exchange, expect)
        return exchange.response_body

    def _check(self, exchange: Exchange, expect: int | tuple[int, ...]) -> None:
        wanted = expect if isinstance(expect, tuple) else (expect,)
        if exchange.status not in wanted:
            message = f"{exchange.method} {exchange.url} answered {exchange.status}, expected {expect}"
            raise SetupFailed(message, exchange)

    async def token(self, app: str) -> str:
        held = self.tokens.get(app)
        if held is not None and self.now + _REFRESH_MARGIN < held[1]:
            return held[0]
        exchange = await self.fetch_token(app)
        self._check(exchange, 200)
        return self.tokens[app][0]

    async def fetch_token(self, app: str, **overrides: str) -> Exchange:
        """POST the token endpoint for ``app``; a 200 replaces the cached token."""
        creds = self.apps[app]
        form = {
            "grant_type": overrides.get("grantType", "client_credentials"),
            "client_id": creds.client_id,
            "client_secret": overrides.get("clientSecret", creds.client_secret),
            "scope": overrides.get("scope", GRAPH_SCOPE),
        }
        exchange = await self.request("POST", f"/{self.tenant_id}/oauth2/v2.0/token", form=form)
        body = exchange.response_body
        if exchange.status == 200 and isinstance(body, dict):
            expires = self.now + timedelta(seconds=int(body.get("expires_in", 3599)))
            self.tokens[app] = (str(body["access_token"]), expires)
        return exchange

    def clock_moved(self, body: Any) -> None:
        if isinstance(body, dict) and isinstance(body.get("now"), str):
            self.now = parse_datetime(body["now"])
