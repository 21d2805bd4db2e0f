"""Partner-channel routes (``/partner/v1/...``): placeholder until the partner-channel engineer writes them."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
