"""``/_sim/snapshot`` (export and import the whole state as JSON) and ``/_sim/store`` (checkpoint status).

Export takes a capture on the loop, encodes it in a worker thread in slices (one ``orjson.dumps`` of a million
devices would hold the GIL, and so the event loop, for most of a second) and streams the slices. Import parses and
checks the document in a worker thread, then replaces the state on the loop in one step, so no request sees half of
it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from simulator.errors import ContractViolation, InvalidRequest, Problem
from simulator.service.control import controlled
from simulator.service.http import EntityTooLarge, UnsupportedMediaType, json_response, request_info
from simulator.service.keys import CHECKPOINTER, STATE
from simulator.store.capture import Capture, capture
from simulator.store.collector import collector_paused
from simulator.store.snapshot import apply_snapshot, snapshot_document

__all__ = ["routes"]

routes = web.RouteTableDef()
_CONTRACT = "sim-snapshot"


_SLICE = 10_000  # records per orjson.dumps call: a few milliseconds each


@routes.get("/_sim/snapshot")
@controlled
async def export_snapshot(request: web.Request) -> web.StreamResponse:
    shot = capture(request.app[STATE])
    pieces = await asyncio.to_thread(collector_paused.run, _encoded_in_slices, shot)
    info = request_info(request)
    response = web.StreamResponse(headers={"Content-Type": "application/json", "request-id": info.request_id,
                                           "client-request-id": info.client_request_id})  # fmt: skip
    response.content_length = sum(map(len, pieces))
    await response.prepare(request)
    for piece in pieces:
        await response.write(piece)
    await response.write_eof()
    return response


def _encoded_in_slices(shot: Capture) -> list[bytes]:
    """The snapshot document's JSON as pieces: the tenants go last, and their big lists (devices, reports) are
    dumped ``_SLICE`` records at a time, between which the GIL can go back to the event loop."""
    document = snapshot_document(shot)
    tenants = document.pop("tenants")
    pieces = [orjson.dumps(document)[:-1], b',"tenants":[']
    for n, tenant in enumerate(tenants):
        devices, reports = tenant.pop("devices"), tenant.pop("reports")
        pieces += [b"," if n else b"", orjson.dumps(tenant)[:-1], b',"devices":', *_sliced(devices),
                   b',"reports":', *_sliced(reports), b"}"]  # fmt: skip
    pieces.append(b"]}")
    return pieces


def _sliced(items: list[Any]) -> list[bytes]:
    """A JSON array as pieces of ``_SLICE`` items each."""
    pieces = [b"["]
    for start in range(0, len(items), _SLICE):
        pieces.append((b"," if start else b"") + orjson.dumps(items[start : start + _SLICE])[1:-1])
    pieces.append(b"]")
    return pieces


@routes.put("/_sim/snapshot")
@routes.post("/_sim/snapshot")
@controlled
async def import_snapshot(request: web.Request) -> web.StreamResponse:
    document = await _read_document(request)
    state = request.app[STATE]
    apply_snapshot(state, document)
    body = {"tenants": len(state.tenants), "devices": sum(len(t.devices) for t in state.tenants.values()),
            "reports": sum(len(t.reports) for t in state.tenants.values())}  # fmt: skip
    return json_response(request, body)


@routes.get("/_sim/store")
@controlled
async def store_status(request: web.Request) -> web.StreamResponse:
    checkpointer = request.app.get(CHECKPOINTER)
    if checkpointer is None:
        return json_response(request, {"durable": False})
    last = checkpointer.last
    body: dict[str, Any] = {
        "durable": True,
        "directory": str(checkpointer.store.directory),
        "checkpointIntervalSeconds": checkpointer.interval,
        "checkpoints": checkpointer.count,
        "lastCheckpoint": last.to_wire() if last is not None else None,
        "restoredFrom": checkpointer.restored_from,
    }
    return json_response(request, body)


async def _read_document(request: web.Request) -> Any:
    """The body as a snapshot document. Bodies up to ``max_snapshot_size``: a snapshot is far larger than the
    4 MiB other bodies may be, so it is read here rather than by ``read_json``."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType("unsupportedMediaType",
                                   f"Content-Type must be application/json, not {request.content_type!r}")
    info = request_info(request)
    limit = info.state.settings.max_snapshot_size
    if request.content_length is not None and request.content_length > limit:
        raise EntityTooLarge("requestEntityTooLarge", f"snapshots are limited to {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(1 << 20):
        size += len(chunk)
        if size > limit:
            raise EntityTooLarge("requestEntityTooLarge", f"snapshots are limited to {limit} bytes")
        chunks.append(chunk)
    contracts = info.contracts

    def parse() -> tuple[Any, list[Problem]]:
        try:
            data = orjson.loads(b"".join(chunks))
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest("invalidRequest", f"the body is not valid JSON: {exc}", target="") from None
        if contracts.is_valid(_CONTRACT, data):
            return data, []
        return data, contracts.problems(_CONTRACT, data) or [Problem("", "the body breaks its contract")]

    data, problems = await asyncio.to_thread(collector_paused.run, parse)
    if problems:
        raise ContractViolation(_CONTRACT, problems)
    return data
