"""Issue 15, the last of item 1: bodies too expensive to parse on the event loop are parsed and checked in a worker
process, with the same answers as on the loop, a bounded queue (503 with Retry-After) and disconnects as client
events."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import os
import re
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

from simulator.bodies.pool import BodyWorker
from simulator.contracts import ContractSet
from simulator.service import Settings, create_app
from simulator.service.config import (
    DEMO_ADMIN_CLIENT_ID,
    DEMO_ADMIN_SECRET,
    DEMO_PARTNER_CLIENT_ID,
    DEMO_PARTNER_SECRET,
    DEMO_TENANT_ID,
)
from simulator.service.keys import BODY_WORKER, STATE

Client = TestClient[Any, Any]
JSON = {"Content-Type": "application/json"}
REPORTS = "/partner/v1/deviceThreatReports"
POLICIES = "/v1.0/deviceManagement/deviceCompliancePolicies"
MILLION_ZEROS = b'{"reports": [' + b",".join([b"0"] * 1_000_001) + b"]}"
SMALL_LIMIT = 1000  # values: with it, bodies from 2 KB up can go to the worker


def report(n: int) -> dict[str, Any]:
    return {"azureADDeviceId": f"00000000-0000-4000-8000-{n:012x}", "platform": "ios", "osVersion": "17.4",
            "threatState": "secured", "reportedDateTime": "2026-11-25T09:00:00Z"}  # fmt: skip


# (route, token kind, body): each once cost the loop seconds, or is a large valid body.
HOSTILE = [
    (REPORTS, "partner", MILLION_ZEROS),
    (REPORTS, "partner", orjson.dumps({"reports": [0] * 1000})),
    (REPORTS, "partner", b'{"reports": [' + b"0," * 200_000),  # not JSON: cut off
    (REPORTS, "partner", orjson.dumps({"reports": [report(n) for n in range(1000)]})),  # valid
    (REPORTS, "partner", orjson.dumps({"reports": [{**report(n), "x": n} for n in range(1000)]})),
    ("/partner/v1/heartbeat", "partner", orjson.dumps({f"key{i}": i for i in range(100_000)})),
    (POLICIES, "admin", orjson.dumps({"@odata.type": "#microsoft.graph.iosCompliancePolicy", "displayName": "p",
                                      **{f"k{i}": [0] * 10 for i in range(5000)}})),
]


async def token(client: Client, kind: str) -> str:
    client_id, secret = (DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET) if kind == "partner" else \
        (DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET)  # fmt: skip
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    answer = await client.post(f"/{DEMO_TENANT_ID}/oauth2/v2.0/token", data=form)
    return str((await answer.json())["access_token"])


async def post(client: Client, path: str, kind: str, body: bytes) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {await token(client, kind)}", **JSON}
    answer = await client.post(path, data=io.BytesIO(body), headers=headers)
    return answer.status, orjson.loads(await answer.read())


async def enable_connector(client: Client) -> None:
    admin = {"Authorization": f"Bearer {await token(client, 'admin')}"}
    await client.post("/beta/deviceManagement/mobileThreatDefenseConnectors",
                      json={"androidEnabled": True, "iosEnabled": True}, headers=admin)  # fmt: skip
    await client.post("/partner/v1/heartbeat", headers={"Authorization": f"Bearer {await token(client, 'partner')}"})


def comparable(answer: Any) -> Any:
    """An answer without what differs between two servers anyway: request ids, dates, and the count of unlisted
    problems when it was cut short by its time budget (``at least N more``: on the loop too, N varies by run)."""
    if not (isinstance(answer, dict) and "error" in answer):
        return answer
    error = {k: v for k, v in answer["error"].items() if k != "innerError"}
    for detail in error.get("details", ()):
        detail["message"] = re.sub(r"^at least \d+ more", "at least N more", detail["message"])
    return error


def recorded(client: Client) -> list[tuple[str, str, str, str | None]]:
    """The contract violations a server recorded, as ``comparable`` sees answers."""
    return [(v.code, re.sub(r"at least \d+ more", "at least N more", v.message), v.route, v.pointer)
            for v in client.app[STATE].violations]  # fmt: skip


@pytest.fixture
def worker_client(aiohttp_client: Any, settings: Settings) -> Callable[..., Awaitable[Client]]:
    async def make(values: int = SMALL_LIMIT) -> Client:
        client: Client = await aiohttp_client(create_app(dataclasses.replace(settings, body_worker_values=values)))
        return client

    return make


@pytest.fixture
async def stoppable(worker_client: Callable[..., Awaitable[Client]]) -> AsyncIterator[tuple[Client, BodyWorker]]:
    """A server whose worker is running (it has parsed one body) and is resumed if a test stopped it."""
    client = await worker_client()
    worker = client.app[BODY_WORKER]
    await post(client, REPORTS, "partner", MILLION_ZEROS)
    assert worker.pid is not None
    pid = worker.pid
    yield client, worker
    with contextlib.suppress(ProcessLookupError):  # killed by the test
        os.kill(pid, signal.SIGCONT)


async def test_hostile_bodies_get_the_same_answers_in_the_worker_as_on_the_event_loop(
    worker_client: Callable[..., Awaitable[Client]],
) -> None:
    on_loop, in_worker = await worker_client(0), await worker_client()
    for client in (on_loop, in_worker):
        await enable_connector(client)
    for path, kind, body in HOSTILE:
        loop_status, loop_answer = await post(on_loop, path, kind, body)
        worker_status, worker_answer = await post(in_worker, path, kind, body)
        assert (worker_status, comparable(worker_answer)) == (loop_status, comparable(loop_answer)), path
        if path == REPORTS and loop_status == 200:
            assert len(worker_answer["results"]) == 1000
    assert in_worker.app[BODY_WORKER].parsed == len(HOSTILE)
    assert on_loop.app[BODY_WORKER].parsed == 0
    assert recorded(in_worker) == recorded(on_loop)


async def test_a_million_zeros_go_to_the_worker_with_the_default_limit(mtd_client: Client,
                                                                        partner_headers: dict[str, str]) -> None:
    answer = await mtd_client.post(REPORTS, data=io.BytesIO(MILLION_ZEROS), headers={**partner_headers, **JSON})
    assert answer.status == 400
    assert mtd_client.app[BODY_WORKER].parsed == 1


async def test_a_thousand_report_batch_stays_on_the_event_loop_with_the_default_limit(
    mtd_client: Client, partner_headers: dict[str, str]
) -> None:
    body = orjson.dumps({"reports": [{**report(n), "threats": [{"threatId": "t", "category": "malware",
                                                                "severity": "high", "name": "n" * 50,
                                                                "detectedDateTime": "2026-11-25T09:00:00Z"}]}
                                     for n in range(1000)]})  # fmt: skip
    await enable_connector(mtd_client)
    answer = await mtd_client.post(REPORTS, data=io.BytesIO(body), headers={**partner_headers, **JSON})
    assert answer.status == 200, await answer.text()
    assert mtd_client.app[BODY_WORKER].parsed == 0
    assert mtd_client.app[BODY_WORKER].pid is None  # no process was started


async def test_control_api_bodies_stay_on_the_event_loop_whatever_their_size(
    worker_client: Callable[..., Awaitable[Client]], control_headers: dict[str, str]
) -> None:
    client = await worker_client()
    devices = [{"platform": "android", "osVersion": "14", "deviceName": f"d{n}"} for n in range(500)]
    answer = await client.post(f"/_sim/tenants/{DEMO_TENANT_ID}/devices", json={"devices": devices},
                               headers=control_headers)  # fmt: skip
    assert answer.status == 201
    assert client.app[BODY_WORKER].parsed == 0


async def test_a_full_worker_queue_answers_503_with_an_integer_retry_after_in_the_graph_envelope(
    stoppable: tuple[Client, BodyWorker],
) -> None:
    client, worker = stoppable
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGSTOP)  # nothing it holds can finish: the queue fills deterministically
    waiting = [asyncio.create_task(post(client, REPORTS, "partner", MILLION_ZEROS)) for _ in range(3)]
    while worker.in_flight < 3:
        await asyncio.sleep(0.01)
    headers = {"Authorization": f"Bearer {await token(client, 'partner')}", **JSON}
    answer = await client.post(REPORTS, data=io.BytesIO(MILLION_ZEROS), headers=headers)
    body = await answer.json()
    os.kill(worker.pid, signal.SIGCONT)
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "1"
    assert body["error"]["code"] == "serviceNotAvailable"
    assert body["error"]["innerError"]["request-id"] == answer.headers["request-id"]
    assert [status for status, _ in await asyncio.gather(*waiting)] == [400, 400, 400]
    openapi = await (await client.get("/openapi.json")).json()
    assert openapi["paths"][REPORTS]["post"]["responses"]["503"] == {"$ref": "#/components/responses/Busy"}
    assert openapi["components"]["responses"]["Busy"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


async def test_coming_back_before_a_busy_503s_retry_after_is_up_is_retry_after_not_honoured(
    stoppable: tuple[Client, BodyWorker],
) -> None:
    client, worker = stoppable
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGSTOP)
    waiting = [asyncio.create_task(post(client, REPORTS, "partner", MILLION_ZEROS)) for _ in range(3)]
    while worker.in_flight < 3:
        await asyncio.sleep(0.01)
    headers = {"Authorization": f"Bearer {await token(client, 'partner')}", **JSON}
    busy = await client.post(REPORTS, data=io.BytesIO(MILLION_ZEROS), headers=headers)
    again = await client.post(REPORTS, json={"reports": []}, headers=headers)  # at once, same token
    os.kill(worker.pid, signal.SIGCONT)
    await asyncio.gather(*waiting)
    assert (busy.status, again.status) == (503, 400)
    codes = [v.code for v in client.app[STATE].violations]
    assert codes.count("retryAfterNotHonoured") == 1


async def test_a_handler_cancelled_while_its_body_is_in_the_worker_leaves_the_worker_running(
    stoppable: tuple[Client, BodyWorker],
) -> None:
    """pytest-aiohttp's server cancels the handler of a client that left (``mtdsim serve`` does not: next test)."""
    client, worker = stoppable
    pid, parsed = worker.pid, worker.parsed
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    _, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(upload(await token(client, "partner"), MILLION_ZEROS))
    await writer.drain()
    while worker.in_flight < 1:
        await asyncio.sleep(0.01)
    writer.close()
    await writer.wait_closed()
    os.kill(pid, signal.SIGCONT)
    while worker.in_flight:
        await asyncio.sleep(0.01)
    status, _ = await post(client, REPORTS, "partner", MILLION_ZEROS)
    assert (status, worker.pid, worker.parsed) == (400, pid, parsed + 2)
    assert 500 not in client.app[STATE].status_counts


