"""Issue 15 item 4: a client that goes away mid-upload, or sends its body too slowly, is a client event."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

UPLOAD = "POST /partner/v1/deviceThreatReports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


def half_upload(token: str) -> bytes:
    return f"{UPLOAD}Authorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n{{\"reports\": [".encode()


async def abort_uploads(port: int, token: str, count: int) -> None:
    for _ in range(count):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(half_upload(token))
        await writer.drain()
        await asyncio.sleep(0.05)  # let the server start reading the body before the client goes
        writer.close()
        await writer.wait_closed()


def test_uploads_aborted_by_the_client_are_counted_as_disconnects_with_one_log_line_each(
    serve: Callable[..., Any],
) -> None:
    served = serve()
    asyncio.run(abort_uploads(served.port, served.partner_token(), 5))
    stats = served.call("/_sim/stats")
    while stats["clientEvents"]["disconnects"] < 5:  # the server may see the last close after our stats call
        stats = served.call("/_sim/stats")
    err = served.stop()
    assert "500" not in stats["byStatus"]
    assert stats["byStatus"]["499"] == 5
    assert "Traceback" not in err
    assert err.count("client disconnected during POST /partner/v1/deviceThreatReports") == 5
    assert len(err.splitlines()) == 5


def test_a_body_that_stops_arriving_answers_408_and_closes_the_connection(
    serve: Callable[..., Any], raw_to: Any
) -> None:
    served = serve("--body-timeout", "0.3")
    status, headers, body = asyncio.run(raw_to(("127.0.0.1", served.port), half_upload(served.partner_token())))
    stats = served.call("/_sim/stats")
    served.stop()
    assert status == 408
    assert headers["connection"] == "close"
    assert body["error"]["code"] == "requestTimeout"
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]
    assert stats["clientEvents"]["bodyTimeouts"] == 1


def test_a_token_request_whose_form_stops_arriving_answers_408(serve: Callable[..., Any], raw_to: Any) -> None:
    served = serve("--body-timeout", "0.3")
    request = (b"POST /00000000-0000-4000-8000-000000000001/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ngrant_type=")
    status, _, body = asyncio.run(raw_to(("127.0.0.1", served.port), request))
    served.stop()
    assert status == 408
    assert isinstance(body, dict)




def test_malformed_requests_leave_nothing_behind_in_the_server(serve: Callable[..., Any]) -> None:
    """Each refusal's exception held the parser's frames, and the bytes read, in a reference cycle that serve's
    collector tuning frees rarely: 2,500 of them kept ~36 MiB (bench_hostile's garbage client)."""
    served = serve()
    assert served.process.stderr is not None
    stderr = served.process.stderr  # one log line per refusal: drained, or the server blocks writing them
    threading.Thread(target=stderr.read, daemon=True).start()
    big_header = b"GET /partner/v1/connector HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    garbage = [b"GARBAGE\r\n\r\n", big_header]

    async def send(count: int) -> None:
        for _ in range(count):
            for data in garbage:
                _, writer = await asyncio.open_connection("127.0.0.1", served.port)
                writer.write(data)
                await writer.drain()
                writer.close()
                await writer.wait_closed()

    asyncio.run(send(50))  # first-use allocations (pools, caches) before the baseline
    before = rss_kib(served.process.pid)
    asyncio.run(send(1000))
    served.call("/_sim/stats")  # the server has handled all of them
    after = rss_kib(served.process.pid)
    assert after - before < 10 * 1024, f"RSS grew {(after - before) // 1024} MiB over 2,000 malformed requests"


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
