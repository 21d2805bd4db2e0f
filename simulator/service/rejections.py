"""aiohttp's own rejections (a bad request line, oversized headers, a malformed chunk) in the Graph error envelope.

aiohttp answers what its HTTP parser refuses before any route runs, with a text/plain body and no request-id. A
partner's client then sees the one answer of the mock that is not Graph-shaped. ``GraphRunner`` is an
``AppRunner`` whose connections answer those rejections as every route does: Graph envelope, ``request-id`` header,
counted by status. It swaps the class of the ``web.Server`` the runner builds (aiohttp offers no public hook for a
``RequestHandler`` subclass); the server's behaviour is otherwise aiohttp's own.
"""

from __future__ import annotations

import logging

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from simulator.domain.clock import format_datetime
from simulator.service.keys import STATE

__all__ = ["GraphRunner"]

log = logging.getLogger("mtdsim.service")
_CODES = {400: "invalidRequest", 413: "requestEntityTooLarge", 431: "requestHeaderFieldsTooLarge"}


class GraphRunner(web.AppRunner):
    """``web.AppRunner`` whose parser-level rejections carry a Graph error body and a request-id."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _GraphServer
        return server


class _GraphServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _GraphRequestHandler(self, loop=self._loop, **self._kwargs)


class _GraphRequestHandler(RequestHandler):
    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        manager = self._manager
        app = getattr(manager.request_handler, "__self__", None) if manager is not None else None  # app._handle
        if status >= 500 or not isinstance(app, web.Application) or STATE not in app:
            return super().handle_error(request, status, exc, message)
        if request.writer.output_size > 0:  # as aiohttp: a response began, the connection is broken
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        # One line, not aiohttp's traceback per malformed request: garbage from a client is a client event.
        if exc is not None:  # its traceback holds the parser's frames and the bytes read, in a reference cycle
            exc.__traceback__ = None
        log.warning("refused a malformed request from %s: %s %s", request.remote, status, str(exc)[:200])
        state = app[STATE]
        request_id = state.next_request_id()
        state.status_counts[status] += 1
        text = message or "The request could not be read as HTTP."
        body = {"error": {"code": _CODES.get(status, "invalidRequest" if status < 500 else "generalException"),
                          "message": text.splitlines()[0][:300] if text else text,
                          "innerError": {"date": format_datetime(state.clock.now()), "request-id": request_id,
                                         "client-request-id": request_id}}}  # fmt: skip
        response = web.Response(body=orjson.dumps(body), status=status, content_type="application/json",
                                headers={"request-id": request_id, "client-request-id": request_id})
        response.force_close()
        return response