def test_a_client_gone_while_its_body_is_in_the_worker_is_a_client_event_with_one_log_line(
    serve: Callable[..., Any], raw_to: Any
) -> None:
    served = serve()
    partner = served.partner_token()
    status, _, _ = asyncio.run(raw_to(("127.0.0.1", served.port), upload(partner, MILLION_ZEROS)))
    (worker,) = children(served.process.pid)
    read_before = bytes_read(worker)
    os.kill(worker, signal.SIGSTOP)  # the next body stays with the worker until the client has gone
    try:
        asyncio.run(send_and_leave(served.port, upload(partner, MILLION_ZEROS)))
    finally:
        os.kill(worker, signal.SIGCONT)
    stats = served.call("/_sim/stats")
    deadline = time.monotonic() + 60  # the worker runs at the lowest priority: on a busy machine, it waits
    while not stats["clientEvents"]["disconnects"] and time.monotonic() < deadline:
        time.sleep(0.02)
        stats = served.call("/_sim/stats")
    after = asyncio.run(raw_to(("127.0.0.1", served.port), upload(partner, MILLION_ZEROS)))
    read_after = bytes_read(worker)
    err = served.stop()
    assert status == 400
    assert read_after - read_before >= 2 * len(MILLION_ZEROS)  # the second body did reach the worker
    assert stats["clientEvents"]["disconnects"] == 1
    assert stats["byStatus"].get("499") == 1
    assert "500" not in stats["byStatus"]
    assert after[0] == 400
    assert err.count("client disconnected during POST /partner/v1/deviceThreatReports") == 1
    assert "Traceback" not in err


