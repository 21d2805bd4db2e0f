"""The route tests' live mock (``api``), shared: snapshots are exported from and imported into it."""

from __future__ import annotations

from tests.routes.conftest import api

__all__ = ["api"]
