"""The mock in this process, on 127.0.0.1 and a free port, for ``mtdsim run`` without ``--target`` and for
``mtdsim simulate``: built like ``mtdsim serve``'s (``GraphRunner``), so what aiohttp's parser refuses answers in
the Graph envelope here too and a scenario sees the same mock wherever it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from simulator.service.app import create_app
from simulator.service.rejections import GraphRunner
from simulator.service.settings import Settings

__all__ = ["running_service"]


@asynccontextmanager
async def running_service(settings: Settings) -> AsyncIterator[str]:
    """The service's base URL while the block runs (``settings.host`` and ``settings.port`` are not used)."""
    runner = GraphRunner(create_app(settings), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
