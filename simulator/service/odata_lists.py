"""The wire side of OData collection queries: options from the request, cursors in and out, ``$select``."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from aiohttp import web

from simulator.query.cursor import Cursor
from simulator.query.options import QueryOptions, read_options
from simulator.service.http import request_info

__all__ = ["cursor_of", "next_link", "project", "query_options", "selectable"]


def query_options(request: web.Request, *, selectable: Collection[str], sortable: Collection[str],
                  default_top: int = 100) -> QueryOptions:  # fmt: skip
    return read_options(request.query, selectable=selectable, sortable=sortable, default_top=default_top)


def cursor_of(request: web.Request, options: QueryOptions, scope: str) -> Cursor | None:
    """The request's ``$skiptoken`` decoded (a 400 if forged or made for another query), None on a first page."""
    if options.skiptoken is None:
        return None
    return request_info(request).state.cursors.decode(options.skiptoken, f"{scope}|{options.shape}")


def next_link(request: web.Request, options: QueryOptions, cursor: Cursor, scope: str) -> str:
    """The absolute ``@odata.nextLink``: the same query with the new ``$skiptoken`` (``$skip`` is in the cursor)."""
    token = request_info(request).state.cursors.encode(cursor, f"{scope}|{options.shape}")
    query = {k: v for k, v in request.query.items() if k != "$skip"}
    query["$top"] = str(options.top)
    query["$skiptoken"] = token
    return str(request.url.with_query(query))


def project(view: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
    """``$select``: only the named properties (those the view has), annotations kept."""
    if select is None:
        return view
    return {k: v for k, v in view.items() if k in select or k.startswith("@odata.")}


def selectable(schema: Mapping[str, Any]) -> frozenset[str]:
    """A contract's property names, without annotations: what ``$select`` may name."""
    return frozenset(name for name in schema.get("properties", {}) if not name.startswith("@"))