def upload(token: str, body: bytes) -> bytes:
    return (f"POST {REPORTS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}"
            f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip


async def send_and_leave(port: int, request: bytes) -> None:
    """Send ``request``, wait until the server has read all of it from its socket, then close the connection."""
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    own = writer.get_extra_info("sockname")[1]
    for _ in range(1000):
        if unread(port, own) == 0:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # and has handed it on: the handler resumes on the loop's next turn
    writer.close()
    await writer.wait_closed()


def unread(server_port: int, client_port: int) -> int | None:
    """Bytes the server has not read yet from its socket of this connection (/proc/net/tcp's rx_queue)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if (local, remote) == (server_port, client_port):
            return int(fields[4].split(":")[1], 16)
    return None


def children(pid: int) -> list[int]:
    return [int(child) for task in os.listdir(f"/proc/{pid}/task")
            for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]  # fmt: skip


def bytes_read(pid: int) -> int:
    """Bytes ``pid`` has read (its ``/proc/PID/io`` rchar): the worker reads each body from its stdin."""
    fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(fields["rchar"])


async def test_a_worker_that_dies_costs_one_503_and_the_next_body_gets_a_new_worker(
    stoppable: tuple[Client, BodyWorker],
) -> None:
    client, worker = stoppable
    first = worker.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    dead_status, dead_answer = await post(client, REPORTS, "partner", MILLION_ZEROS)
    status, _ = await post(client, REPORTS, "partner", MILLION_ZEROS)
    assert (dead_status, dead_answer["error"]["code"]) == (503, "serviceNotAvailable")
    assert status == 400
    assert worker.pid not in (None, first)


async def test_the_worker_runs_at_the_lowest_nice_value_and_stops_with_the_app(
    worker_client: Callable[..., Awaitable[Client]], partner_headers: dict[str, str]
) -> None:
    client = await worker_client()
    await post(client, REPORTS, "partner", MILLION_ZEROS)
    pid = client.app[BODY_WORKER].pid
    assert pid is not None
    assert os.getpriority(os.PRIO_PROCESS, pid) == 19
    await client.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_an_idle_worker_exits_and_the_next_body_starts_another() -> None:
    worker = BodyWorker(ContractSet.load().root, idle_seconds=0.1)
    try:
        first_outcome = await worker.check(MILLION_ZEROS, "threat-report-batch")
        first = worker.pid
        assert first is not None
        deadline = time.monotonic() + 30
        while worker.pid is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        while time.monotonic() < deadline and Path(f"/proc/{first}").exists() \
                and "Z" not in Path(f"/proc/{first}/stat").read_text().split()[2]:  # fmt: skip
            await asyncio.sleep(0.02)  # until it has exited (a zombie until reaped counts as gone)
        second_outcome = await worker.check(MILLION_ZEROS, "threat-report-batch")
        assert worker.pid not in (None, first)
        assert first_outcome == second_outcome
        assert [p.keyword for p in first_outcome.problems] == ["maxItems"]
    finally:
        await worker.close()
