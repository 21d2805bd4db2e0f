"""The ``Prefer`` request header (RFC 7240) as Graph reads it: comma-separated preferences, names case-insensitive."""

from __future__ import annotations

from aiohttp import web

from simulator.domain.evolvable import INCLUDE_UNKNOWN

__all__ = ["prefers_unknown_enum_members"]


def prefers_unknown_enum_members(request: web.Request) -> bool:
    """Whether the caller sent ``Prefer: include-unknown-enum-members`` (possibly among other preferences)."""
    values = request.headers.getall("Prefer", ())
    return any(
        part.split("=", 1)[0].split(";", 1)[0].strip().lower() == INCLUDE_UNKNOWN
        for value in values
        for part in value.split(",")
    )
