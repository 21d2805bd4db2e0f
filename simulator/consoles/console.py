"""A simulated partner console: an aiohttp client of the partner channel (docs/architecture.md, "The wire").

It enrolls nothing: it lists the devices the mock exposes and reports on those. Every call goes through
``_call``, which resends on 429, 5xx and transport errors with backoff (retry lives here rather than in a client
middleware because a truncated or stalled body only shows once the body is read, which is after middlewares).
Reports are counted by the final outcome of their batch, so a retried batch is never counted twice.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from simulator.consoles.auth import Credentials, TokenSource
from simulator.consoles.clock import ConsoleClock
from simulator.consoles.planting import plant
from simulator.consoles.profiles import Profile
from simulator.consoles.retry import RETRYABLE, RetryPolicy, parse_retry_after
from simulator.consoles.stats import ConsoleStats
from simulator.entra.trust import client_connector
from simulator.errors import SimulationError
from simulator.fleet.traffic import RosterDevice

__all__ = ["PartnerConsole", "Reply"]

_JSON = {"Content-Type": "application/json"}
_MAX_PAGES = 10_000  # bounds device-list paging: 10M devices at $top=1000
_DEVICE_IN_PATH = re.compile(r"/devices/[^/?]+/apps")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return str(error.get("code", "")) if isinstance(error, dict) else str(error or "")


class PartnerConsole:
    """One partner's console for one tenant. Use as ``async with PartnerConsole(...) as console``."""

    def __init__(self, credentials: Credentials, clock: ConsoleClock, *, profile: Profile = Profile.well_behaved,
                 seed: int = 0, retry: RetryPolicy | None = None, timeout: float = 30.0,
                 session: aiohttp.ClientSession | None = None) -> None:  # fmt: skip
        self.credentials = credentials
        self.clock = clock
        self.profile = profile
        self.retry = retry or RetryPolicy()
        self.stats = ConsoleStats()
        self._rng = random.Random(seed)  # backoff jitter only: traffic does not depend on it
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 10.0))
        self.tokens = TokenSource(credentials, clock, self.stats, refresh=profile.refreshes_token,
                                  timeout=self._timeout)  # fmt: skip
        self._own_session = session is None
        self._session = session
        self.connector: dict[str, Any] = {}
        self.sent: list[bytes] | None = None  # set to a list to keep every batch body sent (determinism checks)
        self._retry_deadlines: dict[str, float] = {}  # route -> monotonic end of a Retry-After it was told

    async def __aenter__(self) -> PartnerConsole:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout,
                                                  connector=client_connector(self.credentials.ca_file))
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:  # fmt: skip
        if self._own_session and self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise SimulationError("use the console inside 'async with'")
        return self._session

    async def heartbeat(self, partner_version: str = "1.0.0") -> Reply:
        reply = await self._call("POST", "/partner/v1/heartbeat", orjson.dumps({"partnerVersion": partner_version}))
        if reply.ok:
            self.stats.heartbeats += 1
            self.connector = reply.body
        return reply

    async def read_connector(self) -> Reply:
        reply = await self._call("GET", "/partner/v1/connector")
        if reply.ok:
            self.connector = reply.body
        return reply

    async def devices(self, platform: str | None = None, top: int = 1000,
                      on_page: Callable[[int], None] | None = None) -> list[RosterDevice]:  # fmt: skip
        """Every device the mock lists for this partner, following ``@odata.nextLink``; ``on_page(listed so far)``
        after each page."""
        query = f"?$top={top}" + (f"&platform={platform}" if platform else "")
        url: str | None = "/partner/v1/devices" + query
        roster: list[RosterDevice] = []
        for _ in range(_MAX_PAGES):
            if url is None:
                return roster
            reply = await self._call("GET", url)
            if not reply.ok:
                if reply.status == 0:  # no answer at all (see _call)
                    raise SimulationError(f"device list failed: the target at {self.credentials.base_url} could "
                                          "not be reached")
                raise SimulationError(f"device list failed: {reply.status} {reply.code}")
            roster += [RosterDevice.from_wire(item) for item in reply.body["value"]]
            if on_page is not None:
                on_page(len(roster))
            url = reply.body.get("@odata.nextLink")
        raise SimulationError(f"device list did not end after {_MAX_PAGES} pages")

    async def send_reports(self, reports: Sequence[dict[str, Any]], roster: dict[str, RosterDevice]) -> None:
        """Send reports (after the profile has planted its faults) in batches; count every per-report result."""
        plan = plant(self.profile, list(reports), roster)
        self.stats.expected.update(plan.expected)
        self.stats.expected_violations.update(plan.violations)
        for batch in plan.batches:
            await self._send_batch(batch)

    async def _send_batch(self, batch: list[dict[str, Any]]) -> None:
        self.stats.batches += 1
        self.stats.reports_sent += len(batch)
        body = orjson.dumps({"reports": batch})
        if self.sent is not None:
            self.sent.append(body)
        reply = await self._call("POST", "/partner/v1/deviceThreatReports", body)
        if not reply.ok:
            self.stats.reports_in_failed_batches += len(batch)
            return
        for result in reply.body["results"]:
            if result["status"] == "accepted":
                self.stats.accepted += 1
            else:
                self.stats.rejected[result["code"]] += 1

    async def app_sync(self, azure_ad_device_id: str) -> list[dict[str, Any]] | None:
        if self.profile is Profile.silent:
            self.stats.expected["403 connectorNotActive"] += 1  # planted: the connector was never set up
        reply = await self._call("GET", f"/partner/v1/devices/{azure_ad_device_id}/apps")
        self.stats.app_sync_calls += 1
        if not reply.ok:
            return None
        apps: list[dict[str, Any]] = reply.body["value"]
        self.stats.apps_seen += len(apps)
        return apps

    async def _call(self, method: str, path: str, body: bytes | None = None) -> Reply:
        url = path if path.startswith("http") else self.credentials.base_url.rstrip("/") + path
        if self.profile is Profile.expired_token and self.tokens.expired():
            # Planted before sending, whatever comes back: the mock must refuse every call made with it.
            self.stats.expected["401 InvalidAuthenticationToken"] += 1
        route = _route_of(url)
        for attempt in range(self.retry.attempts):
            last = attempt + 1 == self.retry.attempts
            self._note_early_retry(route)
            try:
                reply, retry_after = await self._once(method, url, body)
            except (TimeoutError, aiohttp.ClientError) as exc:
                if last:
                    self.stats.errors[f"transport {type(exc).__name__}"] += 1
                    return Reply(0, None)
                await self._wait(attempt, None)
                continue
            if retry_after is not None:
                self._retry_deadlines[route] = time.monotonic() + retry_after
            if reply.status in RETRYABLE and not last and self._may_wait(retry_after):
                await self._wait(attempt, retry_after)
                continue
            if not reply.ok:
                self.stats.errors[f"{reply.status} {reply.code}"] += 1
            return reply
        raise AssertionError("unreachable: the last attempt returns")

    def _note_early_retry(self, route: str) -> None:
        """ignores-retry-after: plant a violation for each request sent before a Retry-After on its route ran out."""
        deadline = self._retry_deadlines.get(route)
        if deadline is None or self.profile.honours_retry_after:
            return
        if time.monotonic() < deadline:
            self.stats.expected_violations["retryAfterNotHonoured"] += 1
        else:
            del self._retry_deadlines[route]

    async def _once(self, method: str, url: str, body: bytes | None) -> tuple[Reply, float | None]:
        headers = _JSON if body is not None else None
        async with self.session.request(method, url, data=body, headers=headers,
                                        middlewares=(self.tokens.middleware,)) as resp:  # fmt: skip
            raw = await resp.read()
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            parsed = orjson.loads(raw) if raw and resp.content_type.endswith("json") else None
            return Reply(resp.status, parsed), retry_after

    def _may_wait(self, retry_after: float | None) -> bool:
        if not self.profile.honours_retry_after:
            return True  # it resends at once whatever the header says
        return retry_after is None or retry_after <= self.retry.max_retry_after

    async def _wait(self, attempt: int, retry_after: float | None) -> None:
        self.stats.retries += 1
        delay = self.retry.delay(attempt, retry_after, self._rng, honour=self.profile.honours_retry_after)
        if delay > 0:
            await asyncio.sleep(delay)  # real time: the mock checks Retry-After against its monotonic clock


def _route_of(url: str) -> str:
    """The route a Retry-After applies to, as the mock keys it: the path, with App Sync's device id templated."""
    path = url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    return _DEVICE_IN_PATH.sub("/devices/{azureADDeviceId}/apps", "/" + path)
