"""A live mock (demo config, frozen clock, response self-check on) and a small driver for route tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from simulator.service.app import create_app
from simulator.service.keys import STATE
from simulator.service.settings import Settings

TENANT = "00000000-0000-4000-8000-000000000001"
PARTNER_APP = ("00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")
ADMIN_APP = ("00000000-0000-4000-8000-0000000000b1", "demo-admin-secret")
ANDROID = "00000000-0000-4000-8000-00000000d001"
IOS = "00000000-0000-4000-8000-00000000d003"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CONNECTORS = "/beta/deviceManagement/mobileThreatDefenseConnectors"


@dataclass
class Api:
    """Drives the mock as the demo tenant's admin, partner and control key; ids are the demo config's."""

    TENANT = TENANT
    ANDROID = ANDROID
    IOS = IOS
    IOS_PERSONAL = "00000000-0000-4000-8000-00000000d004"
    PARTNER_APP = PARTNER_APP

    client: TestClient[Any, Any]
    settings: Settings
    admin: dict[str, str] = field(default_factory=dict)
    partner: dict[str, str] = field(default_factory=dict)

    @property
    def control(self) -> dict[str, str]:
        return {"X-Mtdsim-Control-Key": self.settings.control_key}

    async def token(self, client_id: str, secret: str, tenant: str = TENANT) -> str:
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
                "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
        response = await self.client.post(f"/{tenant}/oauth2/v2.0/token", data=form)
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])

    async def call(self, method: str, path: str, *, as_: str = "admin", status: int = 200, **kw: Any) -> Any:
        headers = {"admin": self.admin, "partner": self.partner, "control": self.control}[as_]
        response = await self.client.request(method, path, headers=headers, **kw)
        text = await response.text()
        assert response.status == status, f"{method} {path}: {response.status} {text}"
        return await response.json() if text else None

    async def connector(self, **settings: Any) -> dict[str, Any]:
        """Create the demo partner's connector with ``settings`` (Graph names)."""
        return await self.call("POST", CONNECTORS, json=settings, status=201)  # type: ignore[no-any-return]

    async def live_connector(self, **settings: Any) -> str:
        """Create the connector, heartbeat once, then apply ``settings``: the partner is set up."""
        connector_id = (await self.connector())["id"]
        await self.call("POST", "/partner/v1/heartbeat", as_="partner")
        if settings:
            await self.call("PATCH", f"{CONNECTORS}/{connector_id}", json=settings)
        return str(connector_id)

    async def report(self, *reports: dict[str, Any], status: int = 200) -> Any:
        body = {"reports": list(reports)}
        return await self.call("POST", "/partner/v1/deviceThreatReports", as_="partner", json=body, status=status)

    async def advance(self, duration: str) -> None:
        """Move the virtual clock and, like any real client after a long gap, fetch fresh tokens."""
        await self.call("POST", "/_sim/clock/advance", as_="control", json={"by": duration})
        await self.sign_in()

    async def sign_in(self) -> None:
        self.admin = {"Authorization": f"Bearer {await self.token(*ADMIN_APP)}"}
        self.partner = {"Authorization": f"Bearer {await self.token(*PARTNER_APP)}"}

    async def enroll(self, *devices: dict[str, Any], tenant: str = TENANT) -> None:
        await self.call("POST", f"/_sim/tenants/{tenant}/devices", as_="control", json={"devices": list(devices)},
                        status=201)  # fmt: skip

    async def follow(self, link: str, *, as_: str = "admin") -> Any:
        """GET an absolute ``@odata.nextLink`` through the test client."""
        return await self.call("GET", URL(link).path_qs, as_=as_)

    def self_check_failures(self) -> list[str]:
        return list(self.client.app[STATE].self_check_failures)


@pytest.fixture
async def api(aiohttp_client: Any) -> AsyncIterator[Api]:
    settings = Settings(validate_responses=True, clock_start=NOW, clock_ticking=False, control_key="test-key")
    api = Api(await aiohttp_client(create_app(settings)), settings)
    await api.sign_in()
    yield api
    assert api.self_check_failures() == [], "the mock answered something that breaks its own contract"
