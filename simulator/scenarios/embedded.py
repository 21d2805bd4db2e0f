"""Start the mock in this process on 127.0.0.1 (a free port) for scenarios to run against."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from simulator.domain.clock import parse_datetime
from simulator.scenarios.model import DEFAULT_CLOCK
from simulator.scenarios.runner import Target

__all__ = ["embedded_target"]


@asynccontextmanager
async def embedded_target(seed: int = 0) -> AsyncIterator[Target]:
    # Imported here: the service is only needed when no --target is given.
    from simulator.service.app import create_app
    from simulator.service.settings import Settings

    settings = Settings(port=0, seed=seed, clock_start=parse_datetime(DEFAULT_CLOCK), clock_ticking=False)
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield Target(f"http://{host}:{port}", settings.control_key)
    finally:
        await runner.cleanup()
