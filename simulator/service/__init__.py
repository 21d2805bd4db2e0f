"""The mock Intune endpoint (aiohttp): ``create_app(Settings(...))``.

Route authors: see ``simulator.service.http`` (read_json, json_response, graph_response) and
``simulator.service.auth`` (require_partner, require_admin).
"""

from __future__ import annotations

from simulator.service.app import create_app
from simulator.service.settings import Settings

__all__ = ["Settings", "create_app"]
