"""Client-credentials tokens for a console, and the aiohttp client middleware that puts them on requests.

The middleware adds ``Authorization: Bearer``, fetches a new token shortly before the current one expires (on
the console's clock, which is the mock's virtual clock when it drives the embedded mock), and on a 401 refreshes
once and resends. The ``expired-token`` profile turns refreshing off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse

from simulator.consoles.clock import ConsoleClock
from simulator.consoles.stats import ConsoleStats
from simulator.errors import SimulationError

__all__ = ["Credentials", "TokenSource"]

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True, slots=True)
class Credentials:
    """Where and as whom a console signs in."""

    base_url: str
    tenant_id: str
    client_id: str
    client_secret: str
    ca_file: str | None = None  # CA to trust for an https base_url (what `mtdsim serve --tls` printed)


class TokenSource:
    """Caches one access token; ``middleware`` is a ``ClientSession`` client middleware."""

    def __init__(self, credentials: Credentials, clock: ConsoleClock, stats: ConsoleStats, *, refresh: bool = True,
                 timeout: aiohttp.ClientTimeout | None = None) -> None:  # fmt: skip
        self.credentials = credentials
        self.clock = clock
        self.stats = stats
        self.refresh_enabled = refresh
        self.timeout = timeout
        self._token: str | None = None
        self.expires_at: datetime | None = None

    def expired(self) -> bool:
        return self.expires_at is not None and self.clock.now() >= self.expires_at

    def _fresh(self) -> bool:
        if self._token is None or self.expires_at is None:
            return False
        return not self.refresh_enabled or self.clock.now() < self.expires_at - timedelta(seconds=60)

    async def token(self, session: aiohttp.ClientSession) -> str:
        if not self._fresh():
            await self.fetch(session)
        assert self._token is not None  # set by fetch or by the check above
        return self._token

    async def fetch(self, session: aiohttp.ClientSession) -> None:
        c = self.credentials
        form = {"grant_type": "client_credentials", "client_id": c.client_id, "client_secret": c.client_secret,
                "scope": GRAPH_SCOPE}  # fmt: skip
        url = f"{c.base_url.rstrip('/')}/{c.tenant_id}/oauth2/v2.0/token"
        async with session.post(url, data=form, middlewares=(), timeout=self.timeout) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200:
                raise SimulationError(f"token request failed ({resp.status}): {body.get('error_description', body)}")
        self._token = str(body["access_token"])
        self.expires_at = self.clock.now() + timedelta(seconds=int(body["expires_in"]))
        self.stats.token_fetches += 1

    async def middleware(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        request.headers["Authorization"] = f"Bearer {await self.token(request.session)}"
        response = await handler(request)
        if response.status != 401 or not self.refresh_enabled:
            return response
        response.release()
        await self.fetch(request.session)  # e.g. the mock restarted with a new signing key
        request.headers["Authorization"] = f"Bearer {self._token}"
        return await handler(request)
