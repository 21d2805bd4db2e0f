"""Graph-shaped admin routes (``/v1.0/...`` and ``/beta/...``): placeholder until the Graph engineer writes them."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
