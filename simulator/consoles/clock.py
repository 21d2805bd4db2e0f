"""The time a console lives on: the mock's virtual clock (advanced through the control API) or the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp

from simulator.domain.clock import parse_datetime
from simulator.errors import SimulationError

__all__ = ["CONTROL_KEY_HEADER", "ConsoleClock", "ControlClock", "WallClock", "iso_duration"]

CONTROL_KEY_HEADER = "X-Mtdsim-Control-Key"


class ConsoleClock(Protocol):
    def now(self) -> datetime: ...

    async def advance(self, delta: timedelta) -> datetime: ...


def iso_duration(delta: timedelta) -> str:
    """``PT3600S``-style ISO 8601 duration (whole or fractional seconds)."""
    seconds = delta.total_seconds()
    return f"PT{int(seconds)}S" if seconds == int(seconds) else f"PT{seconds:.3f}S"


class WallClock:
    """Real time, for targets without a control API: ``advance`` does not wait (ticks run back to back)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    async def advance(self, delta: timedelta) -> datetime:
        return self.now()


class ControlClock:
    """The mock's virtual clock: read with ``GET /_sim/clock``, moved with ``POST /_sim/clock/advance``."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, control_key: str) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._headers = {CONTROL_KEY_HEADER: control_key}
        self._now: datetime | None = None

    async def sync(self) -> datetime:
        return await self._call("GET", "/_sim/clock", None)

    def now(self) -> datetime:
        if self._now is None:
            raise SimulationError("ControlClock.sync() must run before now()")
        return self._now

    async def advance(self, delta: timedelta) -> datetime:
        return await self._call("POST", "/_sim/clock/advance", {"by": iso_duration(delta)})

    async def _call(self, method: str, path: str, body: dict[str, str] | None) -> datetime:
        async with self._session.request(method, self._base + path, json=body, headers=self._headers,
                                         middlewares=()) as resp:  # fmt: skip
            if resp.status == 401:
                raise SimulationError(f"the target refused the control key (401 at {path}): check --control-key")
            if resp.status != 200:
                raise SimulationError(f"control API {method} {path} answered {resp.status}: {await resp.text()}")
            self._now = parse_datetime((await resp.json())["now"])
        return self._now
