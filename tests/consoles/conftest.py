"""A real mock on 127.0.0.1 with a provisioned tenant, a small enrolled fleet and an enabled connector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from simulator.consoles import ControlClock, Credentials, PartnerConsole, Profile, RetryPolicy
from simulator.consoles.provision import ConnectorToggles, Provisioner, Tenancy
from simulator.fleet import Fleet
from simulator.service import Settings, create_app
from tests.conftest import CONTROL_KEY

TENANT = "6e0d1a2b-3c4d-4e5f-8a7b-9c0d1e2f3a4b"
SEED = 424242
FAST_RETRY = RetryPolicy(attempts=5, base=0.01, cap=0.05)
Recorded = list[tuple[str, str, bytes]]


def _recorder(into: Recorded) -> Callable[..., Awaitable[web.StreamResponse]]:
    """An outermost server middleware keeping (method, path and query, body bytes) of every request received."""

    @web.middleware
    async def record(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) \
            -> web.StreamResponse:  # fmt: skip
        into.append((request.method, request.path_qs, await request.read()))
        return await handler(request)

    return record


@dataclass
class Sim:
    base_url: str
    session: aiohttp.ClientSession
    provisioner: Provisioner
    tenancy: Tenancy
    clock: ControlClock
    fleet: Fleet

    def console(self, profile: Profile = Profile.well_behaved, **kwargs: Any) -> PartnerConsole:
        credentials: Credentials = self.tenancy.partner
        kwargs.setdefault("retry", FAST_RETRY)
        return PartnerConsole(credentials, self.clock, profile=profile, seed=SEED, session=self.session, **kwargs)

    async def control(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        return await self.provisioner._json(method, path, body, expect=expect)


SimFactory = Callable[..., Any]


@pytest.fixture
async def make_sim(aiohttp_server: Any, settings: Settings) -> AsyncIterator[SimFactory]:
    sessions: list[aiohttp.ClientSession] = []

    async def make(*, android: int = 30, ios: int = 30, app_sync: bool = True, record: Recorded | None = None,
                   **overrides: Any) -> Sim:  # fmt: skip
        app = create_app(replace(settings, **overrides))
        if record is not None:
            app.middlewares.insert(0, _recorder(record))
        server = await aiohttp_server(app)
        base_url = str(server.make_url("")).rstrip("/")
        session = aiohttp.ClientSession()
        sessions.append(session)
        provisioner = Provisioner(session, base_url, CONTROL_KEY)
        tenancy = await provisioner.create_tenant(TENANT, "demo", seed=SEED)
        fleet = Fleet(SEED, android=android, ios=ios)
        await provisioner.enroll(TENANT, fleet)
        clock = ControlClock(session, base_url, CONTROL_KEY)
        await clock.sync()
        await provisioner.create_connector(tenancy, clock, android=True, ios=True,
                                           toggles=ConnectorToggles(app_sync=app_sync))
        return Sim(base_url, session, provisioner, tenancy, clock, fleet)

    yield make
    for session in sessions:
        await session.close()


@pytest.fixture
async def sim(make_sim: SimFactory) -> Sim:
    made: Sim = await make_sim()
    return made
