"""Fixtures shared by every test area: a frozen-clock mock service and the guard that fails on self-check errors.

Any app created through ``aiohttp_client`` (directly or via ``mtd_client``) is checked after the test: if the mock
answered something that breaks its own contract (``Settings.validate_responses``), the test fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from simulator.service import Settings, create_app
from simulator.service.config import (
    DEMO_ADMIN_CLIENT_ID,
    DEMO_ADMIN_SECRET,
    DEMO_PARTNER_CLIENT_ID,
    DEMO_PARTNER_SECRET,
    DEMO_TENANT_ID,
)
from simulator.service.keys import STATE

FROZEN_START = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
CONTROL_KEY = "test-control-key"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@pytest.fixture(autouse=True, scope="session")
def _data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``mtdsim serve`` subprocesses keep their token signing key in a temporary data directory, not in ~."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    yield
    patch.undo()


@pytest.fixture
def settings() -> Settings:
    """The demo tenant, a frozen clock at 2026-11-25T10:00:00Z, responses checked against their contracts."""
    return Settings(
        seed=1234,
        validate_responses=True,
        clock_start=FROZEN_START,
        clock_ticking=False,
        control_key=CONTROL_KEY,
    )


@pytest.fixture
def aiohttp_client(aiohttp_client: Any) -> Iterator[Callable[..., Awaitable[TestClient[Any, Any]]]]:
    """pytest-aiohttp's factory, plus: fail the test if any app it served recorded a self-check failure."""
    apps: list[web.Application] = []

    async def make(app: Any, *args: Any, **kwargs: Any) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = await aiohttp_client(app, *args, **kwargs)
        apps.append(client.app)
        return client

    yield make
    failures = [f for app in apps if STATE in app for f in app[STATE].self_check_failures]
    if failures:
        pytest.fail("the mock broke its own response contracts:\n" + "\n".join(failures), pytrace=False)


@pytest.fixture
async def mtd_client(aiohttp_client: Any, settings: Settings) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
    return client


@pytest.fixture
def control_headers() -> dict[str, str]:
    return {"X-Mtdsim-Control-Key": CONTROL_KEY}


async def fetch_token(client: TestClient[Any, Any], client_id: str, secret: str,
                      tenant: str = DEMO_TENANT_ID) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": GRAPH_SCOPE}
    response = await client.post(f"/{tenant}/oauth2/v2.0/token", data=form)
    assert response.status == 200, await response.text()
    token: str = (await response.json())["access_token"]
    return token


@pytest.fixture
def token_for() -> Callable[..., Awaitable[str]]:
    """``await token_for(client, client_id, secret, tenant=DEMO_TENANT_ID)`` -> an access token."""
    return fetch_token


@pytest.fixture
async def partner_headers(mtd_client: TestClient[Any, Any]) -> dict[str, str]:
    """Bearer header of the demo partner app."""
    return {"Authorization": f"Bearer {await fetch_token(mtd_client, DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET)}"}


@pytest.fixture
async def admin_headers(mtd_client: TestClient[Any, Any]) -> dict[str, str]:
    """Bearer header of the demo admin app."""
    return {"Authorization": f"Bearer {await fetch_token(mtd_client, DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET)}"}
