"""Set up a mock tenant for a simulated run through the control API and Graph, and read results back.

Used by ``mtdsim simulate`` and by tests: create a tenant and its partner and admin apps, enroll a fleet, create
the partner's connector through Graph ``POST`` with the admin app (as an admin clicks "Add"), and read the
compliance distribution through ``GET /v1.0/deviceManagement/managedDevices``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from simulator.consoles.auth import Credentials, TokenSource
from simulator.consoles.clock import CONTROL_KEY_HEADER, ConsoleClock
from simulator.consoles.stats import ConsoleStats
from simulator.errors import SimulationError
from simulator.fleet.devices import SimDevice
from simulator.fleet.hashing import mix64, uuid_from

__all__ = ["ConnectorToggles", "Provisioner", "Tenancy"]

_ENROLL_CHUNK = 1000
_MAX_PAGES = 10_000
_APP_STREAM = 0xA99C


def _app_credentials(seed: int | None, which: int) -> dict[str, str]:
    if seed is None:
        return {}
    bits = [mix64(seed, _APP_STREAM + which, k) for k in range(4)]
    return {"clientId": uuid_from(bits[0], bits[1]), "clientSecret": f"secret-{bits[2]:016x}{bits[3]:016x}"}


@dataclass(frozen=True, slots=True)
class ConnectorToggles:
    """What the admin sets when adding the partner's connector, beyond the platforms (those follow the fleet).

    ``unresponsive_days`` None leaves Intune's default (7 days).
    """

    app_sync: bool = True
    personal_apps: bool = False
    block_missing_data: bool = False
    block_unsupported_os: bool = False
    unresponsive_days: int | None = None

    def graph_settings(self) -> dict[str, Any]:
        """The Graph properties of these toggles (mobileThreatDefenseConnector)."""
        settings: dict[str, Any] = {
            "allowPartnerToCollectIOSApplicationMetadata": self.app_sync,
            "allowPartnerToCollectIOSPersonalApplicationMetadata": self.personal_apps,
            "androidDeviceBlockedOnMissingPartnerData": self.block_missing_data,
            "iosDeviceBlockedOnMissingPartnerData": self.block_missing_data,
            "partnerUnsupportedOsVersionBlocked": self.block_unsupported_os,
        }
        if self.unresponsive_days is not None:
            settings["partnerUnresponsivenessThresholdInDays"] = self.unresponsive_days
        return settings


class Tenancy:
    """The credentials of one provisioned tenant: its partner app and its admin app."""

    def __init__(self, partner: Credentials, admin: Credentials, connector_id: str) -> None:
        self.partner = partner
        self.admin = admin
        self.connector_id = connector_id


class Provisioner:
    """Control-API and Graph calls against one mock at ``base_url``."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, control_key: str) -> None:
        self.session = session
        self.base = base_url.rstrip("/")
        self.headers = {CONTROL_KEY_HEADER: control_key}

    async def _json(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                    expect: int = 200) -> Any:  # fmt: skip
        url = path if path.startswith("http") else self.base + path
        async with self.session.request(method, url, json=body, headers=headers or self.headers) as resp:
            if resp.status != expect:
                raise SimulationError(f"{method} {path} answered {resp.status}: {(await resp.text())[:500]}")
            return await resp.json() if resp.status != 204 else None

    async def create_tenant(self, tenant_id: str, partner: str, display_name: str = "mtdsim simulate", *,
                            seed: int | None = None) -> Tenancy:  # fmt: skip
        """A tenant with a partner app and an admin app. With ``seed`` their client ids and secrets derive from it
        (so a replay sends the same token requests byte for byte); without, the mock generates them."""
        await self._json("POST", "/_sim/tenants", {"id": tenant_id, "displayName": display_name}, expect=201)
        apps = f"/_sim/tenants/{tenant_id}/apps"
        partner_body = {"kind": "partner", "partner": partner, **_app_credentials(seed, 0)}
        partner_app = await self._json("POST", apps, partner_body, expect=201)
        admin_app = await self._json("POST", apps, {"kind": "admin", **_app_credentials(seed, 1)}, expect=201)

        def credentials(app: dict[str, Any]) -> Credentials:
            return Credentials(self.base, tenant_id, app["clientId"], app["clientSecret"])

        return Tenancy(credentials(partner_app), credentials(admin_app), partner_app["connectorId"])

    async def enroll(self, tenant_id: str, devices: Iterable[SimDevice]) -> int:
        """Enroll devices in chunks (the control API takes up to 10,000 per call); returns how many."""
        count, chunk = 0, []
        for device in devices:
            chunk.append(device.to_enrollment())
            if len(chunk) == _ENROLL_CHUNK:
                count += await self._enroll_chunk(tenant_id, chunk)
                chunk = []
        return count + (await self._enroll_chunk(tenant_id, chunk) if chunk else 0)

    async def _enroll_chunk(self, tenant_id: str, chunk: list[dict[str, Any]]) -> int:
        await self._json("POST", f"/_sim/tenants/{tenant_id}/devices", {"devices": chunk}, expect=201)
        return len(chunk)

    async def admin_headers(self, admin: Credentials, clock: ConsoleClock) -> dict[str, str]:
        source = TokenSource(admin, clock, ConsoleStats())
        return {"Authorization": f"Bearer {await source.token(self.session)}"}

    async def create_connector(self, tenancy: Tenancy, clock: ConsoleClock, *, android: bool, ios: bool,
                               toggles: ConnectorToggles = ConnectorToggles()) -> dict[str, Any]:  # fmt: skip
        body = {"id": tenancy.connector_id, "androidEnabled": android, "iosEnabled": ios, **toggles.graph_settings()}
        headers = await self.admin_headers(tenancy.admin, clock)
        path = "/beta/deviceManagement/mobileThreatDefenseConnectors"
        created: dict[str, Any] = await self._json("POST", path, body, headers=headers, expect=201)
        return created

    async def create_policies(self, admin: Credentials, clock: ConsoleClock, level: str) -> None:
        """One compliance policy per platform requiring device threat level ``level`` (secured/low/medium/high)."""
        headers = await self.admin_headers(admin, clock)
        for kind, name in (("ios", "iOS"), ("android", "Android")):
            body = {
                "@odata.type": f"#microsoft.graph.{kind}CompliancePolicy",
                "displayName": f"MTD {name} ({level})",
                "deviceThreatProtectionEnabled": True,
                "deviceThreatProtectionRequiredSecurityLevel": level,
            }
            await self._json("POST", "/v1.0/deviceManagement/deviceCompliancePolicies", body, headers, expect=201)

    async def throttle_first_batch(self, tenant_id: str, *, retry_after: float) -> None:
        """A fault rule: the tenant's first threat report batch answers 429 with ``Retry-After: retry_after``."""
        rule = {
            "match": {"route": "/partner/v1/deviceThreatReports", "method": "POST", "tenant": tenant_id},
            "when": {"first": 1},
            "then": {"error": {"status": 429, "retryAfter": retry_after}},
        }
        await self._json("POST", "/_sim/faults", rule, expect=201)

    async def violations(self, client_id: str) -> Counter[str]:
        """The violations the mock recorded for one app, counted by code (from its newest-kept ring)."""
        body = await self._json("GET", "/_sim/violations")
        return Counter(str(v["code"]) for v in body["value"] if v.get("clientId") == client_id)

    async def compliance_distribution(self, admin: Credentials, clock: ConsoleClock,
                                      on_page: Callable[[int], None] | None = None) -> Counter[str]:  # fmt: skip
        """complianceState of every Android and iOS managed device, read through Graph and counted;
        ``on_page(devices read so far)`` after each page."""
        headers = await self.admin_headers(admin, clock)
        url: str | None = "/v1.0/deviceManagement/managedDevices?$top=1000"
        counts: Counter[str] = Counter()
        for _ in range(_MAX_PAGES):
            if url is None:
                return counts
            page = await self._json("GET", url, headers=headers)
            counts.update(str(device["complianceState"]) for device in page["value"])
            if on_page is not None:
                on_page(counts.total())
            url = page.get("@odata.nextLink")
        raise SimulationError("managedDevices paging did not end")
