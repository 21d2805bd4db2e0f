"""The service's use of the body worker (``simulator.bodies``): which bodies go to it, and what its answers become.

A body goes to the worker when it may hold more than ``Settings.body_worker_values`` JSON values (``values_bound``)
and its route is not the control API: the control key's holder runs the mock, and its device enrolments of 10,000
devices are large on purpose. The worker's conclusion becomes exactly what ``read_json`` would have answered on
the event loop (the same 400s, codes and details); a full queue is 503 ``serviceNotAvailable`` with
``Retry-After``; a client gone while its body was parsed is a client event (``middleware._gone``), not an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from simulator.bodies import structural_bytes
from simulator.bodies.pool import BodyWorker, Busy
from simulator.errors import DomainError, InvalidRequest, Problem
from simulator.service.faults import receiver_keys
from simulator.service.keys import BODY_WORKER, CONTRACTS, REQUEST_INFO
from simulator.service.state import RequestInfo

__all__ = ["BUSY_RETRY_AFTER", "ServiceBusy", "body_worker_ctx", "for_worker", "parse_in_worker"]

_SLICE = 256 * 1024  # bytes scanned per turn of the event loop
BUSY_RETRY_AFTER = 1  # seconds: a million-value body takes the worker ~10-40 ms, more when the loop keeps the core


class ServiceBusy(DomainError):
    """503: the body worker holds as many expensive bodies as it may; retry after ``Retry-After`` seconds."""

    status = 503

    def __init__(self, message: str) -> None:
        super().__init__("serviceNotAvailable", message)
        self.headers = {"Retry-After": str(BUSY_RETRY_AFTER)}


async def for_worker(info: RequestInfo, body: bytes, values: int) -> bool:
    """Whether ``body`` goes to the worker: it may hold more than ``values`` JSON values, off the control API.

    Scanned in slices with a turn of the loop between them (a 4 MiB body is 16 slices of ~0.1 ms, not one 1.5 ms
    block), and only as far as needed: a million zeros are known to be too many after their first 512 KiB."""
    if info.route.startswith("/_sim/"):
        return False
    bound = 1
    for start in range(0, len(body), _SLICE):
        bound += structural_bytes(body, start, start + _SLICE)
        if bound > values:
            return True
        await asyncio.sleep(0)
    return False


async def parse_in_worker(request: web.Request, body: bytes, contract: str | None) -> tuple[Any, tuple[Problem, ...]]:
    """The parsed body and its contract problems (empty when valid), as the worker found them; 400 when the body is
    not JSON, 503 when the worker is full, ConnectionResetError when the client left meanwhile."""
    info: RequestInfo = request[REQUEST_INFO]
    try:
        outcome = await request.app[BODY_WORKER].check(body, contract)
    except Busy:
        # Held to it like a throttled client: coming back before the second is up is retryAfterNotHonoured.
        for key in receiver_keys(request):
            info.state.faults.note_retry_after(key, f"{request.method} {info.route}", BUSY_RETRY_AFTER)
        raise ServiceBusy("The server is busy with other large request bodies; retry after the given delay.") from None
    transport = request.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("the client disconnected while its body was parsed")
    if outcome.not_json is not None:
        raise InvalidRequest("invalidRequest", f"the body is not valid JSON: {outcome.not_json}", target="")
    return outcome.data, outcome.problems


async def body_worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """The app's body worker: no process until the first expensive body; stopped with the app."""
    worker = BodyWorker(app[CONTRACTS].root)
    app[BODY_WORKER] = worker
    yield
    await worker.close()
