"""The bare baseline for the single-report target: aiohttp, parse the body, store it in a dict, answer JSON.

No auth, no contract validation, no domain rules: what a hand-written stub would do. Same method as
reference/performance.md ("POST+parse+dict update, no validation"): ``json.loads`` and ``web.json_response``.
``python -m loadtests.baseline_server --port P [--uvloop]`` prints ``ready`` once listening; stop it with SIGINT.
``--uvloop`` runs it on the event loop ``mtdsim serve`` uses, for a same-loop comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from aiohttp import web

__all__ = ["create_baseline_app", "main"]

STATE = web.AppKey("state", dict)


async def _reports(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    state: dict[str, Any] = request.app[STATE]
    for report in body["reports"]:
        state[report["azureADDeviceId"]] = report
    return web.json_response({"accepted": len(body["reports"])})


async def _hello(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_baseline_app() -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[STATE] = {}
    app.router.add_post("/partner/v1/deviceThreatReports", _reports)
    app.router.add_get("/hello", _hello)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop instead of asyncio's default loop")
    args = parser.parse_args(argv)
    loop = None
    if args.uvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(create_baseline_app(), host="127.0.0.1", port=args.port, access_log=None, loop=loop,
                print=lambda *_: print("ready", flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
