"""The wrk driver sends what the Python load generator sends, and the mock accepts every report of a wrk run."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer

from loadtests import wrk
from loadtests.benchlib import start_prepared_mock
from loadtests.loadgen import make_factory
from loadtests.target import fetch_stats
from simulator.errors import SimulationError

# wrk is a Debian package; .ci/run installs it like valgrind and chromium.
pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian package) is not installed")

DEVICES = ["0b6c2a4e-1b2c-4d5e-8f90-12345678900a", "0b6c2a4e-1b2c-4d5e-8f90-12345678900b",
           "0b6c2a4e-1b2c-4d5e-8f90-12345678900c"]
PLATFORMS = ["android", "ios", "android"]
BASE_MS = 1_764_748_800_000  # 2025-12-03T08:00:00Z


async def test_a_wrk_run_sends_the_python_load_generators_requests_in_the_same_order() -> None:
    received: list[tuple[bytes, str | None]] = []

    async def capture(request: web.Request) -> web.Response:
        received.append((await request.read(), request.headers.get("Authorization")))
        return web.json_response({"accepted": 1})

    app = web.Application()
    app.router.add_post(wrk.PATH, capture)
    async with TestServer(app, host="127.0.0.1") as server:
        script = wrk.report_script(DEVICES, PLATFORMS, "tok.en", BASE_MS)
        done = await asyncio.to_thread(wrk.run, _port(server), script, 1, 1)
    factory = make_factory({"port": 0, "kind": "single", "path": wrk.PATH, "token": "", "devices": DEVICES,
                            "platforms": PLATFORMS, "base_ms": BASE_MS})
    factory()  # wrk calls request() once to check the script before it sends anything
    expected = [factory()[0].split(b"\r\n\r\n", 1)[1] for _ in range(len(received))]
    # wrk stops on a timer: the request in flight on its one connection can reach the server uncounted.
    assert done.requests <= len(received) <= done.requests + 1
    assert len(received) > len(DEVICES)  # every device reported more than once
    assert [body for body, _ in received] == expected
    assert {auth for _, auth in received} == {"Bearer tok.en"}


async def test_a_non_2xx_answer_fails_the_wrk_run() -> None:
    async def refuse(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"error": "no"}, status=400)

    app = web.Application()
    app.router.add_post(wrk.PATH, refuse)
    async with TestServer(app, host="127.0.0.1") as server:
        script = wrk.report_script(DEVICES, PLATFORMS, "", BASE_MS)
        with pytest.raises(SimulationError, match="Non-2xx"):
            await asyncio.to_thread(wrk.run, _port(server), script, 1, 1)


@pytest.mark.slow
def test_the_mock_accepts_every_report_of_a_wrk_run() -> None:
    prepared = start_prepared_mock()
    with prepared.mock:
        script = wrk.report_script(prepared.devices, prepared.platforms, prepared.token,
                                   prepared.now_ms - 10 * 60_000)
        done = wrk.run(prepared.mock.port, script, 1, 8)
        traffic = fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"]
    assert traffic["reportsRejected"] == {} or not any(traffic["reportsRejected"].values())
    # wrk counts the answers it read; requests still in flight when it stopped were applied but not counted.
    assert done.requests <= traffic["reportsAccepted"] <= done.requests + 8


def _port(server: BaseTestServer) -> int:
    assert server.port is not None  # set once the server started
    return server.port
