"""Start the mock in this process on 127.0.0.1 (a free port) for scenarios to run against."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from simulator.domain.clock import parse_datetime
from simulator.scenarios.model import DEFAULT_CLOCK
from simulator.scenarios.runner import Target

__all__ = ["embedded_target"]


@asynccontextmanager
async def embedded_target(seed: int = 0) -> AsyncIterator[Target]:
    # Imported here: the service is only needed when no --target is given.
    from simulator.service.embedded import running_service
    from simulator.service.settings import Settings

    settings = Settings(port=0, seed=seed, clock_start=parse_datetime(DEFAULT_CLOCK), clock_ticking=False)
    async with running_service(settings) as url:
        yield Target(url, settings.control_key)
